import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Create the file (and its folder) when missing; otherwise a missing file is an error. */
  create: boolean;
  readonly?: boolean;
}

export function openDatabase(file: string, options: OpenOptions = { create: true }): Db {
  if (options.create) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, {
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
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    // Reading the schema fails fast on a file that is not a SQLite database.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (!options.readonly) migrate(db, MIGRATIONS);
    else assertKnownVersion(db, MIGRATIONS);
  } catch (err) {
    db.close();
    throw new Error(`Cannot use the database ${file}: ${(err as Error).message}`);
  }
  return db;
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
