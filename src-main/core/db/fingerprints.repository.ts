import type { Db } from './database.js';

export interface StoredFingerprint {
  dct: Uint8Array;
  gradient: Uint8Array;
  thumb: Uint8Array;
  colour: Uint8Array;
}

/** One photo as the candidate search reads it. */
export interface SearchRow {
  id: number;
  size: number;
  contentHash: string;
  width: number;
  height: number;
  dct: Uint8Array | null;
  gradient: Uint8Array | null;
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
  private readonly byExtension = new Map<string, { all(): unknown[] }>();
  private readonly namedLikeStmt;

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
    // The whole library in one pass: what the candidate search needs, the two hashes as one
    // hex string (a string costs less to read than two blobs, each a Buffer of its own).
    this.searchStmt = db
      .prepare<[], [number, number, string, number | null, number | null, string | null]>(
        `SELECT p.id, p.size, p.content_hash, p.width, p.height, hex(f.dct) || hex(f.gradient)
         FROM photos p LEFT JOIN photo_fingerprints f ON f.photo_id = p.id WHERE p.status = 'done' ORDER BY p.id`,
      )
      .raw();
    // Paths that are the given one's up to its last dot, then anything: "IMG_0042." to "IMG_0042/" (the next character).
    this.namedLikeStmt = db.prepare<[string, string], RawFileRow>("SELECT id, path, status, taken_at FROM photos WHERE path > ? AND path < ? AND status != 'gone' ORDER BY id");
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

  /** Every analysed photo with its two hashes (null when it has no fingerprint): one statement, iterated. */
  listForSearch(): SearchRow[] {
    const out: SearchRow[] = [];
    let words = new DataView(new ArrayBuffer(16 * 1024));
    let used = 0;
    for (const [id, size, contentHash, width, height, hex] of this.searchStmt.iterate()) {
      let dct: Uint8Array | null = null, gradient: Uint8Array | null = null;
      if (hex !== null && hex.length === 32) {
        if (used === words.byteLength) {
          words = new DataView(new ArrayBuffer(words.byteLength));
          used = 0;
        }
        for (let k = 0; k < 4; k++) words.setUint32(used + 4 * k, parseInt(hex.slice(8 * k, 8 * k + 8), 16));
        dct = new Uint8Array(words.buffer, used, 8);
        gradient = new Uint8Array(words.buffer, used + 8, 8);
        used += 16;
      }
      out.push({ id, size, contentHash, width: width ?? 0, height: height ?? 0, dct, gradient });
    }
    return out;
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

  /** The photos (not gone) whose path is `stem` followed by a dot and anything. */
  listNamedLike(stem: string): RawFileRow[] {
    return this.namedLikeStmt.all(`${stem}.`, `${stem}/`);
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
