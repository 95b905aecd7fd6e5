import type { Db } from './database.js';

export type FolderMark = 'reference' | 'preferred';

export interface FolderMarkRow {
  path: string;
  mark: FolderMark;
  marked_at: string;
}

/** Folders the user marked as reference or preferred (the folder_marks table), by real path. */
export class FolderMarksRepository {
  private readonly listStmt;
  private readonly setStmt;
  private readonly clearStmt;

  constructor(db: Db) {
    this.listStmt = db.prepare<[], FolderMarkRow>('SELECT * FROM folder_marks ORDER BY path');
    this.setStmt = db.prepare(
      'INSERT INTO folder_marks (path, mark, marked_at) VALUES (?, ?, ?) ON CONFLICT (path) DO UPDATE SET mark = excluded.mark, marked_at = excluded.marked_at',
    );
    this.clearStmt = db.prepare('DELETE FROM folder_marks WHERE path = ?');
  }

  list(): FolderMarkRow[] {
    return this.listStmt.all();
  }

  set(path: string, mark: FolderMark): void {
    this.setStmt.run(path, mark, new Date().toISOString());
  }

  /** Returns false when the folder had no mark. */
  clear(path: string): boolean {
    return this.clearStmt.run(path).changes > 0;
  }
}
