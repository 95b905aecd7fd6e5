import type { Db } from './database.js';

export interface LibraryFolderRow {
  id: number;
  path: string;
  added_at: string;
}

/**
 * Paths below a folder as a range of the photos' path index: from `folder/` up to, not
 * including, the folder followed by the character after the separator.
 */
const UNDER = 'path >= @from AND path < @to';

function under(folder: string, sep: string): { from: string; to: string } {
  return { from: folder + sep, to: folder + String.fromCharCode(sep.charCodeAt(0) + 1) };
}

/** The library's folders (the library_folders table), in the order the user added them. */
export class LibraryFoldersRepository {
  private readonly listStmt;
  private readonly insertStmt;
  private readonly deleteStmt;
  private readonly photosUnderStmt;
  private readonly goneUnderStmt;
  private readonly totalStmt;

  constructor(private readonly db: Db) {
    this.listStmt = db.prepare<[], LibraryFolderRow>('SELECT * FROM library_folders ORDER BY id');
    this.insertStmt = db.prepare('INSERT INTO library_folders (path, added_at) VALUES (?, ?) ON CONFLICT (path) DO NOTHING');
    this.deleteStmt = db.prepare('DELETE FROM library_folders WHERE path = ?');
    this.photosUnderStmt = db.prepare<[{ from: string; to: string }], { present: number; all: number }>(
      `SELECT count(*) FILTER (WHERE status <> 'gone') AS present, count(*) AS "all" FROM photos WHERE ${UNDER}`,
    );
    this.goneUnderStmt = db.prepare(`UPDATE photos SET status = 'gone', updated_at = @now WHERE ${UNDER} AND status <> 'gone'`);
    this.totalStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM photos');
  }

  list(): LibraryFolderRow[] {
    return this.listStmt.all();
  }

  /** Adds `folder` in place of the listed folders inside it (`replaces`), in one transaction. */
  add(folder: string, replaces: readonly string[]): void {
    this.db.transaction(() => {
      for (const r of replaces) this.deleteStmt.run(r);
      this.insertStmt.run(folder, new Date().toISOString());
    })();
  }

  /**
   * Takes `folder` off the list and marks its photos gone (rows, faces and the user's decisions
   * stay: a scan of the folder, added again, brings them back); how many photos left.
   */
  remove(folder: string, sep: string): number {
    return this.db.transaction(() => {
      this.deleteStmt.run(folder);
      return this.goneUnderStmt.run({ ...under(folder, sep), now: new Date().toISOString() }).changes;
    })();
  }

  /** Photo rows under `folder`: present ones (not gone), and all. */
  countPhotosUnder(folder: string, sep: string): { present: number; all: number } {
    return this.photosUnderStmt.get(under(folder, sep))!;
  }

  /** Every photo row, whatever its status or folder. */
  countAllPhotos(): number {
    return this.totalStmt.get()!.n;
  }
}
