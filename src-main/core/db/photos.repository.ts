import type { Db } from './database.js';

export type PhotoStatus = 'pending' | 'done' | 'error' | 'gone';

export interface PhotoRow {
  id: number;
  path: string;
  size: number;
  mtime_ms: number;
  content_hash: string;
  format: string | null;
  width: number | null;
  height: number | null;
  taken_at: string | null;
  status: PhotoStatus;
  error: string | null;
  analyzer_version: number | null;
}

export interface NewPhoto {
  path: string;
  size: number;
  mtimeMs: number;
  contentHash: string;
}

export interface AnalyzedPhoto {
  format: string;
  width: number;
  height: number;
  takenAt: string | null;
  analyzerVersion: number;
}

const now = (): string => new Date().toISOString();

export class PhotosRepository {
  private readonly byPath;
  private readonly underRoot;
  private readonly byHash;
  private readonly insertStmt;
  private readonly touchStmt;
  private readonly resetStmt;
  private readonly moveStmt;
  private readonly goneStmt;
  private readonly doneStmt;
  private readonly errorStmt;
  private readonly pendingStmt;
  private readonly staleStmt;
  private readonly countsStmt;
  private readonly errorsStmt;
  private readonly byIdStmt;

  constructor(private readonly db: Db) {
    this.byPath = db.prepare<[string], PhotoRow>('SELECT * FROM photos WHERE path = ?');
    this.byIdStmt = db.prepare<[number], PhotoRow>('SELECT * FROM photos WHERE id = ?');
    // Paths are stored absolute; a folder's rows are those whose path starts with folder + separator.
    this.underRoot = db.prepare<[{ root: string }], PhotoRow>('SELECT * FROM photos WHERE substr(path, 1, length(@root)) = @root');
    this.byHash = db.prepare<[string], PhotoRow>('SELECT * FROM photos WHERE content_hash = ? ORDER BY id');
    this.insertStmt = db.prepare(
      `INSERT INTO photos (path, size, mtime_ms, content_hash, status, added_at, updated_at)
       VALUES (@path, @size, @mtimeMs, @contentHash, 'pending', @now, @now)`,
    );
    this.touchStmt = db.prepare('UPDATE photos SET size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?');
    this.resetStmt = db.prepare(
      `UPDATE photos SET size = @size, mtime_ms = @mtimeMs, content_hash = @contentHash, status = 'pending',
         error = NULL, analyzer_version = NULL, updated_at = @now WHERE id = @id`,
    );
    this.moveStmt = db.prepare(
      `UPDATE photos SET path = @path, size = @size, mtime_ms = @mtimeMs,
         status = CASE WHEN status = 'gone' THEN (CASE WHEN analyzer_version IS NULL THEN 'pending' ELSE 'done' END) ELSE status END,
         updated_at = @now WHERE id = @id`,
    );
    this.goneStmt = db.prepare("UPDATE photos SET status = 'gone', updated_at = ? WHERE id = ?");
    this.doneStmt = db.prepare(
      `UPDATE photos SET status = 'done', error = NULL, format = @format, width = @width, height = @height,
         taken_at = @takenAt, analyzer_version = @analyzerVersion, updated_at = @now WHERE id = @id`,
    );
    this.errorStmt = db.prepare("UPDATE photos SET status = 'error', error = ?, updated_at = ? WHERE id = ?");
    this.pendingStmt = db.prepare<[], PhotoRow>("SELECT * FROM photos WHERE status = 'pending' ORDER BY id");
    this.staleStmt = db.prepare("UPDATE photos SET status = 'pending', updated_at = ? WHERE status = 'done' AND analyzer_version < ?");
    this.countsStmt = db.prepare<[], { status: PhotoStatus; n: number }>('SELECT status, count(*) AS n FROM photos GROUP BY status');
    this.errorsStmt = db.prepare<[], { path: string; error: string }>(
      "SELECT path, error FROM photos WHERE status = 'error' ORDER BY path",
    );
  }

  findByPath(path: string): PhotoRow | undefined {
    return this.byPath.get(path);
  }

  findById(id: number): PhotoRow | undefined {
    return this.byIdStmt.get(id);
  }

  listUnder(folderWithSep: string): PhotoRow[] {
    return this.underRoot.all({ root: folderWithSep });
  }

  findByHash(hash: string): PhotoRow[] {
    return this.byHash.all(hash);
  }

  insert(photo: NewPhoto): number {
    return Number(this.insertStmt.run({ ...photo, now: now() }).lastInsertRowid);
  }

  /** Same content, new size or mtime (a copy kept its bytes): nothing to redo. */
  touch(id: number, size: number, mtimeMs: number): void {
    this.touchStmt.run(size, mtimeMs, now(), id);
  }

  /**
   * The content changed: the photo is analysed again. Its faces stay until then, when the new
   * faces take them over (see FacesRepository.replaceForPhoto); its analyser version is cleared,
   * which tells that analysis the photo may show other people now.
   */
  resetForNewContent(id: number, photo: Omit<NewPhoto, 'path'>): void {
    this.resetStmt.run({ ...photo, id, now: now() });
  }

  /** Queues again every analysed photo whose analysis is older than `analyzerVersion`; how many. */
  queueStaleAnalyses(analyzerVersion: number): number {
    return this.staleStmt.run(now(), analyzerVersion).changes;
  }

  /** A moved or renamed file keeps its row, and with it its faces and people. */
  move(id: number, photo: NewPhoto): void {
    this.moveStmt.run({ ...photo, id, now: now() });
  }

  markGone(id: number): void {
    this.goneStmt.run(now(), id);
  }

  markDone(id: number, analyzed: AnalyzedPhoto): void {
    this.doneStmt.run({ ...analyzed, id, now: now() });
  }

  markError(id: number, message: string): void {
    this.errorStmt.run(message, now(), id);
  }

  listPending(): PhotoRow[] {
    return this.pendingStmt.all();
  }

  countByStatus(): Record<PhotoStatus, number> {
    const counts: Record<PhotoStatus, number> = { pending: 0, done: 0, error: 0, gone: 0 };
    for (const row of this.countsStmt.all()) counts[row.status] = row.n;
    return counts;
  }

  listErrors(): Array<{ path: string; error: string }> {
    return this.errorsStmt.all();
  }
}
