import type { Db } from './database.js';

/** A labels row with what the export needs of its source. */
export interface LabelExportRow {
  faceA: number;
  faceB: number;
  same: boolean;
  source: string;
  createdAt: string;
}

/** What an export needs of a face: its aligned crop, whether it is still there, and (only with names) who and where. */
export interface FaceExportFacts {
  id: number;
  alignedFile: string;
  /** The face is gone: a re-analysis did not find it again, or its photo is gone from the library. */
  gone: boolean;
  personId: number | null;
  personName: string | null;
  photoPath: string;
}

/** The reads of `facepair labels export`: every label as stored and the faces they are about. */
export class LabelExportRepository {
  private readonly labelsStmt;
  private readonly facesStmt;

  constructor(db: Db) {
    this.labelsStmt = db.prepare<[], { face_a: number; face_b: number; same: number; source: string; created_at: string }>(
      'SELECT face_a, face_b, same, source, created_at FROM labels ORDER BY id',
    );
    this.facesStmt = db.prepare<[], { id: number; aligned_file: string; lost_at: string | null; status: string; person_id: number | null; name: string | null; path: string }>(
      `SELECT f.id, f.aligned_file, f.lost_at, p.status, f.person_id, pe.name, p.path
       FROM faces f JOIN photos p ON p.id = f.photo_id LEFT JOIN people pe ON pe.id = f.person_id`,
    );
  }

  labels(): LabelExportRow[] {
    return this.labelsStmt.all().map((r) => ({ faceA: r.face_a, faceB: r.face_b, same: r.same === 1, source: r.source, createdAt: r.created_at }));
  }

  faces(): Map<number, FaceExportFacts> {
    return new Map(
      this.facesStmt.all().map((r) => [
        r.id,
        { id: r.id, alignedFile: r.aligned_file, gone: r.lost_at !== null || r.status === 'gone', personId: r.person_id, personName: r.name, photoPath: r.path },
      ]),
    );
  }
}
