import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src-main/core/db/migrations.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';

// Several processes creating one new library database at the same moment (a window and a CLI
// scan started together): every one of them opens it, and the schema is built once.

const DATABASE_MODULE = pathToFileURL(path.join(REPO_ROOT, 'dist/src-main/core/db/database.js')).href;

function openInProcess(file: string): Promise<{ code: number | null; stderr: string }> {
  const code = `import(${JSON.stringify(DATABASE_MODULE)}).then((m) => m.openDatabase(${JSON.stringify(file)}).close())
    .catch((e) => { process.stderr.write(e.message); process.exit(1); })`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (c) => resolve({ code: c, stderr }));
  });
}

describe('opening one new database from several processes at once', () => {
  it('succeeds in every process, round after round, and leaves the latest schema', async () => {
    const dir = tempDir('concurrent-open');
    const failures: string[] = [];
    for (let round = 0; round < 6; round++) {
      const file = path.join(dir, `round-${round}`, 'library.db');
      const results = await Promise.all(Array.from({ length: 4 }, () => openInProcess(file)));
      for (const r of results) if (r.code !== 0) failures.push(r.stderr);
      const db = new Database(file, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    expect(failures).toEqual([]);
  }, 90_000);

  // The race behind a CI failure ("database is locked" in one of 24 processes): one process
  // holds the write lock of the new file while it turns it to WAL, and another asks for WAL
  // at that moment. SQLite answers that request at once, without waiting its busy_timeout.
  it('waits for another process that holds the write lock of the new file, then opens it', async () => {
    const file = path.join(tempDir('concurrent-open-held'), 'library.db');
    const holder = spawn(process.execPath, ['-e', `
      const Database = require(${JSON.stringify(path.join(REPO_ROOT, 'node_modules/better-sqlite3'))});
      const db = new Database(${JSON.stringify(file)});
      db.exec('BEGIN IMMEDIATE; CREATE TABLE held (a)');
      process.stdout.write('held');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 600);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => holder.once('exit', resolve));
    await Promise.race([
      new Promise<void>((resolve) => holder.stdout.once('data', () => resolve())),
      exited.then((code) => Promise.reject(new Error(`the process holding the lock ended first (exit ${code})`))),
    ]);
    const opened = await openInProcess(file);
    expect(await exited).toBe(0);
    expect(opened.stderr).toBe('');
    expect(opened.code).toBe(0);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    db.close();
  }, 30_000);
});
