import { trace } from '../trace.js';
import { fromBlob, toBlob } from './blobs.js';
import type { Db } from './database.js';
import { ActiveFaces, type PreloadedFaces } from './active-faces.js';
import { preloadDescriptorMatrix, readDescriptorMatrix, type PreloadedMatrix } from './descriptor-matrix.js';

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
  lost_at: string | null;
}

/** A face as its photo's analysis found it (not lost): what a byte-for-byte copy of the photo reuses. */
export interface AnalysedFace extends NewFace {
  id: number;
  notFaceAt: string | null;
}

/** A face a photo had before its new analysis (lost ones included: they may be found again). */
export interface PreviousFace {
  id: number;
  box: { x: number; y: number; width: number; height: number };
}

/** A face carrying a user decision that the latest analysis of its photo did not find again. */
export interface LostFace {
  faceId: number;
  photoId: number;
  photoPath: string;
  box: [number, number, number, number];
  personId: number | null;
  personName: string | null;
  lostAt: string;
}

export interface FaceForGrouping {
  id: number;
  photoId: number;
  personId: number | null;
  assignedBy: 'auto' | 'user' | null;
  vector: Float32Array;
}

const ASSIGNED_BY = [null, 'auto', 'user'] as const;

/** A face of listForGroupingMatrix: its fields from the parsed rows, its vector a view on the matrix made when asked for (150,000 views cost more than the faces). */
class MatrixFace implements FaceForGrouping {
  readonly id: number;
  readonly photoId: number;
  readonly personId: number | null;
  readonly assignedBy: 'auto' | 'user' | null;
  readonly #vectors: Float32Array;
  readonly #row: number;
  readonly #dims: number;
  constructor(meta: Int32Array, row: number, vectors: Float32Array, dims: number) {
    this.id = meta[4 * row]!;
    this.photoId = meta[4 * row + 1]!;
    const person = meta[4 * row + 2]!;
    this.personId = person < 0 ? null : person;
    this.assignedBy = ASSIGNED_BY[meta[4 * row + 3]!]!;
    this.#vectors = vectors;
    this.#row = row;
    this.#dims = dims;
  }
  get vector(): Float32Array {
    return this.#vectors.subarray(this.#row * this.#dims, (this.#row + 1) * this.#dims);
  }
}

/** A detection the user said is not a face. */
export interface NotAFace {
  faceId: number;
  photoId: number;
  photoPath: string;
  box: [number, number, number, number];
  cropFile: string;
  markedAt: string;
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
  private readonly previousStmt;
  private readonly decidedStmt;
  private readonly parkStmt;
  private readonly updateFace;
  private readonly dropEmbeddings;
  private readonly markLostStmt;
  private readonly deleteFace;
  private readonly lostStmt;
  private readonly modelByKey;
  private readonly insertModel;
  private readonly forGrouping;
  private readonly countActive;
  private readonly activeFaces;
  private readonly modelDims;
  private readonly byIdStmt;
  private readonly forPersonStmt;
  private readonly forPhotoStmt;
  private readonly assignmentsStmt;
  private readonly allOfPersonStmt;
  private readonly assignStmt;
  private readonly photoCountsStmt;
  private readonly notFaceStmt;
  private readonly notFacesStmt;
  private readonly analysedStmt;

  constructor(private readonly db: Db) {
    this.photoOfEachStmt = db.prepare<[], { id: number; photo_id: number }>(
      "SELECT f.id, f.photo_id FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'done' AND f.lost_at IS NULL",
    );
    this.insertFace = db.prepare(
      `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at)
       VALUES (@photoId, @idx, @x, @y, @w, @h, @score, @shapeError, @landmarks, @cropFile, @alignedFile, @now)`,
    );
    this.previousStmt = db.prepare<[number], { id: number; x: number; y: number; w: number; h: number }>(
      'SELECT id, x, y, w, h FROM faces WHERE photo_id = ? ORDER BY idx',
    );
    // What makes a face the user's: placed by hand, in a labelled pair, a chosen cover, or in a person the user named or hid.
    this.decidedStmt = db.prepare<[number], { id: number; decided: number }>(
      `SELECT f.id, (f.assigned_by IS 'user'
         OR EXISTS (SELECT 1 FROM labels l WHERE l.face_a = f.id)
         OR EXISTS (SELECT 1 FROM labels l WHERE l.face_b = f.id)
         OR EXISTS (SELECT 1 FROM people pe WHERE pe.cover_face_id = f.id)
         OR EXISTS (SELECT 1 FROM people pe WHERE pe.id = f.person_id AND (pe.name IS NOT NULL OR pe.hidden = 1))
         OR f.not_face_at IS NOT NULL) AS decided
       FROM faces f WHERE f.photo_id = ? ORDER BY f.idx`,
    );
    // (photo_id, idx) is unique: the photo's rows leave their places before they are renumbered.
    this.parkStmt = db.prepare('UPDATE faces SET idx = -1 - idx WHERE photo_id = ?');
    this.updateFace = db.prepare(
      `UPDATE faces SET idx = @idx, x = @x, y = @y, w = @w, h = @h, score = @score, shape_error = @shapeError,
         landmarks = @landmarks, crop_file = @cropFile, aligned_file = @alignedFile, lost_at = NULL
       WHERE id = @id`,
    );
    // Every vector of a face found again describes its old crop: the new analysis writes them anew.
    this.dropEmbeddings = db.prepare('DELETE FROM embeddings WHERE face_id = ?');
    this.markLostStmt = db.prepare('UPDATE faces SET idx = ?, lost_at = coalesce(lost_at, ?) WHERE id = ?');
    this.deleteFace = db.prepare('DELETE FROM faces WHERE id = ?');
    this.lostStmt = db.prepare<[], { id: number; photo_id: number; path: string; x: number; y: number; w: number; h: number; person_id: number | null; name: string | null; lost_at: string }>(
      `SELECT f.id, f.photo_id, p.path, f.x, f.y, f.w, f.h, f.person_id, pe.name, f.lost_at
       FROM faces f JOIN photos p ON p.id = f.photo_id LEFT JOIN people pe ON pe.id = f.person_id
       WHERE f.lost_at IS NOT NULL ORDER BY p.path, f.idx`,
    );
    this.modelByKey = db.prepare<[string], { id: number }>('SELECT id FROM models WHERE key = ?');
    this.insertModel = db.prepare('INSERT INTO models (key, kind, dims, created_at) VALUES (?, ?, ?, ?)');
    // The one read of embeddings outside EmbeddingsRepository: a listing of faces (for
    // grouping) that carries each face's vector.
    // In face order by e.face_id (the same order): the embeddings' key (model, face) gives it,
    // where ORDER BY f.id sorted every row, vectors and all, in a temporary b-tree.
    this.forGrouping = db.prepare<[number], { id: number; photo_id: number; person_id: number | null; assigned_by: 'auto' | 'user' | null; vector: Buffer }>(
      `SELECT f.id, f.photo_id, f.person_id, f.assigned_by, e.vector
       FROM faces f JOIN photos p ON p.id = f.photo_id JOIN embeddings e ON e.face_id = f.id AND e.model_id = ?
       WHERE p.status = 'done' AND f.lost_at IS NULL AND f.not_face_at IS NULL ORDER BY e.face_id`,
    );
    this.modelDims = db.prepare<[number], { dims: number }>('SELECT dims FROM models WHERE id = ?');
    this.activeFaces = new ActiveFaces(db);
    this.countActive = db.prepare<[], { n: number }>(
      "SELECT count(*) AS n FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'done' AND f.lost_at IS NULL AND f.not_face_at IS NULL",
    );
    this.byIdStmt = db.prepare<[number], FaceInfoSql>(`${FACE_INFO_SQL} WHERE f.id = ?`);
    this.forPersonStmt = db.prepare<[number], FaceInfoSql>(
      `${FACE_INFO_SQL} WHERE f.person_id = ? AND p.status = 'done' AND f.lost_at IS NULL ORDER BY p.taken_at IS NULL, p.taken_at, f.photo_id, f.idx`,
    );
    this.forPhotoStmt = db.prepare<[number], FaceInfoSql>(`${FACE_INFO_SQL} WHERE f.photo_id = ? AND f.lost_at IS NULL AND f.not_face_at IS NULL ORDER BY f.idx`);
    this.assignmentsStmt = db.prepare<[], { id: number; person_id: number | null; assigned_by: 'auto' | 'user' | null; hidden: number | null }>(
      'SELECT f.id, f.person_id, f.assigned_by, pe.hidden FROM faces f LEFT JOIN people pe ON pe.id = f.person_id WHERE f.lost_at IS NULL AND f.not_face_at IS NULL',
    );
    this.allOfPersonStmt = db.prepare<[number], { id: number; assigned_by: 'auto' | 'user' | null }>('SELECT id, assigned_by FROM faces WHERE person_id = ? ORDER BY id');
    this.assignStmt = db.prepare('UPDATE faces SET person_id = ?, assigned_by = ? WHERE id = ?');
    this.notFaceStmt = db.prepare('UPDATE faces SET not_face_at = ? WHERE id = ?');
    this.analysedStmt = db.prepare<[number], { id: number; idx: number; x: number; y: number; w: number; h: number; score: number; shape_error: number; landmarks: Buffer; crop_file: string; aligned_file: string; not_face_at: string | null }>(
      'SELECT id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, not_face_at FROM faces WHERE photo_id = ? AND lost_at IS NULL ORDER BY idx',
    );
    this.notFacesStmt = db.prepare<[], { id: number; photo_id: number; path: string; x: number; y: number; w: number; h: number; crop_file: string; not_face_at: string }>(
      `SELECT f.id, f.photo_id, p.path, f.x, f.y, f.w, f.h, f.crop_file, f.not_face_at FROM faces f JOIN photos p ON p.id = f.photo_id
       WHERE f.not_face_at IS NOT NULL ORDER BY f.id`,
    );
    this.photoCountsStmt = db.prepare<[], { person_id: number; photos: number }>(
      `SELECT f.person_id, count(DISTINCT p.content_hash) AS photos FROM faces f JOIN photos p ON p.id = f.photo_id
       WHERE p.status = 'done' AND f.person_id IS NOT NULL AND f.lost_at IS NULL GROUP BY f.person_id`,
    );
  }

  /**
   * The id of a model's vectors, recorded at first use. A read-only connection (a library
   * worker's, a read-only library) records nothing: a model never used has no vectors, and its
   * id is one no row has.
   */
  modelId(key: string, kind: 'descriptor' | 'extractor' | 'pair-head', dims: number): number {
    const found = this.modelByKey.get(key);
    if (found) return found.id;
    if (this.db.readonly) return -1;
    return Number(this.insertModel.run(key, kind, dims, new Date().toISOString()).lastInsertRowid);
  }

  /** The photo's faces as they are before a new analysis is written, lost ones included. */
  /** The faces the latest analysis of a photo found, as it wrote them. */
  listAnalysed(photoId: number): AnalysedFace[] {
    return this.analysedStmt.all(photoId).map((r) => ({
      id: r.id,
      idx: r.idx,
      box: { x: r.x, y: r.y, width: r.w, height: r.h },
      score: r.score,
      shapeError: r.shape_error,
      landmarks: fromBlob(r.landmarks),
      cropFile: r.crop_file,
      alignedFile: r.aligned_file,
      notFaceAt: r.not_face_at,
    }));
  }

  listPreviousForPhoto(photoId: number): PreviousFace[] {
    return this.previousStmt.all(photoId).map((r) => ({ id: r.id, box: { x: r.x, y: r.y, width: r.w, height: r.h } }));
  }

  /**
   * Writes a new analysis of one photo (call inside the photo's transaction). Face i takes
   * over the previous face `takesOver[i]` (its row is updated in place, so its id and
   * everything pointing at it stay; its vectors are dropped for the new ones) or, when null,
   * is inserted. The previous faces not taken over are deleted, except those carrying a user
   * decision: those are kept and marked lost. Returns the faces' ids, in order.
   */
  replaceForPhoto(photoId: number, faces: readonly NewFace[], takesOver: ReadonlyArray<number | null> = faces.map(() => null)): number[] {
    if (takesOver.length !== faces.length) throw new Error('takesOver needs one entry per face');
    const previous = this.decidedStmt.all(photoId);
    const previousIds = new Set(previous.map((r) => r.id));
    const kept = new Set<number>();
    for (const id of takesOver) {
      if (id === null) continue;
      if (!previousIds.has(id)) throw new Error(`Face #${id} is not a face of photo #${photoId}`);
      if (kept.has(id)) throw new Error(`Two faces cannot take over face #${id}`);
      kept.add(id);
    }
    const now = new Date().toISOString();
    this.parkStmt.run(photoId);
    const ids = faces.map((f, i) => {
      const row = {
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
      };
      const id = takesOver[i] ?? null;
      if (id === null) return Number(this.insertFace.run({ ...row, photoId, now }).lastInsertRowid);
      this.updateFace.run({ ...row, id });
      this.dropEmbeddings.run(id);
      return id;
    });
    let lostIdx = Math.max(-1, ...faces.map((f) => f.idx)) + 1;
    for (const old of previous) {
      if (kept.has(old.id)) continue;
      if (old.decided === 1) this.markLostStmt.run(lostIdx++, now, old.id);
      else this.deleteFace.run(old.id);
    }
    return ids;
  }

  /** Faces with a user decision that the latest analysis of their photo did not find again. */
  listLost(): LostFace[] {
    return this.lostStmt.all().map((r) => ({
      faceId: r.id,
      photoId: r.photo_id,
      photoPath: r.path,
      box: [r.x, r.y, r.w, r.h].map((v) => Math.round(v)) as LostFace['box'],
      personId: r.person_id,
      personName: r.name,
      lostAt: r.lost_at,
    }));
  }

  /** Faces found on present photos with their vectors of one model, in id order. */
  listForGrouping(modelId: number): FaceForGrouping[] {
    return this.forGrouping.all(modelId).map((r) => ({
      id: r.id,
      photoId: r.photo_id,
      personId: r.person_id,
      assignedBy: r.assigned_by,
      vector: fromBlob(r.vector),
    }));
  }

  /**
   * The same faces as listForGrouping with their vectors as one matrix (row i: faces[i], whose
   * `vector` is a view on it), read through the descriptor file `cacheFile` where one is given
   * (db/descriptor-matrix.ts): only faces newer than the file's are read from the database.
   */
  listForGroupingMatrix(modelId: number, cacheFile: string | null, preloaded?: PreloadedMatrix | null, preloadedFaces?: PreloadedFaces | null): { faces: FaceForGrouping[]; vectors: Float32Array } {
    return this.db.transaction(() => {
      const m = readDescriptorMatrix(this.db, modelId, this.modelDims.get(modelId)!.dims, cacheFile, preloaded);
      trace('grouping read: descriptor matrix');
      const dims = m.dims;
      const meta = this.activeFaces.readSince(preloadedFaces);
      trace('grouping read: faces');
      const rows = meta.length / 4;
      const at = new Int32Array(rows);
      let n = 0;
      for (let r = 0, i = 0; r < rows; r++) {
        const id = meta[4 * r]!;
        while (i < m.n && m.ids[i]! < id) i++;
        if (i >= m.n || m.ids[i] !== id) continue; // no vector of this model
        at[n] = i;
        if (n !== r) meta.copyWithin(4 * n, 4 * r, 4 * r + 4);
        n++;
      }
      const vectors = n === m.n ? m.vectors : new Float32Array(n * dims);
      if (vectors !== m.vectors) for (let k = 0; k < n; k++) vectors.set(m.vectors.subarray(at[k]! * dims, (at[k]! + 1) * dims), k * dims);
      const faces: FaceForGrouping[] = new Array<FaceForGrouping>(n);
      for (let k = 0; k < n; k++) faces[k] = new MatrixFace(meta, k, vectors, dims);
      return { faces, vectors };
    })();
  }

  /** The active faces read ahead for a later listForGroupingMatrix, which re-reads only those changed since (null: not migrated, read whole then). */
  preloadGroupingFaces(): PreloadedFaces | null {
    return this.activeFaces.preload();
  }

  /** The descriptor file read ahead for a later listForGroupingMatrix, with room for `spare` new faces (null: no usable file). */
  preloadGroupingMatrix(modelId: number, cacheFile: string, spare: number): PreloadedMatrix | null {
    return preloadDescriptorMatrix(this.db, modelId, this.modelDims.get(modelId)!.dims, cacheFile, spare);
  }

  /** Every face found on present photos with its photo's path and size. */
  listWithPhotos(): Array<{ id: number; photoId: number; path: string; photoWidth: number; photoHeight: number; x: number; y: number; w: number; h: number; personId: number | null }> {
    return this.db
      .prepare<[], { id: number; photo_id: number; path: string; width: number; height: number; x: number; y: number; w: number; h: number; person_id: number | null }>(
        `SELECT f.id, f.photo_id, p.path, p.width, p.height, f.x, f.y, f.w, f.h, f.person_id
         FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.status = 'done' AND f.lost_at IS NULL AND f.not_face_at IS NULL ORDER BY f.id`,
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

  /** A person's faces found on present photos, oldest photo first (undated ones last). */
  listForPerson(personId: number): FaceInfo[] {
    return this.forPersonStmt.all(personId).map(toFaceInfo);
  }

  /** The faces found on a photo by its latest analysis. */
  listForPhoto(photoId: number): FaceInfo[] {
    return this.forPhotoStmt.all(photoId).map(toFaceInfo);
  }

  /** Where every face not lost is now: its person, who put it there, and whether that person is hidden. */
  listAssignments(): Map<number, { personId: number | null; assignedBy: 'auto' | 'user' | null; hidden: boolean }> {
    return new Map(this.assignmentsStmt.all().map((r) => [r.id, { personId: r.person_id, assignedBy: r.assigned_by, hidden: r.hidden === 1 }]));
  }

  /** The photo of every face still in the library (its photo present, the face not lost). */
  photoOfEach(): Map<number, number> {
    return new Map(this.photoOfEachStmt.all().map((r) => [r.id, r.photo_id]));
  }

  /** How many present photos each person is on (people on none are left out). */
  photoCountsByPerson(): Map<number, number> {
    return new Map(this.photoCountsStmt.all().map((r) => [r.person_id, r.photos]));
  }

  /** Every face of a person, on present photos or not, lost or not (a merge moves them all). */
  listAllOfPerson(personId: number): Array<{ id: number; personId: number; assignedBy: 'auto' | 'user' | null }> {
    return this.allOfPersonStmt.all(personId).map((r) => ({ id: r.id, personId, assignedBy: r.assigned_by }));
  }

  /** Marks a detection as "not a face" (a time) or as a face again (null). */
  setNotFace(faceId: number, at: string | null): void {
    this.notFaceStmt.run(at, faceId);
  }

  /** The detections the user said are not faces: the labelled negatives of a face/non-face check. */
  listNotFaces(): NotAFace[] {
    return this.notFacesStmt.all().map((r) => ({
      faceId: r.id,
      photoId: r.photo_id,
      photoPath: r.path,
      box: [r.x, r.y, r.w, r.h].map((v) => Math.round(v)) as NotAFace['box'],
      cropFile: r.crop_file,
      markedAt: r.not_face_at,
    }));
  }

  /** Moves one face to a person (or to nobody); `user` marks the user's own decision. */
  assign(faceId: number, personId: number | null, assignedBy: 'auto' | 'user' | null): void {
    this.assignStmt.run(personId, assignedBy, faceId);
  }
}
