#!/usr/bin/env node
// npm run bench:latency -- <folder> [--json] [--cli <main.js>] [--every <ms>]: how fast the
// server answers the window while it scans. Starts `facepair serve` on a new library of the
// folder, starts the scan through the API and, every 100 ms until it is done, calls
// `scan.state` and `people.list` (each call sent on time, whether or not the one before has
// answered: a stalled server shows as a long latency). Prints p50 / p99 / max per method.
// A benchmark, not a test: it prints figures only (goal: p99 <= 100 ms, max <= 250 ms).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const METHODS = ['scan.state', 'people.list'] as const;
type Method = (typeof METHODS)[number];

interface Options {
  folder: string;
  json: boolean;
  cli: string;
  everyMs: number;
}

interface MethodFigures {
  calls: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
}

function parseArgs(argv: string[]): Options | null {
  const folder = argv.find((a, i) => !a.startsWith('--') && !['--cli', '--every'].includes(argv[i - 1] ?? ''));
  if (!folder) return null;
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const here = path.dirname(fileURLToPath(import.meta.url));
  const everyMs = Number(value('--every') ?? 100);
  if (!Number.isFinite(everyMs) || everyMs <= 0) return null;
  return {
    folder: path.resolve(folder),
    json: argv.includes('--json'),
    cli: path.resolve(value('--cli') ?? path.join(here, '../../cli/main.js')),
    everyMs,
  };
}

/** The q-quantile (nearest rank) of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function figures(latencies: number[], failed: number): MethodFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { calls: latencies.length, failed, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
}

/** Starts `facepair serve`; resolves with its address and token once it prints them. */
function startServer(cli: string, db: string, folder: string): Promise<{ base: string; token: string; stop: () => Promise<void>; stderr: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--db', db, '--library', folder, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`facepair serve exited (${code}): ${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving at (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(out);
      if (!m) return;
      resolve({
        base: m[1]!,
        token: m[2]!,
        stderr: () => err,
        stop: async () => {
          child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!opts) {
    process.stderr.write('usage: npm run bench:latency -- <folder> [--json] [--cli <dist/src-main/cli/main.js>] [--every <ms>]\n');
    process.exitCode = 2;
    return;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'facepair-latency-'));
  const server = await startServer(opts.cli, path.join(work, 'library.db'), opts.folder);
  const call = async (method: string): Promise<{ ok: boolean; result?: unknown }> => {
    const res = await fetch(`${server.base}/api/${method}`, {
      method: 'POST',
      headers: { 'X-FacePair-Token': server.token, 'Content-Type': 'application/json' },
      body: '{}',
    });
    return (await res.json()) as { ok: boolean; result?: unknown };
  };
  const latencies: Record<Method, number[]> = { 'scan.state': [], 'people.list': [] };
  const failures: Record<Method, number> = { 'scan.state': 0, 'people.list': 0 };
  try {
    const t0 = performance.now();
    const started = await call('scan.start');
    if (!started.ok) throw new Error(`scan.start failed: ${JSON.stringify(started)}`);
    let finished = false;
    let last: unknown = null;
    const inFlight = new Set<Promise<void>>();
    const poll = (method: Method): void => {
      const sent = performance.now();
      const p = call(method)
        .then((r) => {
          latencies[method].push(performance.now() - sent);
          if (!r.ok) failures[method]++;
          if (method === 'scan.state' && r.ok) {
            const state = r.result as { status: string; last: unknown };
            if (state.status === 'idle' && state.last !== null) {
              finished = true;
              last = state.last;
            }
          }
        })
        .catch(() => {
          failures[method]++;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    while (!finished) {
      for (const m of METHODS) poll(m);
      await new Promise((r) => setTimeout(r, opts.everyMs));
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - t0) / 1000;
    const table = Object.fromEntries(METHODS.map((m) => [m, figures(latencies[m], failures[m])])) as Record<Method, MethodFigures>;
    const report = { folder: opts.folder, cli: opts.cli, everyMs: opts.everyMs, scanSeconds: seconds, scan: last, latencyMs: table };
    if (opts.json) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const f = (v: number): string => v.toFixed(1).padStart(8);
    const lines = [
      `Scan of ${opts.folder} through the server: ${seconds.toFixed(1)} s, polled every ${opts.everyMs} ms`,
      `method         calls  failed   p50 ms   p99 ms   max ms`,
      ...METHODS.map((m) => `${m.padEnd(13)} ${String(table[m].calls).padStart(6)} ${String(table[m].failed).padStart(7)} ${f(table[m].p50)} ${f(table[m].p99)} ${f(table[m].max)}`),
      `goal: p99 <= 100 ms, max <= 250 ms`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-latency: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
