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

/** Where a label came from, by the kind of the action that wrote it (the answers list filters by it). */
export type AnswerSource = 'review' | 'merge' | 'not-this-person' | 'xmp-tags' | 'other';

export interface AnswerFilter {
  same?: boolean;
  source?: AnswerSource;
  /** Part of the name of either face's person (case ignored). */
  person?: string;
  /** ISO instants: created at or after `from`, before `to`. */
  from?: string;
  to?: string;
}

/** One label with what the answers list shows of it: the action that wrote it and both faces' people. */
export interface AnswerRow {
  id: number;
  faceA: number;
  faceB: number;
  same: boolean;
  source: string;
  createdAt: string;
  actionId: number | null;
  actionSummary: string | null;
  personA: number | null;
  nameA: string | null;
  personB: number | null;
  nameB: string | null;
}

/** A labels row by its id, as stored. */
export type StoredLabel = LabelRow & { id: number };

const SOURCE_SQL = `CASE WHEN l.source LIKE 'review.%' THEN 'review' WHEN l.source = 'merge' THEN 'merge' WHEN l.source = 'reject' THEN 'not-this-person' WHEN l.source = 'import.xmp' THEN 'xmp-tags' ELSE 'other' END`;
const FILTER_SQL = `
  FROM labels l JOIN faces fa ON fa.id = l.face_a JOIN faces fb ON fb.id = l.face_b
  LEFT JOIN people pa ON pa.id = fa.person_id LEFT JOIN people pb ON pb.id = fb.person_id
  LEFT JOIN actions a ON a.id = l.action_id
  WHERE (@same IS NULL OR l.same = @same)
    AND (@source IS NULL OR ${SOURCE_SQL} = @source)
    AND (@person IS NULL OR pa.name LIKE @person ESCAPE '\\' OR pb.name LIKE @person ESCAPE '\\')
    AND (@from IS NULL OR l.created_at >= @from)
    AND (@to IS NULL OR l.created_at < @to)`;

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
  private readonly pageStmt;
  private readonly totalStmt;
  private readonly byIdStmt;
  private readonly deleteById;
  private readonly differentWithPersonStmt;
  private readonly ofActionAboutStmt;

  constructor(db: Db) {
    this.pageStmt = db.prepare<
      Record<string, unknown>,
      { id: number; face_a: number; face_b: number; same: number; source: string; created_at: string; action_id: number | null; action_summary: string | null; person_a: number | null; name_a: string | null; person_b: number | null; name_b: string | null }
    >(
      `SELECT l.id, l.face_a, l.face_b, l.same, l.source, l.created_at, l.action_id, a.summary AS action_summary,
         fa.person_id AS person_a, pa.name AS name_a, fb.person_id AS person_b, pb.name AS name_b
       ${FILTER_SQL} ORDER BY l.created_at DESC, l.id DESC LIMIT @limit OFFSET @offset`,
    );
    this.totalStmt = db.prepare<Record<string, unknown>, { n: number }>(`SELECT count(*) AS n ${FILTER_SQL}`);
    this.byIdStmt = db.prepare<[number], StoredLabel>('SELECT id, face_a, face_b, same, source, created_at, action_id FROM labels WHERE id = ?');
    this.deleteById = db.prepare('DELETE FROM labels WHERE id = ?');
    this.differentWithPersonStmt = db.prepare<{ face: number; person: number }, { n: number }>(
      `SELECT count(*) AS n FROM labels l JOIN faces o ON o.id = (CASE WHEN l.face_a = @face THEN l.face_b ELSE l.face_a END)
       WHERE l.same = 0 AND o.person_id = @person AND (l.face_a = @face OR l.face_b = @face)`,
    );
    this.ofActionAboutStmt = db.prepare<{ action: number; face: number }, StoredLabel>(
      'SELECT id, face_a, face_b, same, source, created_at, action_id FROM labels WHERE action_id = @action AND (face_a = @face OR face_b = @face)',
    );
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

  /** A page of the answers, newest first, and how many match the filter in all. */
  page(filter: AnswerFilter, offset: number, limit: number): { rows: AnswerRow[]; total: number } {
    const params = {
      same: filter.same === undefined ? null : filter.same ? 1 : 0,
      source: filter.source ?? null,
      person: filter.person ? `%${filter.person.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null,
      from: filter.from ?? null,
      to: filter.to ?? null,
    };
    const rows = this.pageStmt.all({ ...params, offset, limit }).map((r) => ({
      id: r.id,
      faceA: r.face_a,
      faceB: r.face_b,
      same: r.same === 1,
      source: r.source,
      createdAt: r.created_at,
      actionId: r.action_id,
      actionSummary: r.action_summary,
      personA: r.person_a,
      nameA: r.name_a,
      personB: r.person_b,
      nameB: r.name_b,
    }));
    return { rows, total: this.totalStmt.get(params)!.n };
  }

  findById(id: number): StoredLabel | undefined {
    return this.byIdStmt.get(id);
  }

  remove(id: number): void {
    this.deleteById.run(id);
  }

  /** How many "different" labels tie a face to faces now in a person. */
  differentWithPerson(faceId: number, personId: number): number {
    return this.differentWithPersonStmt.get({ face: faceId, person: personId })!.n;
  }

  /** The labels one action wrote about one face. */
  ofActionAbout(actionId: number, faceId: number): StoredLabel[] {
    return this.ofActionAboutStmt.all({ action: actionId, face: faceId });
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
