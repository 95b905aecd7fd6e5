import type { Db } from './database.js';

export interface LibraryFolderRow {
  id: number;
  path: string;
  added_at: string;
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
    this.photosUnderStmt = db.prepare<[{ root: string }], { present: number; all: number }>(
      "SELECT count(*) FILTER (WHERE status <> 'gone') AS present, count(*) AS \"all\" FROM photos WHERE substr(path, 1, length(@root)) = @root",
    );
    this.goneUnderStmt = db.prepare("UPDATE photos SET status = 'gone', updated_at = @now WHERE substr(path, 1, length(@root)) = @root AND status <> 'gone'");
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
      return this.goneUnderStmt.run({ root: folder + sep, now: new Date().toISOString() }).changes;
    })();
  }

  /** Photo rows under `folderWithSep`: present ones (not gone), and all. */
  countPhotosUnder(folderWithSep: string): { present: number; all: number } {
    return this.photosUnderStmt.get({ root: folderWithSep })!;
  }

  /** Every photo row, whatever its status or folder. */
  countAllPhotos(): number {
    return this.totalStmt.get()!.n;
  }
}
