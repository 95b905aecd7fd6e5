import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from './database.js';

/** The long write jobs that hold the lock. */
export type LockedJob = 'scan' | 'learn';

/** Who holds the library lock. */
export interface LockHolder {
  job: LockedJob;
  pid: number;
  host: string;
  command: string;
  takenAt: string;
  /** This process holds it (another of its jobs). */
  self: boolean;
}

export class LibraryBusyError extends Error {
  constructor(readonly holder: LockHolder) {
    super(describeHolder(holder));
  }
}

/** "another scan of this library is running (pid 123, facepair scan ~/Photos)" */
export function describeHolder(h: LockHolder): string {
  const where = h.host === os.hostname() ? '' : ` on ${h.host}`;
  return `another ${h.job} of this library is running (pid ${h.pid}${where}${h.command ? `: ${h.command}` : ''}, since ${h.takenAt.slice(0, 19).replace('T', ' ')} UTC)`;
}

/** A lock held by this process: `release` gives it up (idempotent). */
export interface HeldLock {
  release(): void;
}

type LockRow = {
  job: LockedJob;
  token: string;
  pid: number;
  host: string;
  process_started_ms: number | null;
  command: string;
  taken_at: string;
  heartbeat_at: string;
};

/** How often the holder says it is still there; a holder on another machine silent for STALE_MS is gone. */
const HEARTBEAT_MS = 30_000;
const STALE_MS = 5 * 60_000;
/** Start times read from /proc are in clock ticks (100 a second on Linux); more apart than this is another process. */
const START_TOLERANCE_MS = 2_000;

let bootMs: number | null | undefined;

/** When process `pid` started (ms since the epoch), from /proc on Linux; null elsewhere or when unknown. */
export function processStartMs(pid: number): number | null {
  try {
    if (bootMs === undefined) {
      const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      bootMs = btime ? Number(btime[1]) * 1000 : null;
    }
    if (bootMs === null) return null;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? bootMs + ticks * 10 : null;
  } catch {
    return null;
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's command line, short: `facepair scan ~/Photos`. */
export function commandLine(): string {
  const [, script, ...args] = process.argv;
  const name = script ? path.basename(script) : '';
  const tool = name === 'main.js' ? 'facepair' : name;
  return [tool, ...args].join(' ').slice(0, 300);
}

/**
 * The library lock: one row in the database naming the process that runs a long write job
 * (a scan, a learning run), so that a second one waits or is refused instead of analysing
 * the same photos twice. A row in the database rather than a file beside it: taking it (and
 * taking over a stale one) is a single IMMEDIATE transaction, so two processes can never
 * both take it, nothing extra is left beside the user's database, and a read-only library
 * needs none. A holder whose process has ended (or whose pid now belongs to a process that
 * started later) is stale and is taken over. Short edits (the window's renames, merges,
 * answers) do not take it: they are single short transactions that wait on SQLite's
 * busy_timeout.
 */
export class LibraryLock {
  private readonly selectStmt;
  private readonly upsertStmt;
  private readonly releaseStmt;
  private readonly heartbeatStmt;

  constructor(private readonly db: Db) {
    this.selectStmt = db.prepare<[], LockRow>('SELECT job, token, pid, host, process_started_ms, command, taken_at, heartbeat_at FROM library_lock WHERE id = 1');
    const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    this.upsertStmt = db.prepare(
      `INSERT OR REPLACE INTO library_lock (id, job, token, pid, host, process_started_ms, command, taken_at, heartbeat_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ${now}, ${now})`,
    );
    this.releaseStmt = db.prepare('DELETE FROM library_lock WHERE id = 1 AND token = ?');
    this.heartbeatStmt = db.prepare(`UPDATE library_lock SET heartbeat_at = ${now} WHERE id = 1 AND token = ?`);
  }

  /** The live holder, or null when the lock is free (or held by a process that is gone). */
  holder(): LockHolder | null {
    const row = this.selectStmt.get();
    return row && this.isLive(row) ? toHolder(row) : null;
  }

  /** Takes the lock, or throws LibraryBusyError naming its live holder. */
  take(job: LockedJob): HeldLock {
    const token = randomUUID();
    const busy = this.db
      .transaction((): LockRow | null => {
        const row = this.selectStmt.get();
        if (row && this.isLive(row)) return row;
        this.upsertStmt.run(job, token, process.pid, os.hostname(), processStartMs(process.pid), commandLine());
        return null;
      })
      .immediate();
    if (busy) throw new LibraryBusyError(toHolder(busy));
    const beat = setInterval(() => {
      try {
        this.heartbeatStmt.run(token);
      } catch {
        // A busy database skips one beat; the next one comes in HEARTBEAT_MS.
      }
    }, HEARTBEAT_MS);
    beat.unref();
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        clearInterval(beat);
        if (this.db.open) this.releaseStmt.run(token);
      },
    };
  }

  /**
   * Takes the lock, waiting while another process holds it: `onWait` is told its holder once
   * (and again when another one takes over); rejects if `signal` aborts first.
   */
  async takeWaiting(job: LockedJob, onWait: (holder: LockHolder) => void, signal?: AbortSignal, pollMs = 500): Promise<HeldLock> {
    let told: string | null = null;
    for (;;) {
      try {
        return this.take(job);
      } catch (err) {
        if (!(err instanceof LibraryBusyError)) throw err;
        // This process's own job would wait on itself for ever.
        if (err.holder.self) throw err;
        const key = `${err.holder.pid}@${err.holder.host}:${err.holder.takenAt}`;
        if (key !== told) {
          told = key;
          onWait(err.holder);
        }
      }
      if (signal?.aborted) throw new Error('stopped while waiting for the library lock');
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        signal?.addEventListener('abort', done, { once: true });
      });
      if (signal?.aborted) throw new Error('stopped while waiting for the library lock');
    }
  }

  private isLive(row: LockRow): boolean {
    if (row.host !== os.hostname()) return Date.now() - Date.parse(row.heartbeat_at) < STALE_MS;
    if (!processExists(row.pid)) return false;
    if (row.process_started_ms === null) return true;
    const started = processStartMs(row.pid);
    return started === null || Math.abs(started - row.process_started_ms) <= START_TOLERANCE_MS;
  }
}

function toHolder(row: LockRow): LockHolder {
  return {
    job: row.job,
    pid: row.pid,
    host: row.host,
    command: row.command,
    takenAt: row.taken_at,
    self: row.pid === process.pid && row.host === os.hostname(),
  };
}
