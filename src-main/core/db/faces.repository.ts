import type { Db } from './database.js';

export interface NewFace {
  idx: number;
  box: { x: number; y: number; width: number; height: number };
  score: number;
  shapeError: number;
  landmarks: Float32Array;
  cropFile: string;
  alignedFile: string;
}

export interface FaceRow {
  id: number;
  photo_id: number;
  idx: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  person_id: number | null;
  assigned_by: 'auto' | 'user' | null;
  crop_file: string;
  aligned_file: string;
}

export interface FaceForGrouping {
  id: number;
  photoId: number;
  personId: number | null;
  assignedBy: 'auto' | 'user' | null;
  vector: Float32Array;
}

export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function fromBlob(b: Buffer): Float32Array {
  // Copy: the Buffer may not be 4-byte aligned.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export class FacesRepository {
  private readonly insertFace;
  private readonly insertEmbedding;
  private readonly deleteForPhoto;
  private readonly modelByKey;
  private readonly insertModel;
  private readonly forGrouping;
  private readonly countActive;

  constructor(private readonly db: Db) {
    this.insertFace = db.prepare(
      `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at)
       VALUES (@photoId, @idx, @x, @y, @w, @h, @score, @shapeError, @landmarks, @cropFile, @alignedFile, @now)`,
    );
    this.insertEmbedding = db.prepare(
      'INSERT OR REPLACE INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)',
    );
    this.deleteForPhoto = db.prepare('DELETE FROM faces WHERE photo_id = ?');
    this.modelByKey = db.prepare<[string], { id: number }>('SELECT id FROM models WHERE key = ?');
    this.insertModel = db.prepare('INSERT INTO models (key, kind, dims, created_at) VALUES (?, ?, ?, ?)');
    this.forGrouping = db.prepare<[number], { id: number; photo_id: number; person_id: number | null; assigned_by: 'auto' | 'user' | null; vector: Buffer }>(
      `SELECT f.id, f.photo_id, f.person_id, f.assigned_by, e.vector
       FROM faces f JOIN photos p ON p.id = f.photo_id JOIN embeddings e ON e.face_id = f.id AND e.model_id = ?
       WHERE p.status = 'done' ORDER BY f.id`,
    );
    this.countActive = db.prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'done'",
    );
  }

  modelId(key: string, kind: 'descriptor' | 'extractor' | 'pair-head', dims: number): number {
    const found = this.modelByKey.get(key);
    if (found) return found.id;
    return Number(this.insertModel.run(key, kind, dims, new Date().toISOString()).lastInsertRowid);
  }

  /** Replaces the faces of one photo (call inside the photo's transaction). */
  replaceForPhoto(photoId: number, faces: readonly NewFace[], modelId: number, descriptors: readonly Float32Array[]): number[] {
    this.deleteForPhoto.run(photoId);
    const now = new Date().toISOString();
    return faces.map((f, i) => {
      const id = Number(
        this.insertFace.run({
          photoId,
          idx: f.idx,
          x: f.box.x,
          y: f.box.y,
          w: f.box.width,
          h: f.box.height,
          score: f.score,
          shapeError: f.shapeError,
          landmarks: toBlob(f.landmarks),
          cropFile: f.cropFile,
          alignedFile: f.alignedFile,
          now,
        }).lastInsertRowid,
      );
      this.insertEmbedding.run(id, modelId, toBlob(descriptors[i]!));
      return id;
    });
  }

  /** Faces of present photos with their vectors of one model, in id order. */
  listForGrouping(modelId: number): FaceForGrouping[] {
    return this.forGrouping.all(modelId).map((r) => ({
      id: r.id,
      photoId: r.photo_id,
      personId: r.person_id,
      assignedBy: r.assigned_by,
      vector: fromBlob(r.vector),
    }));
  }

  /** Every face on present photos with its photo's path and size. */
  listWithPhotos(): Array<{ id: number; photoId: number; path: string; photoWidth: number; photoHeight: number; x: number; y: number; w: number; h: number; personId: number | null }> {
    return this.db
      .prepare<[], { id: number; photo_id: number; path: string; width: number; height: number; x: number; y: number; w: number; h: number; person_id: number | null }>(
        `SELECT f.id, f.photo_id, p.path, p.width, p.height, f.x, f.y, f.w, f.h, f.person_id
         FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'done' ORDER BY f.id`,
      )
      .all()
      .map((r) => ({ id: r.id, photoId: r.photo_id, path: r.path, photoWidth: r.width, photoHeight: r.height, x: r.x, y: r.y, w: r.w, h: r.h, personId: r.person_id }));
  }

  countOnPresentPhotos(): number {
    return this.countActive.get()!.n;
  }
}
