import { threadId } from 'node:worker_threads';

const on = process.env.FACEPAIR_SCAN_TRACE === '1';

/**
 * A scan's timeline for the benchmark (FACEPAIR_SCAN_TRACE=1): wall-clock time, thread, event,
 * and the process's CPU time and resident memory so far (on this VM each fresh page costs CPU), on stderr.
 */
export function trace(event: string): void {
  if (!on) return;
  const cpu = process.cpuUsage();
  const mib = process.memoryUsage.rss() / 2 ** 20;
  process.stderr.write(`[trace] ${(performance.timeOrigin + performance.now()).toFixed(1)} t${threadId} ${event} (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms, rss ${mib.toFixed(0)} MiB)\n`);
}
