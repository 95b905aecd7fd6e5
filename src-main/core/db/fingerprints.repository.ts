import type { Db } from './database.js';

export interface StoredFingerprint {
  dct: Uint8Array;
  gradient: Uint8Array;
  thumb: Uint8Array;
  colour: Uint8Array;
}

/** One photo as the candidate search reads it (its hashes packed apart: listForSearch). */
export interface SearchRow {
  id: number;
  size: number;
  contentHash: string;
  width: number;
  height: number;
}

/** Every analysed photo for the candidate search, and its hashes packed (find-duplicates' PackedHashes). */
export interface SearchRows {
  photos: SearchRow[];
  words: Uint32Array;
  present: Uint8Array;
}

export interface RawFileRow {
  id: number;
  path: string;
  status: string;
  taken_at: string | null;
}

const asBuffer = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The photos' fingerprints (analysis/fingerprint.ts) and the user's "not duplicates" pairs. */
export class FingerprintsRepository {
  private readonly putStmt;
  private readonly missingStmt;
  private readonly dismissStmt;
  private readonly undismissStmt;
  private readonly dismissalsStmt;
  private readonly searchStmt;
  private readonly searchPhotosStmt;
  private readonly searchHashesStmt;
  private readonly identityStmt;
  private readonly detailsStmt;
  private readonly getStmt;
  private readonly facesStmt;
  private readonly byExtension = new Map<string, { all(): unknown[] }>();
  private readonly inFolderStmt;
  private readonly sharingStmt;

  constructor(private readonly db: Db) {
    this.putStmt = db.prepare(
      `INSERT INTO photo_fingerprints (photo_id, dct, gradient, thumb, colour) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (photo_id) DO UPDATE SET dct = excluded.dct, gradient = excluded.gradient, thumb = excluded.thumb, colour = excluded.colour`,
    );
    this.missingStmt = db.prepare<[], { id: number; path: string }>(
      "SELECT p.id, p.path FROM photos p LEFT JOIN photo_fingerprints f ON f.photo_id = p.id WHERE p.status = 'done' AND f.photo_id IS NULL ORDER BY p.id",
    );
    this.dismissStmt = db.prepare('INSERT OR IGNORE INTO duplicate_dismissals (hash_a, hash_b, created_at) VALUES (?, ?, ?)');
    this.undismissStmt = db.prepare('DELETE FROM duplicate_dismissals WHERE hash_a = ? AND hash_b = ?');
    this.dismissalsStmt = db.prepare<[], { hash_a: string; hash_b: string }>('SELECT hash_a, hash_b FROM duplicate_dismissals');
    // The whole library in one pass: what the candidate search needs, the two hashes read from
    // their own index (migration 14: not the table, where each sits beside its thumbnail) as
    // one hex string (a string costs less to read than two blobs, each a Buffer of its own).
    this.searchStmt = db
      .prepare<[], [number, number, string, number | null, number | null, string | null]>(
        `SELECT p.id, p.size, p.content_hash, p.width, p.height, hex(f.dct) || hex(f.gradient)
         FROM photos p LEFT JOIN photo_fingerprints f INDEXED BY photo_fingerprints_hashes ON f.photo_id = p.id
         WHERE p.status = 'done' ORDER BY p.id`,
      )
      .raw();
    // The same photos as two rows of one long string each, from two scans: the photos' ids and
    // sizes (the table, no join), and the hashes of every fingerprint from their own index. Each
    // row handed from SQLite to JavaScript costs more than SQLite's own work for it, a join of
    // the two costs as much again as both scans, and a photo's content hash and size in pixels
    // are wanted only for the few that share a size or are candidates (read then: SearchRow).
    this.searchPhotosStmt = db
      .prepare<[], [number, string | null]>("SELECT count(*), group_concat(id || ',' || size, ',') FROM photos WHERE status = 'done'")
      .raw();
    this.searchHashesStmt = db
      .prepare<[], [number, string | null]>("SELECT count(*), group_concat(photo_id || ',' || hex(dct) || hex(gradient), ',') FROM photo_fingerprints INDEXED BY photo_fingerprints_hashes")
      .raw();
    this.identityStmt = db.prepare<[number], { content_hash: string; width: number | null; height: number | null }>('SELECT content_hash, width, height FROM photos WHERE id = ?');
    this.sharingStmt = db
      .prepare<[], [number, number, string, number | null, number | null]>(
        `SELECT id, size, content_hash, width, height FROM photos INDEXED BY photos_by_hash
         WHERE status = 'done' AND content_hash IN (SELECT content_hash FROM photos INDEXED BY photos_by_hash GROUP BY content_hash HAVING count(*) > 1)
         ORDER BY id`,
      )
      .raw();
    // Paths that are the given one's up to its last dot, then anything: "IMG_0042." to "IMG_0042/" (the next character).
    this.inFolderStmt = db.prepare<[string, string], RawFileRow>("SELECT id, path, status, taken_at FROM photos WHERE path > ? AND path < ? AND status != 'gone' ORDER BY id");
    this.facesStmt = db.prepare<[number], { analyzer_version: number | null; width: number | null; height: number | null; x: number | null; y: number | null; w: number | null; h: number | null }>(
      `SELECT p.analyzer_version, p.width, p.height, f.x, f.y, f.w, f.h FROM photos p
       LEFT JOIN faces f ON f.photo_id = p.id AND f.lost_at IS NULL AND f.not_face_at IS NULL WHERE p.id = ? ORDER BY f.idx`,
    );
    this.getStmt = db.prepare<[number], { dct: Buffer; gradient: Buffer; thumb: Buffer; colour: Buffer }>('SELECT dct, gradient, thumb, colour FROM photo_fingerprints WHERE photo_id = ?');
    this.detailsStmt = db.prepare<[number], { thumb: Buffer; colour: Buffer }>('SELECT thumb, colour FROM photo_fingerprints WHERE photo_id = ?');
  }

  put(photoId: number, f: StoredFingerprint): void {
    this.putStmt.run(photoId, asBuffer(f.dct), asBuffer(f.gradient), asBuffer(f.thumb), asBuffer(f.colour));
  }

  /** Analysed photos without a fingerprint: analysed before duplicates existed. */
  listMissing(): Array<{ id: number; path: string }> {
    return this.missingStmt.all();
  }

  /**
   * Every analysed photo by id, and its two hashes packed as find-duplicates' PackedHashes
   * (present 0 when it has no fingerprint): two statements, each read as one row of a long
   * string (or row by row where those would be too long for SQLite). Each photo's content hash
   * and size in pixels are read when first asked for.
   */
  listForSearch(): SearchRows {
    let photos: [number, string | null] | undefined, hashes: [number, string | null] | undefined;
    try {
      photos = this.searchPhotosStmt.get();
      hashes = this.searchHashesStmt.get();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_TOOBIG') throw err;
    }
    if (!photos || !hashes) return inIdOrder(this.searchRowByRow());
    return joinSearchRows(...photos, ...hashes, (id) => this.identity(id));
  }

  /**
   * The analysed photos whose content hash another photo has too, by id: the only ones that
   * may be exact copies. The hashes shared are found in their own index (photos_by_hash), not
   * by reading every analysed photo.
   */
  listSharingContent(): SearchRow[] {
    return this.sharingStmt.all().map(([id, size, contentHash, width, height]) => ({ id, size, contentHash, width: width ?? 0, height: height ?? 0 }));
  }

  private identity(id: number): Identity {
    const row = this.identityStmt.get(id);
    return { contentHash: row?.content_hash ?? '', width: row?.width ?? 0, height: row?.height ?? 0 };
  }

  /** listForSearch, a row at a time. */
  private searchRowByRow(): SearchRows {
    const photos: SearchRow[] = [];
    let words = new Uint32Array(4 * 4096), present = new Uint8Array(4096);
    for (const [id, size, contentHash, width, height, hex] of this.searchStmt.iterate()) {
      const i = photos.length;
      if (i === present.length) {
        const w = new Uint32Array(2 * words.length), p = new Uint8Array(2 * present.length);
        w.set(words);
        p.set(present);
        words = w;
        present = p;
      }
      if (hex !== null && hex.length === 32) {
        present[i] = 1;
        for (let k = 0; k < 4; k++) words[4 * i + k] = parseInt(hex.slice(8 * k, 8 * k + 8), 16);
      }
      photos.push({ id, size, contentHash, width: width ?? 0, height: height ?? 0 });
    }
    return { photos, words: words.subarray(0, 4 * photos.length), present: present.subarray(0, photos.length) };
  }

  /** The photos (analysed or not, not gone) whose name ends with one of these extensions (".dng"), in any case. */
  listWithExtensions(extensions: readonly string[]): RawFileRow[] {
    if (!extensions.every((e) => /^\.[a-z0-9]+$/.test(e))) throw new Error('an extension is a dot and letters or digits');
    const key = extensions.join(',');
    let stmt = this.byExtension.get(key);
    if (!stmt) {
      const lengths = [...new Set(extensions.map((e) => e.length))];
      const test = lengths.map((n) => `lower(substr(path, -${n})) IN (${extensions.filter((e) => e.length === n).map((e) => `'${e}'`).join(', ')})`).join(' OR ');
      stmt = this.db.prepare<[], RawFileRow>(`SELECT id, path, status, taken_at FROM photos WHERE status != 'gone' AND (${test}) ORDER BY id`);
      this.byExtension.set(key, stmt);
    }
    return stmt.all() as RawFileRow[];
  }

  /** The photos (not gone) directly in `folder`. */
  listInFolder(folder: string, sep: string): RawFileRow[] {
    const prefix = folder.endsWith(sep) ? folder : folder + sep;
    // Every path under the folder lies between "folder/" and "folder" with the separator's next character.
    const rows = this.inFolderStmt.all(prefix, prefix.slice(0, -1) + String.fromCharCode(sep.charCodeAt(0) + 1));
    return rows.filter((r) => !r.path.slice(prefix.length).includes(sep));
  }

  /**
   * The faces of a photo in fractions of its frame (their boxes in whole pixels, as the window
   * shows them), for the finer check; null when the photo was never analysed for faces.
   */
  facesOf(photoId: number): Array<{ x: number; y: number; w: number; h: number }> | null {
    const rows = this.facesStmt.all(photoId);
    const first = rows[0];
    if (!first || !first.analyzer_version || !first.width || !first.height) return null;
    const { width, height } = first as { width: number; height: number };
    return rows
      .filter((r) => r.x !== null)
      .map((r) => ({ x: Math.round(r.x!) / width, y: Math.round(r.y!) / height, w: Math.round(r.w!) / width, h: Math.round(r.h!) / height }));
  }

  get(photoId: number): StoredFingerprint | null {
    return this.getStmt.get(photoId) ?? null;
  }

  /** A photo's thumbnails for the finer check, read only for the candidates. */
  details(photoId: number): { thumb: Uint8Array; colour: Uint8Array } | null {
    return this.detailsStmt.get(photoId) ?? null;
  }

  /** Returns false when the pair was already dismissed. */
  dismiss(hashA: string, hashB: string): boolean {
    const [a, b] = hashA <= hashB ? [hashA, hashB] : [hashB, hashA];
    return this.dismissStmt.run(a, b, new Date().toISOString()).changes > 0;
  }

  undismiss(hashA: string, hashB: string): void {
    const [a, b] = hashA <= hashB ? [hashA, hashB] : [hashB, hashA];
    this.undismissStmt.run(a, b);
  }

  /** "a\0b" keys (a ≤ b) of the dismissed pairs. */
  dismissedKeys(): Set<string> {
    return new Set(this.dismissalsStmt.all().map((r) => `${r.hash_a}\0${r.hash_b}`));
  }
}

export const dismissalKey = (hashA: string, hashB: string): string => (hashA <= hashB ? `${hashA}\0${hashB}` : `${hashB}\0${hashA}`);

const HEX_DIGIT = new Uint8Array(128);
for (let d = 0; d < 10; d++) HEX_DIGIT[48 + d] = d;
for (let d = 0; d < 6; d++) HEX_DIGIT[65 + d] = HEX_DIGIT[97 + d] = 10 + d;

/** What a search row reads when first asked. */
interface Identity {
  contentHash: string;
  width: number;
  height: number;
}

/** A photo as listForSearch gives it: its content hash and size in pixels read when first asked for. */
class LazySearchRow implements SearchRow {
  private known: Identity | undefined;

  constructor(
    readonly id: number,
    readonly size: number,
    private readonly read: (id: number) => Identity,
  ) {}

  get contentHash(): string {
    return (this.known ??= this.read(this.id)).contentHash;
  }

  get width(): number {
    return (this.known ??= this.read(this.id)).width;
  }

  get height(): number {
    return (this.known ??= this.read(this.id)).height;
  }
}

/**
 * The search's rows from listForSearch's two rows: `count` photos' "id,size" joined by commas,
 * and `hashCount` fingerprints' "photo id,hex of the two hashes" (32 digits) likewise, each
 * fingerprint put at its photo's place (a fingerprint of a photo not listed is left out).
 */
export function joinSearchRows(count: number, numbers: string | null, hashCount: number, hexes: string | null, identity: (id: number) => Identity): SearchRows {
  const ids = new Float64Array(count), sizes = new Float64Array(count);
  if (count > 0 && numbers === null) throw new Error('the search rows are missing a column');
  let at = 0;
  const next = (text: string): number => {
    let v = 0;
    for (let c = text.charCodeAt(at++); c >= 48 && c <= 57; c = text.charCodeAt(at++)) v = v * 10 + (c - 48);
    return v;
  };
  let sorted = true;
  for (let i = 0; i < count; i++) {
    ids[i] = next(numbers!);
    sizes[i] = next(numbers!);
    if (i > 0 && ids[i]! <= ids[i - 1]!) sorted = false;
  }
  // By id (they come so: sorted only if a query plan ever gave another order).
  const order = Array.from(ids.keys());
  if (!sorted) order.sort((a, b) => ids[a]! - ids[b]!);
  const photos = new Array<SearchRow>(count);
  const byId = new Float64Array(count);
  order.forEach((from, to) => {
    photos[to] = new LazySearchRow(ids[from]!, sizes[from]!, identity);
    byId[to] = ids[from]!;
  });
  const words = new Uint32Array(4 * count), present = new Uint8Array(count);
  if (hashCount > 0 && hexes === null) throw new Error('the search rows are missing a column');
  at = 0;
  // The fingerprints come by photo id too: each is looked for from the last one's place on.
  let place = 0;
  for (let k = 0; k < hashCount; k++) {
    const id = next(hexes!);
    const xa = at;
    let xe = hexes!.indexOf(',', xa);
    if (xe < 0) xe = hexes!.length;
    at = xe + 1;
    if (place < count && byId[place]! > id) place = lowerBound(byId, id);
    while (place < count && byId[place]! < id) place++;
    if (place >= count || byId[place] !== id || xe - xa !== 32) continue;
    present[place] = 1;
    for (let w = 0; w < 4; w++) {
      let v = 0;
      for (let q = xa + 8 * w; q < xa + 8 * w + 8; q++) v = (v << 4) | HEX_DIGIT[hexes!.charCodeAt(q)]!;
      words[4 * place + w] = v >>> 0;
    }
  }
  return { photos, words, present };
}

/** The first place in ascending `sorted` whose value is not below `value`. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows sorted by photo id (they come so: sorted only if a query plan ever gave another order). */
export function inIdOrder(rows: SearchRows): SearchRows {
  const { photos, words, present } = rows;
  let sorted = true;
  for (let i = 1; i < photos.length && sorted; i++) sorted = photos[i - 1]!.id < photos[i]!.id;
  if (sorted) return rows;
  const order = Array.from(photos.keys()).sort((a, b) => photos[a]!.id - photos[b]!.id);
  const w = new Uint32Array(words.length), p = new Uint8Array(present.length);
  order.forEach((from, to) => {
    w.set(words.subarray(4 * from, 4 * from + 4), 4 * to);
    p[to] = present[from]!;
  });
  return { photos: order.map((i) => photos[i]!), words: w, present: p };
}
