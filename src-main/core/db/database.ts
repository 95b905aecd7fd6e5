import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MIGRATIONS, type Migration } from './migrations.js';

// `file:` names are URIs (read before the first connection): a read-only library is opened
// `immutable`, which needs no -shm file beside it. Our own names are always absolute paths.
process.env.SQLITE_USE_URI ??= '1';

export type Db = Database.Database;

export interface OpenOptions {
  /** Create the file (and its folder) when missing; otherwise a missing file is an error. */
  create: boolean;
  readonly?: boolean;
}

function canWrite(p: string): boolean {
  try {
    // Permission bits too: root may write anywhere, but a file or folder marked read-only is meant to stay as it is.
    if ((statSync(p).mode & 0o222) === 0) return false;
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why the library at `file` cannot be written (its database file or its folder is read-only,
 * or on a read-only disk), or null when it can. SQLite in WAL mode writes beside the file.
 */
export function readOnlyReason(file: string): string | null {
  const abs = path.resolve(file);
  if (!canWrite(abs)) return `the database ${abs} is read-only`;
  if (!canWrite(path.dirname(abs))) return `the folder of the database ${abs} is read-only`;
  return null;
}

function walHasContent(file: string): boolean {
  try {
    return statSync(`${file}-wal`).size > 0;
  } catch {
    return false;
  }
}

/**
 * The name to open: a read-only library whose last writer left no WAL behind is opened
 * `immutable` (a read-only folder has no room for SQLite's -shm file, and nothing is written
 * beside the file); otherwise the path itself.
 */
function connectionName(file: string, readonly: boolean): string {
  const abs = path.resolve(file);
  if (readonly && readOnlyReason(abs) !== null && !walHasContent(abs)) return `${pathToFileURL(abs).href}?immutable=1`;
  return abs;
}

/**
 * Fails, before anything is created, when the database cannot be made at `file`: the nearest
 * folder that exists on its way is not a folder or cannot be written.
 */
export function assertCanCreate(file: string): void {
  const abs = path.resolve(file);
  const fail = (why: string): never => {
    throw new Error(`Cannot create the database ${abs}: ${why}`);
  };
  let existing = abs;
  let st = statOrNull(existing);
  while (st === null && path.dirname(existing) !== existing) {
    existing = path.dirname(existing);
    st = statOrNull(existing);
  }
  if (st === null) return;
  if (existing === abs && st.isFile()) {
    const reason = readOnlyReason(abs);
    if (reason !== null) fail(reason);
    return;
  }
  if (!st.isDirectory()) fail(`${existing} is not a folder`);
  if (!canWrite(existing)) fail(`the folder ${existing} is read-only`);
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

export function openDatabase(file: string, options: OpenOptions = { create: true }): Db {
  if (options.create) {
    assertCanCreate(file);
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  if (options.readonly) migrateBeforeReading(file);
  let db: Db;
  try {
    db = new Database(connectionName(file, options.readonly ?? false), {
      fileMustExist: !options.create,
      readonly: options.readonly ?? false,
      // Electron in development: better-sqlite3 built for Electron's ABI, kept beside the Node one.
      nativeBinding: process.env.FACEPAIR_SQLITE_BINDING || undefined,
    });
  } catch (err) {
    throw new Error(`Cannot open the database ${file}: ${(err as Error).message}`);
  }
  try {
    // First: another process may be creating or migrating the same file right now.
    db.pragma('busy_timeout = 5000');
    retryWhileBusy(() => prepareConnection(db, options.readonly ?? false));
  } catch (err) {
    db.close();
    throw new Error(`Cannot use the database ${file}: ${(err as Error).message}`);
  }
  return db;
}

function prepareConnection(db: Db, readonly: boolean): void {
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  // Reading the schema fails fast on a file that is not a SQLite database.
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  if (!readonly) migrate(db, MIGRATIONS);
  else assertKnownVersion(db, MIGRATIONS);
}

const OPEN_BUSY_DEADLINE_MS = 20_000;

/**
 * SQLite answers SQLITE_BUSY without calling the busy handler in a few places while another
 * process creates, converts to WAL or closes the same new file (switching the journal mode,
 * reading a WAL index that is being rebuilt). Every step of opening is safe to run again, so
 * it is run again, after a short random wait, until a deadline.
 */
function retryWhileBusy(step: () => void): void {
  const deadline = Date.now() + OPEN_BUSY_DEADLINE_MS;
  for (;;) {
    try {
      step();
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const busy = typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
      if (!busy || Date.now() >= deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.random() * 80);
    }
  }
}

/**
 * A read-only connection cannot bring an older schema up to date: where the library can be
 * written, one read-write connection migrates it first; where it cannot, reading fails with
 * a clear message.
 */
function migrateBeforeReading(file: string): void {
  let version: number;
  try {
    const probe = new Database(connectionName(file, true), { readonly: true, fileMustExist: true, nativeBinding: process.env.FACEPAIR_SQLITE_BINDING || undefined });
    try {
      version = probe.pragma('user_version', { simple: true }) as number;
    } finally {
      probe.close();
    }
  } catch {
    return; // openDatabase reports it
  }
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (version >= latest) return;
  const reason = readOnlyReason(file);
  if (reason !== null) {
    throw new Error(`Cannot use the database ${file}: it was written by an older FacePair (schema ${version}) and ${reason}: open it once where it can be written to bring it up to date`);
  }
  openDatabase(file, { create: false }).close();
}

function assertKnownVersion(db: Db, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`it was written by a newer FacePair (schema ${current}, this version knows up to ${latest})`);
  }
  return current;
}

/**
 * Brings the schema up to date. Each migration runs in an IMMEDIATE transaction (the write lock
 * taken before anything is read) that reads `user_version` again inside it: two processes
 * opening one new database at once both succeed, the second finding the work done.
 */
export function migrate(db: Db, migrations: readonly Migration[]): void {
  if (assertKnownVersion(db, migrations) === (migrations.at(-1)?.version ?? 0)) return;
  for (const m of migrations) {
    db.transaction(() => {
      if (assertKnownVersion(db, migrations) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
