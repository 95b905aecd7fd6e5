import type { Db } from './database.js';

export interface PairLabel {
  faceA: number;
  faceB: number;
  same: boolean;
}

export class LabelsRepository {
  private readonly upsert;
  private readonly all;

  constructor(db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO labels (face_a, face_b, same, source, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (face_a, face_b) DO UPDATE SET same = excluded.same, source = excluded.source, created_at = excluded.created_at`,
    );
    this.all = db.prepare<[], { face_a: number; face_b: number; same: number }>('SELECT face_a, face_b, same FROM labels');
  }

  /** Stores a user's decision about two faces; the newest decision about a pair wins. */
  record(faceA: number, faceB: number, same: boolean, source: string): void {
    if (faceA === faceB) throw new Error('A label needs two different faces');
    const [a, b] = faceA < faceB ? [faceA, faceB] : [faceB, faceA];
    this.upsert.run(a, b, same ? 1 : 0, source, new Date().toISOString());
  }

  list(): PairLabel[] {
    return this.all.all().map((r) => ({ faceA: r.face_a, faceB: r.face_b, same: r.same === 1 }));
  }
}
