import type { Db } from './database.js';

export interface PairLabel {
  faceA: number;
  faceB: number;
  same: boolean;
}

/** A labels row as stored, to be put back when the action that replaced it is undone. */
export interface LabelRow {
  face_a: number;
  face_b: number;
  same: number;
  source: string;
  created_at: string;
  action_id: number | null;
}

/** How many labels of one kind one source wrote (source: the action's kind, e.g. review.same, merge, reject). */
export interface LabelCount {
  source: string;
  same: boolean;
  count: number;
}

export class LabelsRepository {
  private readonly upsert;
  private readonly counts;
  private readonly all;
  private readonly byPair;
  private readonly deleteByAction;
  private readonly putBack;
  private readonly ofFace;

  constructor(db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO labels (face_a, face_b, same, source, created_at, action_id) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (face_a, face_b) DO UPDATE SET same = excluded.same, source = excluded.source,
         created_at = excluded.created_at, action_id = excluded.action_id`,
    );
    this.all = db.prepare<[], { face_a: number; face_b: number; same: number }>('SELECT face_a, face_b, same FROM labels');
    this.counts = db.prepare<[], { source: string; same: number; n: number }>('SELECT source, same, count(*) AS n FROM labels GROUP BY source, same ORDER BY source, same');
    this.byPair = db.prepare<[number, number], LabelRow>('SELECT face_a, face_b, same, source, created_at, action_id FROM labels WHERE face_a = ? AND face_b = ?');
    this.deleteByAction = db.prepare('DELETE FROM labels WHERE action_id = ?');
    this.ofFace = db.prepare<[number, number], LabelRow>('SELECT face_a, face_b, same, source, created_at, action_id FROM labels WHERE face_a = ? OR face_b = ?');
    // A face deleted since (a re-analysis no longer found it) takes its labels with it: those stay gone.
    this.putBack = db.prepare(
      `INSERT OR REPLACE INTO labels (face_a, face_b, same, source, created_at, action_id)
       SELECT @face_a, @face_b, @same, @source, @created_at, @action_id
       WHERE EXISTS (SELECT 1 FROM faces WHERE id = @face_a) AND EXISTS (SELECT 1 FROM faces WHERE id = @face_b)`,
    );
  }

  /**
   * Stores a user's decision about two faces; the newest decision about a pair wins. Returns
   * the row it replaced (or null): an action keeps it so that its undo can put it back.
   */
  record(faceA: number, faceB: number, same: boolean, source: string, actionId: number | null = null): LabelRow | null {
    if (faceA === faceB) throw new Error('A label needs two different faces');
    const [a, b] = faceA < faceB ? [faceA, faceB] : [faceB, faceA];
    const previous = this.byPair.get(a, b) ?? null;
    this.upsert.run(a, b, same ? 1 : 0, source, new Date().toISOString(), actionId);
    return previous;
  }

  /** The labels one face takes part in. */
  listForFace(faceId: number): LabelRow[] {
    return this.ofFace.all(faceId, faceId);
  }

  /** The label of a pair, either order, or null. */
  find(faceA: number, faceB: number): LabelRow | null {
    return this.byPair.get(Math.min(faceA, faceB), Math.max(faceA, faceB)) ?? null;
  }

  list(): PairLabel[] {
    return this.all.all().map((r) => ({ faceA: r.face_a, faceB: r.face_b, same: r.same === 1 }));
  }

  countBySource(): LabelCount[] {
    return this.counts.all().map((r) => ({ source: r.source, same: r.same === 1, count: r.n }));
  }

  /** Undo: removes what an action wrote and puts back the rows it had replaced. */
  revertAction(actionId: number, replaced: readonly LabelRow[]): void {
    this.deleteByAction.run(actionId);
    for (const row of replaced) this.putBack.run(row);
  }
}
