import type { Db } from './database.js';
import { fromBlob, toBlob } from './faces.repository.js';

/**
 * Embeddings of trained models (the seed extractor): which faces still need one from the
 * current model, and writing them. A face embedded by an older version of the same model
 * family loses that row when the new one is written, so only stale or new faces are ever
 * (re-)embedded.
 */
export class EmbeddingsRepository {
  private readonly missing;
  private readonly insert;
  private readonly deleteOthers;
  private readonly countFor;

  constructor(private readonly db: Db) {
    this.missing = db.prepare<[number], { id: number; aligned_file: string }>(
      `SELECT f.id, f.aligned_file FROM faces f JOIN photos p ON p.id = f.photo_id
       WHERE p.status = 'done' AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.face_id = f.id AND e.model_id = ?)
       ORDER BY f.id`,
    );
    this.insert = db.prepare('INSERT OR REPLACE INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
    this.deleteOthers = db.prepare(
      `DELETE FROM embeddings WHERE face_id = ? AND model_id != ?
       AND model_id IN (SELECT id FROM models WHERE key LIKE ? || '%')`,
    );
    this.countFor = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM embeddings WHERE model_id = ?');
  }

  /** Faces on present photos with no embedding from this model, with their aligned crop (relative to the cache). */
  facesWithout(modelId: number): Array<{ faceId: number; alignedFile: string }> {
    return this.missing.all(modelId).map((r) => ({ faceId: r.id, alignedFile: r.aligned_file }));
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
  vectorsFor(modelId: number, faceIds: readonly number[]): Map<number, Float32Array> {
    const stmt = this.db.prepare<[number, number], { vector: Buffer }>('SELECT vector FROM embeddings WHERE face_id = ? AND model_id = ?');
    const out = new Map<number, Float32Array>();
    for (const id of faceIds) {
      const row = stmt.get(id, modelId);
      if (row) out.set(id, fromBlob(row.vector));
    }
    return out;
  }

  count(modelId: number): number {
    return this.countFor.get(modelId)!.n;
  }
}
