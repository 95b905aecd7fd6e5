import type { Db } from './database.js';

export interface ActionRow {
  id: number;
  kind: string;
  summary: string;
  payload: string;
  created_at: string;
  undone_at: string | null;
}

/** The log of the user's edits, for undo; the newest open (not undone) action is undone first. */
export class ActionsRepository {
  private readonly insertStmt;
  private readonly payloadStmt;
  private readonly openStmt;
  private readonly byIdStmt;
  private readonly undoneStmt;
  private readonly openOfKindStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare("INSERT INTO actions (kind, summary, payload, created_at) VALUES (?, ?, '{}', ?)");
    this.payloadStmt = db.prepare('UPDATE actions SET payload = ? WHERE id = ?');
    this.openStmt = db.prepare<[number], ActionRow>('SELECT * FROM actions WHERE undone_at IS NULL ORDER BY id DESC LIMIT ?');
    this.byIdStmt = db.prepare<[number], ActionRow>('SELECT * FROM actions WHERE id = ?');
    this.undoneStmt = db.prepare('UPDATE actions SET undone_at = ? WHERE id = ?');
    this.openOfKindStmt = db.prepare<[string], ActionRow>('SELECT * FROM actions WHERE kind = ? AND undone_at IS NULL ORDER BY id');
  }

  /** Starts an action (its labels need its id); its payload is written once the change is known. */
  begin(kind: string, summary: string): number {
    return Number(this.insertStmt.run(kind, summary, new Date().toISOString()).lastInsertRowid);
  }

  setPayload(id: number, payload: unknown): void {
    this.payloadStmt.run(JSON.stringify(payload), id);
  }

  listOpen(limit: number): ActionRow[] {
    return this.openStmt.all(limit);
  }

  listOpenOfKind(kind: string): ActionRow[] {
    return this.openOfKindStmt.all(kind);
  }

  find(id: number): ActionRow | undefined {
    return this.byIdStmt.get(id);
  }

  markUndone(id: number): void {
    this.undoneStmt.run(new Date().toISOString(), id);
  }
}
