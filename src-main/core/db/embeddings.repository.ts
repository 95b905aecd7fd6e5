import { fromBlob, toBlob } from './blobs.js';
import type { Db } from './database.js';
import { dropUnusedRowDirs, readDerivedRows, type DerivedRows, type DerivedRowsSpec, type RowSink } from './derived-rows.js';

/** An analysed photo with one of its faces and that face's vector (face fields null for a photo without faces). */
export interface PhotoFaceVector {
  path: string;
  width: number | null;
  height: number | null;
  faceId: number | null;
  x: number | null;
  y: number | null;
  w: number | null;
  h: number | null;
  alignedFile: string | null;
  /** Null where the face has no vector of the model. */
  vector: Float32Array | null;
}

/** vectorsFor sweeps the model's rows, rather than looking each face up, from this many faces that are at least 1/SWEEP_SHARE of the model's rows (a 2 kB seed vector swept costs about half a look-up). */
const SWEEP_MIN = 4096;
const SWEEP_SHARE = 2;

/**
 * The embeddings table: every face's vector of each model, the descriptor written with the
 * face at analysis, the trained models' embeddings after. For a trained model (`write`): which
 * faces still need one from the current model, and writing them. A face embedded by an older
 * version of the same model family loses that row when the new one is written, so only stale
 * or new faces are ever (re-)embedded.
 */
export class EmbeddingsRepository {
  private readonly missing;
  private readonly insert;
  private readonly deleteOthers;
  private readonly countFor;
  private readonly vectorStmt;
  private readonly photoFaceVectors;
  private readonly copyStmt;
  private readonly vectorPluck;
  private readonly newestFace;
  private readonly sweepStmt;

  constructor(private readonly db: Db) {
    this.missing = db.prepare<[number], { id: number; aligned_file: string }>(
      `SELECT f.id, f.aligned_file FROM faces f JOIN photos p ON p.id = f.photo_id
       WHERE p.status = 'done' AND f.lost_at IS NULL AND f.not_face_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.face_id = f.id AND e.model_id = ?)
       ORDER BY f.id`,
    );
    this.insert = db.prepare('INSERT OR REPLACE INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
    this.deleteOthers = db.prepare(
      `DELETE FROM embeddings WHERE face_id = ? AND model_id != ?
       AND model_id IN (SELECT id FROM models WHERE key LIKE ? || '%')`,
    );
    this.countFor = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM embeddings WHERE model_id = ?');
    this.copyStmt = db.prepare('INSERT OR IGNORE INTO embeddings (face_id, model_id, vector) SELECT ?, model_id, vector FROM embeddings WHERE face_id = ?');
    this.vectorStmt = db.prepare<[number, number], { vector: Buffer }>('SELECT vector FROM embeddings WHERE face_id = ? AND model_id = ?');
    this.newestFace = db.prepare<[], { n: number }>('SELECT coalesce(max(id), 0) AS n FROM faces');
    this.vectorPluck = db.prepare<[number, number], Buffer>('SELECT vector FROM embeddings WHERE face_id = ? AND model_id = ?').pluck(true);
    this.sweepStmt = db.prepare<[number], unknown[]>('SELECT face_id, vector FROM embeddings WHERE model_id = ? ORDER BY face_id').raw(true);
    this.photoFaceVectors = db.prepare<[string], Omit<PhotoFaceVector, 'vector'> & { vector: Buffer | null }>(
      `SELECT p.path, p.width, p.height, f.id AS faceId, f.x, f.y, f.w, f.h, f.aligned_file AS alignedFile, e.vector
       FROM photos p LEFT JOIN faces f ON f.photo_id = p.id AND f.lost_at IS NULL
       LEFT JOIN embeddings e ON e.face_id = f.id AND e.model_id = (SELECT id FROM models WHERE key = ?)
       WHERE p.status = 'done' ORDER BY p.id, f.idx`,
    );
  }

  /**
   * Faces found on present photos with no embedding from this model, with their aligned crop
   * (relative to the cache). Lost faces are left out: a later analysis may have written another
   * face's crop under their file name.
   */
  facesWithout(modelId: number): Array<{ faceId: number; alignedFile: string }> {
    return this.missing.all(modelId).map((r) => ({ faceId: r.id, alignedFile: r.aligned_file }));
  }

  /** Writes (or replaces) vectors of one model; call inside the caller's transaction (a photo's faces are written with their descriptors). */
  put(modelId: number, rows: ReadonlyArray<{ faceId: number; vector: Float32Array }>): void {
    for (const r of rows) this.insert.run(r.faceId, modelId, toBlob(r.vector));
  }

  /** Writes the vectors in one transaction, dropping the faces' vectors from older models whose key starts with `family`. */
  write(modelId: number, family: string, rows: ReadonlyArray<{ faceId: number; vector: Float32Array }>): void {
    this.db.transaction(() => {
      for (const r of rows) {
        this.insert.run(r.faceId, modelId, toBlob(r.vector));
        this.deleteOthers.run(r.faceId, modelId, family);
      }
    })();
  }

  /** Vectors of one model for the given faces (faces without one are left out). */
  /** Gives face `to` every vector face `from` has (of every model) that it has not: the same crop, the same vectors. */
  copyVectors(from: number, to: number): void {
    this.copyStmt.run(to, from);
  }

  vectorsFor(modelId: number, faceIds: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    // Many faces (a whole library's grouping): one sweep of the model's rows, in the table's
    // order, costs a fraction of a look-up per face.
    // (Measured against the newest face's id, one b-tree descent: a count of a model's rows walks all of them, 300 MB of seed vectors at 150,000 faces.)
    if (faceIds.length >= SWEEP_MIN && faceIds.length * SWEEP_SHARE >= this.newestFace.get()!.n) {
      const wanted = new Set(faceIds);
      for (const [id, blob] of this.sweepStmt.iterate(modelId) as Iterable<[number, Buffer]>) if (wanted.has(id)) out.set(id, fromBlob(blob));
      return out;
    }
    // In face order: neighbouring look-ups touch neighbouring pages (a third faster than in the caller's order).
    for (const id of Int32Array.from(faceIds).sort()) {
      const blob = this.vectorPluck.get(id, modelId);
      if (blob) out.set(id, fromBlob(blob));
    }
    return out;
  }

  /** Rows computed from these faces' vectors of a model, through the library's cache of them (see derived-rows.ts). */
  derivedRows(spec: DerivedRowsSpec, faceIds: readonly number[], sink?: RowSink): Promise<DerivedRows> {
    return readDerivedRows(this.db, spec, faceIds, sink);
  }

  /** Removes the caches of rows (`<prefix><model id>` in `parent`) of models with no vector left. */
  dropUnusedDerivedRows(parent: string, prefix: string): void {
    dropUnusedRowDirs(this.db, parent, prefix);
  }

  count(modelId: number): number {
    return this.countFor.get(modelId)!.n;
  }

  /**
   * Every analysed photo with each of its faces and their vectors of the model `modelKey`, by
   * photo and face order (the LFW benchmarks' read of a scanned database).
   */
  listPhotoFaceVectors(modelKey: string): PhotoFaceVector[] {
    return this.photoFaceVectors.all(modelKey).map((r) => ({ ...r, vector: r.vector === null ? null : fromBlob(r.vector) }));
  }
}
