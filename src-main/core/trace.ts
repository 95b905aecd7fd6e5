import { threadId } from 'node:worker_threads';

const on = process.env.FACEPAIR_SCAN_TRACE === '1';

/** A scan's timeline for the benchmark (FACEPAIR_SCAN_TRACE=1): wall-clock time, thread, event, on stderr. */
export function trace(event: string): void {
  if (!on) return;
  process.stderr.write(`[trace] ${(performance.timeOrigin + performance.now()).toFixed(1)} t${threadId} ${event}\n`);
}
