import type { Db } from './database.js';
import type { PhotoRow } from './photos.repository.js';

export interface FingerprintRow {
  photo_id: number;
  dct: Buffer;
  gradient: Buffer;
  thumb: Buffer;
  colour: Buffer;
}

export interface StoredFingerprint {
  dct: Uint8Array;
  gradient: Uint8Array;
  thumb: Uint8Array;
  colour: Uint8Array;
}

/** A photo as duplicate finding reads it: the columns of its row the keeper rule and the checks use. */
export type DuplicateCandidateRow = Pick<PhotoRow, 'id' | 'path' | 'size' | 'mtime_ms' | 'content_hash' | 'format' | 'width' | 'height' | 'taken_at'>;

const asBuffer = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The photos' fingerprints (analysis/fingerprint.ts) and the user's "not duplicates" pairs. */
export class FingerprintsRepository {
  private readonly putStmt;
  private readonly allStmt;
  private readonly missingStmt;
  private readonly dismissStmt;
  private readonly undismissStmt;
  private readonly dismissalsStmt;
  private readonly photosStmt;

  constructor(db: Db) {
    this.putStmt = db.prepare(
      `INSERT INTO photo_fingerprints (photo_id, dct, gradient, thumb, colour) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (photo_id) DO UPDATE SET dct = excluded.dct, gradient = excluded.gradient, thumb = excluded.thumb, colour = excluded.colour`,
    );
    this.allStmt = db.prepare<[], FingerprintRow>(
      "SELECT f.* FROM photo_fingerprints f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'done' ORDER BY f.photo_id",
    );
    this.missingStmt = db.prepare<[], { id: number; path: string }>(
      "SELECT p.id, p.path FROM photos p LEFT JOIN photo_fingerprints f ON f.photo_id = p.id WHERE p.status = 'done' AND f.photo_id IS NULL ORDER BY p.id",
    );
    this.dismissStmt = db.prepare('INSERT OR IGNORE INTO duplicate_dismissals (hash_a, hash_b, created_at) VALUES (?, ?, ?)');
    this.undismissStmt = db.prepare('DELETE FROM duplicate_dismissals WHERE hash_a = ? AND hash_b = ?');
    this.dismissalsStmt = db.prepare<[], { hash_a: string; hash_b: string }>('SELECT hash_a, hash_b FROM duplicate_dismissals');
    this.photosStmt = db.prepare<[], DuplicateCandidateRow>(
      "SELECT id, path, size, mtime_ms, content_hash, format, width, height, taken_at FROM photos WHERE status = 'done' ORDER BY id",
    );
  }

  put(photoId: number, f: StoredFingerprint): void {
    this.putStmt.run(photoId, asBuffer(f.dct), asBuffer(f.gradient), asBuffer(f.thumb), asBuffer(f.colour));
  }

  /** Every analysed photo's fingerprint. */
  list(): FingerprintRow[] {
    return this.allStmt.all();
  }

  /** Analysed photos without a fingerprint: analysed before duplicates existed. */
  listMissing(): Array<{ id: number; path: string }> {
    return this.missingStmt.all();
  }

  listPhotos(): DuplicateCandidateRow[] {
    return this.photosStmt.all();
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
