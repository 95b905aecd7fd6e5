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
   * Every analysed photo, and its two hashes packed as find-duplicates' PackedHashes (present
   * 0 when it has no fingerprint): one statement, iterated.
   */
  listForSearch(): { photos: SearchRow[]; words: Uint32Array; present: Uint8Array } {
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
