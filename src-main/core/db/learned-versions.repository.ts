import type { LogisticFit } from '../ml/logistic.js';
import type { RocPoint } from '../ml/pair-metrics.js';
import type { Db } from './database.js';

/** How a version of the recognition measured on answers it did not learn from. */
export interface HeldOutFigures {
  /** Ranking of the held-out answered pairs by P(same person). */
  auc: number;
  /** Held-out "different" pairs that grouping would put together at its operating point. */
  falseMerges: number;
  /** Held-out "same" pairs that grouping would keep apart at its operating point. */
  missedMerges: number;
}

/** What one run of `learn` fitted, from what, and how it measured: kept for every version, promoted or not. */
export interface LearnedVersionRecord {
  /** The pair head over the descriptor distance and the seed pair score (the fused head's features). */
  head: LogisticFit;
  /** Grouping's linkage threshold on descriptor distance, calibrated on the answers. */
  linkage: number;
  /** Grouping's margin for small groups, where the version moved it with the threshold (absent: the product's). */
  smallGroupMargin?: number;
  /** `ignored`: answers about faces no longer in the library, left out (absent in versions recorded before it was counted). */
  labels: { same: number; different: number; implied: number; people: number; fit: number; heldOut: number; ignored?: number };
  /** The version that was active before (null: the shipped model), on the same held-out answers, and this one. */
  before: HeldOutFigures & { version: number | null; linkage: number };
  after: HeldOutFigures;
  /** ROC curves of the heads before and after on the held-out pairs (absent in versions recorded before they were kept). */
  roc?: { before: RocPoint[]; after: RocPoint[] };
  /** One sentence: why it was or was not promoted. */
  reason: string;
}

export interface LearnedVersion {
  id: number;
  createdAt: string;
  /** The seed model's pair key it was learned on: a new model makes it inapplicable. */
  baseModel: string;
  promoted: boolean;
  active: boolean;
  record: LearnedVersionRecord;
}

interface Row {
  id: number;
  created_at: string;
  base_model: string;
  promoted: number;
  active: number;
  record: string;
}

const toVersion = (r: Row): LearnedVersion => ({
  id: r.id,
  createdAt: r.created_at,
  baseModel: r.base_model,
  promoted: r.promoted === 1,
  active: r.active === 1,
  record: JSON.parse(r.record) as LearnedVersionRecord,
});

/** The learned_versions table: every version `learn` made, and which one is active. */
export class LearnedVersionsRepository {
  private readonly insert;
  private readonly all;
  private readonly byId;
  private readonly activeStmt;
  private readonly deactivateAll;
  private readonly activateStmt;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO learned_versions (created_at, base_model, promoted, active, record) VALUES (?, ?, ?, 0, ?)');
    this.all = db.prepare<[], Row>('SELECT * FROM learned_versions ORDER BY id');
    this.byId = db.prepare<[number], Row>('SELECT * FROM learned_versions WHERE id = ?');
    this.activeStmt = db.prepare<[], Row>('SELECT * FROM learned_versions WHERE active = 1');
    this.deactivateAll = db.prepare('UPDATE learned_versions SET active = 0 WHERE active = 1');
    this.activateStmt = db.prepare('UPDATE learned_versions SET active = 1 WHERE id = ?');
  }

  add(baseModel: string, promoted: boolean, record: LearnedVersionRecord): number {
    return Number(this.insert.run(new Date().toISOString(), baseModel, promoted ? 1 : 0, JSON.stringify(record)).lastInsertRowid);
  }

  list(): LearnedVersion[] {
    return this.all.all().map(toVersion);
  }

  get(id: number): LearnedVersion | undefined {
    const r = this.byId.get(id);
    return r && toVersion(r);
  }

  active(): LearnedVersion | null {
    const r = this.activeStmt.get();
    return r ? toVersion(r) : null;
  }

  /** Makes `id` the active version (null: the shipped model); call inside the transaction that also regroups. */
  setActive(id: number | null): void {
    this.deactivateAll.run();
    if (id !== null) this.activateStmt.run(id);
  }
}
