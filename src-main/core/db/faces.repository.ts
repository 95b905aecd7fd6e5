import { fromBlob, toBlob } from './blobs.js';
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

/** One face with its photo, for the window and the image server. */
export interface FaceInfo {
  id: number;
  photoId: number;
  personId: number | null;
  assignedBy: 'auto' | 'user' | null;
  box: [number, number, number, number];
  score: number;
  cropFile: string;
  photoPath: string;
  photoWidth: number;
  photoHeight: number;
  photoStatus: string;
  takenAt: string | null;
}

type FaceInfoSql = { id: number; photo_id: number; person_id: number | null; assigned_by: 'auto' | 'user' | null; x: number; y: number; w: number; h: number; score: number; crop_file: string; path: string; width: number | null; height: number | null; status: string; taken_at: string | null };

const FACE_INFO_SQL = `SELECT f.id, f.photo_id, f.person_id, f.assigned_by, f.x, f.y, f.w, f.h, f.score, f.crop_file, p.path, p.width, p.height, p.status, p.taken_at
  FROM faces f JOIN photos p ON p.id = f.photo_id`;

const toFaceInfo = (r: FaceInfoSql): FaceInfo => ({
  id: r.id,
  photoId: r.photo_id,
  personId: r.person_id,
  assignedBy: r.assigned_by,
  box: [r.x, r.y, r.w, r.h].map((v) => Math.round(v)) as FaceInfo['box'],
  score: r.score,
  cropFile: r.crop_file,
  photoPath: r.path,
  photoWidth: r.width ?? 0,
  photoHeight: r.height ?? 0,
  photoStatus: r.status,
  takenAt: r.taken_at,
});

export class FacesRepository {
  private readonly photoOfEachStmt;
  private readonly insertFace;
  private readonly deleteForPhoto;
  private readonly modelByKey;
  private readonly insertModel;
  private readonly forGrouping;
  private readonly countActive;
  private readonly byIdStmt;
  private readonly forPersonStmt;
  private readonly forPhotoStmt;
  private readonly assignmentsStmt;
  private readonly allOfPersonStmt;
  private readonly assignStmt;
  private readonly photoCountsStmt;

  constructor(private readonly db: Db) {
    this.photoOfEachStmt = db.prepare<[], { id: number; photo_id: number }>('SELECT id, photo_id FROM faces');
    this.insertFace = db.prepare(
      `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at)
       VALUES (@photoId, @idx, @x, @y, @w, @h, @score, @shapeError, @landmarks, @cropFile, @alignedFile, @now)`,
    );
    this.deleteForPhoto = db.prepare('DELETE FROM faces WHERE photo_id = ?');
    this.modelByKey = db.prepare<[string], { id: number }>('SELECT id FROM models WHERE key = ?');
    this.insertModel = db.prepare('INSERT INTO models (key, kind, dims, created_at) VALUES (?, ?, ?, ?)');
    // The one read of embeddings outside EmbeddingsRepository: a listing of faces (for
    // grouping) that carries each face's vector.
    this.forGrouping = db.prepare<[number], { id: number; photo_id: number; person_id: number | null; assigned_by: 'auto' | 'user' | null; vector: Buffer }>(
      `SELECT f.id, f.photo_id, f.person_id, f.assigned_by, e.vector
       FROM faces f JOIN photos p ON p.id = f.photo_id JOIN embeddings e ON e.face_id = f.id AND e.model_id = ?
       WHERE p.status = 'done' ORDER BY f.id`,
    );
    this.countActive = db.prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'done'",
    );
    this.byIdStmt = db.prepare<[number], FaceInfoSql>(`${FACE_INFO_SQL} WHERE f.id = ?`);
    this.forPersonStmt = db.prepare<[number], FaceInfoSql>(
      `${FACE_INFO_SQL} WHERE f.person_id = ? AND p.status = 'done' ORDER BY p.taken_at IS NULL, p.taken_at, f.photo_id, f.idx`,
    );
    this.forPhotoStmt = db.prepare<[number], FaceInfoSql>(`${FACE_INFO_SQL} WHERE f.photo_id = ? ORDER BY f.idx`);
    this.assignmentsStmt = db.prepare<[], { id: number; person_id: number | null; assigned_by: 'auto' | 'user' | null; hidden: number | null }>(
      'SELECT f.id, f.person_id, f.assigned_by, pe.hidden FROM faces f LEFT JOIN people pe ON pe.id = f.person_id',
    );
    this.allOfPersonStmt = db.prepare<[number], { id: number; assigned_by: 'auto' | 'user' | null }>('SELECT id, assigned_by FROM faces WHERE person_id = ? ORDER BY id');
    this.assignStmt = db.prepare('UPDATE faces SET person_id = ?, assigned_by = ? WHERE id = ?');
    this.photoCountsStmt = db.prepare<[], { person_id: number; photos: number }>(
      `SELECT f.person_id, count(DISTINCT f.photo_id) AS photos FROM faces f JOIN photos p ON p.id = f.photo_id
       WHERE p.status = 'done' AND f.person_id IS NOT NULL GROUP BY f.person_id`,
    );
  }

  modelId(key: string, kind: 'descriptor' | 'extractor' | 'pair-head', dims: number): number {
    const found = this.modelByKey.get(key);
    if (found) return found.id;
    return Number(this.insertModel.run(key, kind, dims, new Date().toISOString()).lastInsertRowid);
  }

  /** Replaces the faces of one photo (call inside the photo's transaction); their ids, in order. */
  replaceForPhoto(photoId: number, faces: readonly NewFace[]): number[] {
    this.deleteForPhoto.run(photoId);
    const now = new Date().toISOString();
    return faces.map((f) =>
      Number(
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
      ),
    );
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

  find(faceId: number): FaceInfo | undefined {
    const row = this.byIdStmt.get(faceId);
    return row && toFaceInfo(row);
  }

  /** A person's faces on present photos, oldest photo first (undated ones last). */
  listForPerson(personId: number): FaceInfo[] {
    return this.forPersonStmt.all(personId).map(toFaceInfo);
  }

  listForPhoto(photoId: number): FaceInfo[] {
    return this.forPhotoStmt.all(photoId).map(toFaceInfo);
  }

  /** Where every face is now: its person, who put it there, and whether that person is hidden. */
  listAssignments(): Map<number, { personId: number | null; assignedBy: 'auto' | 'user' | null; hidden: boolean }> {
    return new Map(this.assignmentsStmt.all().map((r) => [r.id, { personId: r.person_id, assignedBy: r.assigned_by, hidden: r.hidden === 1 }]));
  }

  /** The photo of every face. */
  photoOfEach(): Map<number, number> {
    return new Map(this.photoOfEachStmt.all().map((r) => [r.id, r.photo_id]));
  }

  /** How many present photos each person is on (people on none are left out). */
  photoCountsByPerson(): Map<number, number> {
    return new Map(this.photoCountsStmt.all().map((r) => [r.person_id, r.photos]));
  }

  /** Every face of a person, on present photos or not (a merge moves them all). */
  listAllOfPerson(personId: number): Array<{ id: number; personId: number; assignedBy: 'auto' | 'user' | null }> {
    return this.allOfPersonStmt.all(personId).map((r) => ({ id: r.id, personId, assignedBy: r.assigned_by }));
  }

  /** Moves one face to a person (or to nobody); `user` marks the user's own decision. */
  assign(faceId: number, personId: number | null, assignedBy: 'auto' | 'user' | null): void {
    this.assignStmt.run(personId, assignedBy, faceId);
  }
}
