import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../src-main/core/db/database.js';
import { LibraryBusyError, LibraryLock, processStartMs } from '../../../src-main/core/db/library-lock.js';
import { REPO_ROOT, tempDir } from '../../support/paths.js';

// The library lock over a real database, held by this process, by a child process, and left
// behind by processes that are gone.

let file: string;
let db: Db;
let lock: LibraryLock;

beforeEach(() => {
  file = path.join(tempDir('lock'), 'library.db');
  db = openDatabase(file);
  lock = new LibraryLock(db);
});

afterEach(() => db.close());

const LOCK_MODULE = pathToFileURL(path.join(REPO_ROOT, 'dist/src-main/core/db/library-lock.js')).href;
const DATABASE_MODULE = pathToFileURL(path.join(REPO_ROOT, 'dist/src-main/core/db/database.js')).href;

/** Writes a holder row as another process would have left it. */
function leaveRow(pid: number, startedMs: number | null): void {
  db.prepare(
    `INSERT OR REPLACE INTO library_lock (id, job, token, pid, host, process_started_ms, command, taken_at, heartbeat_at)
     VALUES (1, 'scan', 'left', ?, ?, ?, 'facepair scan /photos', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
  ).run(pid, os.hostname(), startedMs);
}

describe('LibraryLock', () => {
  it('is free, then held by this process until released; a second take is refused naming the holder', () => {
    expect(lock.holder()).toBeNull();
    const held = lock.take('scan');
    expect(lock.holder()).toMatchObject({ job: 'scan', pid: process.pid, self: true });
    let err: unknown;
    try {
      lock.take('learn');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LibraryBusyError);
    expect((err as Error).message).toMatch(new RegExp(`^another scan of this library is running \\(pid ${process.pid}`));
    held.release();
    held.release();
    expect(lock.holder()).toBeNull();
    lock.take('learn').release();
  });

  it('takes over the lock of a process that has ended', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    leaveRow(Number(gone.stdout), null);
    expect(lock.holder()).toBeNull();
    const held = lock.take('scan');
    expect(lock.holder()).toMatchObject({ pid: process.pid });
    held.release();
  });

  it('takes over a lock whose pid now belongs to a process started at another time', () => {
    const started = processStartMs(process.pid);
    if (started === null) return; // no /proc: only whether the pid exists can be told
    leaveRow(process.pid, started - 3_600_000);
    expect(lock.holder()).toBeNull();
    leaveRow(process.pid, started);
    expect(lock.holder()).toMatchObject({ pid: process.pid });
  });

  it('another process holding it: take is refused, takeWaiting tells who once and gets it when that process ends', async () => {
    const code = `Promise.all([import(${JSON.stringify(DATABASE_MODULE)}), import(${JSON.stringify(LOCK_MODULE)})]).then(([d, l]) => {
      const lock = new l.LibraryLock(d.openDatabase(${JSON.stringify(file)}));
      lock.take('scan');
      process.stdout.write('held\\n');
      setTimeout(() => process.exit(0), 1500);
    })`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(() => lock.take('learn')).toThrow(new RegExp(`another scan of this library is running \\(pid ${child.pid}`));
    const told: number[] = [];
    // The child exits without releasing (as after kill -9): its lock is stale once it is gone.
    const held = await lock.takeWaiting('scan', (h) => told.push(h.pid), undefined, 100);
    expect(told).toEqual([child.pid]);
    expect(child.exitCode).toBe(0);
    expect(lock.holder()).toMatchObject({ pid: process.pid });
    held.release();
  });

  it('stops waiting when told to', async () => {
    leaveRow(process.pid, processStartMs(process.pid));
    // Its own process's lock: waiting would never end, so it is refused at once.
    await expect(lock.takeWaiting('scan', () => undefined)).rejects.toThrow(LibraryBusyError);
    db.prepare("UPDATE library_lock SET pid = 1, process_started_ms = NULL").run();
    const controller = new AbortController();
    const waiting = lock.takeWaiting('scan', () => controller.abort(), controller.signal, 50);
    await expect(waiting).rejects.toThrow(/stopped while waiting/);
  });
});
