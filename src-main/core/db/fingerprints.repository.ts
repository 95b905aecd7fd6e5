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
  private readonly searchAllStmt;
  private readonly detailsStmt;
  private readonly getStmt;
  private readonly facesStmt;
  private readonly byExtension = new Map<string, { all(): unknown[] }>();
  private readonly inFolderStmt;

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
    // The same rows as one row of three long strings: each row handed from SQLite to JavaScript
    // costs more than SQLite's own work for it (a third less time for 100,000 photos). The
    // order of group_concat is the scan's (photos by status, then id), checked by the reader.
    this.searchAllStmt = db
      .prepare<[], [number, string | null, string | null, string | null]>(
        `SELECT count(*), group_concat(p.id || ',' || p.size || ',' || ifnull(p.width, 0) || ',' || ifnull(p.height, 0), ','),
                group_concat(p.content_hash, ','), group_concat(ifnull(hex(f.dct) || hex(f.gradient), ''), ',')
         FROM photos p LEFT JOIN photo_fingerprints f INDEXED BY photo_fingerprints_hashes ON f.photo_id = p.id
         WHERE p.status = 'done'`,
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
   * (present 0 when it has no fingerprint): one statement, read as one row of long strings
   * (or row by row where those would be too long for SQLite).
   */
  listForSearch(): SearchRows {
    let all: [number, string | null, string | null, string | null] | undefined;
    try {
      all = this.searchAllStmt.get();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_TOOBIG') throw err;
    }
    const rows = all ? parseSearchRows(...all) : this.searchRowByRow();
    return inIdOrder(rows);
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

/**
 * The search's rows from listForSearch's one row: `count` photos, their "id,size,width,height"
 * and content hashes joined by commas, and their hashes' hex (32 digits, or none) likewise.
 */
function parseSearchRows(count: number, numbers: string | null, hashes: string | null, hexes: string | null): SearchRows {
  const photos = new Array<SearchRow>(count);
  const words = new Uint32Array(4 * count), present = new Uint8Array(count);
  if (count === 0) return { photos, words, present };
  if (numbers === null || hashes === null || hexes === null) throw new Error('the search rows are missing a column');
  let at = 0, ha = 0, xa = 0;
  const next = (): number => {
    let v = 0;
    for (let c = numbers.charCodeAt(at++); c >= 48 && c <= 57; c = numbers.charCodeAt(at++)) v = v * 10 + (c - 48);
    return v;
  };
  for (let i = 0; i < count; i++) {
    const id = next(), size = next(), width = next(), height = next();
    let he = hashes.indexOf(',', ha);
    if (he < 0) he = hashes.length;
    const contentHash = hashes.slice(ha, he);
    ha = he + 1;
    let xe = hexes.indexOf(',', xa);
    if (xe < 0) xe = hexes.length;
    if (xe - xa === 32) {
      present[i] = 1;
      for (let k = 0; k < 4; k++) {
        let w = 0;
        for (let q = xa + 8 * k; q < xa + 8 * k + 8; q++) w = (w << 4) | HEX_DIGIT[hexes.charCodeAt(q)]!;
        words[4 * i + k] = w >>> 0;
      }
    }
    xa = xe + 1;
    photos[i] = { id, size, contentHash, width, height };
  }
  return { photos, words, present };
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
