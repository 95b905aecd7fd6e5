import os from 'node:os';
import type { ScanState } from '../contract/api.js';
import type { LibraryLock, LockHolder } from '../db/library-lock.js';
import type { ScanProgressRepository, ScanProgressRow } from '../db/scan-progress.repository.js';

type Last = NonNullable<ScanState['last']>;

/**
 * Another process's scan of this library, as a window shows a scan: it runs while that process
 * holds the library lock for a scan, and its progress is what it published (scan_progress).
 * Only read here: progress left by a process that was killed (it no longer holds the lock and
 * never finished) is ignored.
 */
export class ScanElsewhere {
  /** The first point seen of the current stage: the rate, and so the time left, is measured from it. */
  private since?: { key: string; at: number; done: number };

  constructor(
    private readonly lock: LibraryLock,
    private readonly progress: ScanProgressRepository,
  ) {}

  /** The scan another process runs on this library now; null when none does. */
  running(): ScanState | null {
    const holder = this.lock.holder();
    if (holder === null || holder.self || holder.job !== 'scan') {
      this.since = undefined;
      return null;
    }
    const row = this.progress.read();
    const its = row !== null && row.end === null && ofHolder(row, holder) ? row : null;
    const stage = its?.stage ?? 'index';
    const done = its?.done ?? 0, total = its?.total ?? 0;
    return {
      status: 'running',
      stage,
      done,
      total,
      faces: its?.faces ?? 0,
      errors: its?.errors ?? 0,
      etaSeconds: this.secondsLeft(`${holder.pid}:${holder.takenAt}:${stage}`, stage, done, total),
      startedAt: its?.startedAt ?? holder.takenAt,
      last: null,
      elsewhere: {
        pid: holder.pid,
        host: holder.host === os.hostname() ? null : holder.host,
        command: holder.command,
        fromCommandLine: /^facepair scan\b/.test(holder.command),
      },
    };
  }

  /** How the latest scan of this library by another process ended; null when none did. */
  lastFinished(): Last | null {
    const row = this.progress.read();
    if (row?.end == null || (row.pid === process.pid && row.host === os.hostname())) return null;
    const { finishedAt, outcome, photos, faces, people, errors, seconds, message } = row.end;
    return { finishedAt, outcome, photos, faces, people, errors, seconds, message };
  }

  private secondsLeft(key: string, stage: ScanState['stage'], done: number, total: number): number | null {
    if (stage !== 'analyze' && stage !== 'embed') return null;
    const now = performance.now();
    if (this.since?.key !== key || done < this.since.done) {
      this.since = { key, at: now, done };
      return null;
    }
    const rate = (done - this.since.done) / ((now - this.since.at) / 1000);
    return rate > 0 ? (total - done) / rate : done >= total ? 0 : null;
  }
}

/** The holder's own row: its pid and host, written since it took the lock. */
function ofHolder(row: ScanProgressRow, holder: LockHolder): boolean {
  return row.pid === holder.pid && row.host === holder.host && row.startedAt >= holder.takenAt;
}
