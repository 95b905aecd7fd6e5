import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import type { ApiEvent, ScanState } from '../../src-main/core/contract/api.js';
import { processStartMs } from '../../src-main/core/db/library-lock.js';
import { apiCalls } from '../support/api-calls.js';
import { CLI, GROUPS, tempDir } from '../support/paths.js';

// The window joins a scan another process runs on its library: `scan.state` shows that scan's
// progress as it publishes it (scan_progress), Scan joins it instead of starting a second
// one, Pause and Cancel say where it can be stopped, and its end reaches the window as the
// final counts and a refresh of the people. Progress a killed process left behind is ignored.

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A process that ends at once: its pid is that of no process. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('another process scanning the library, seen from the window (rows as that process writes them)', () => {
  let app: FacePairApp;
  let host: ApiHost;
  const { ok, err } = apiCalls(() => host);
  beforeAll(() => {
    app = createApp({ dbFile: path.join(tempDir('elsewhere-rows'), 'library.db') });
    host = createApiHost(app, { version: 'test' });
  });
  afterAll(async () => {
    await host.dispose();
    app.close();
  });

  const holdLock = (pid: number, command: string): void => {
    app.db
      .prepare(
        `INSERT OR REPLACE INTO library_lock (id, job, token, pid, host, process_started_ms, command, taken_at, heartbeat_at)
         VALUES (1, 'scan', 'theirs', ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
      )
      .run(pid, os.hostname(), processStartMs(pid), command);
  };
  const publish = (pid: number, stage: string, done: number, total: number, faces: number): void => {
    app.db
      .prepare(
        `INSERT OR REPLACE INTO scan_progress (id, pid, host, command, started_at, updated_at, stage, done, total, faces, errors)
         VALUES (1, ?, ?, 'facepair scan /photos', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, 0)`,
      )
      .run(pid, os.hostname(), stage, done, total, faces);
  };

  it('shows a live holder\'s progress, joins it on Scan, refuses Pause and Cancel, and ignores it once its process is gone', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(other);
    await sleep(200); // its start time readable in /proc
    holdLock(other.pid!, 'facepair scan /photos');
    publish(other.pid!, 'analyze', 3, 10, 7);

    const state = await ok('scan.state');
    expect(state).toMatchObject({ status: 'running', stage: 'analyze', done: 3, total: 10, faces: 7 });
    expect(state.elsewhere).toEqual({ pid: other.pid, host: null, command: 'facepair scan /photos', fromCommandLine: true });
    expect((await ok('library.get')).scan.elsewhere?.pid).toBe(other.pid);
    // Scan joins it: no second scan of the library, the same progress.
    const joined = await ok('scan.start');
    expect(joined).toMatchObject({ status: 'running', done: 3, elsewhere: { pid: other.pid } });
    expect(host.scan.state.status).toBe('idle');
    expect((await err('scan.pause')).message).toBe(`This scan runs in another process (pid ${other.pid}, started from the command line): stop it there (Ctrl+C in its terminal)`);
    expect((await err('scan.cancel')).code).toBe('conflict');

    other.kill('SIGKILL');
    await new Promise((r) => other.once('exit', r));
    // Killed mid-scan: its lock and its progress are stale, the window is idle and can scan.
    const after = await ok('scan.state');
    expect(after).toMatchObject({ status: 'idle', stage: null, elsewhere: null, last: null });
  });

  it('ignores progress left unfinished by a process that is gone, and shows how another process\'s last scan ended', async () => {
    const gone = deadPid();
    holdLock(gone, 'facepair scan /photos');
    publish(gone, 'embed', 5, 9, 0);
    expect(await ok('scan.state')).toMatchObject({ status: 'idle', elsewhere: null, last: null });

    app.db
      .prepare(
        `UPDATE scan_progress SET stage = NULL, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), outcome = 'finished',
           photos_total = 12, faces_total = 30, people_total = 4, errors_total = 1, seconds = 8.5`,
      )
      .run();
    expect((await ok('scan.state')).last).toMatchObject({ outcome: 'finished', photos: 12, faces: 30, people: 4, errors: 1, seconds: 8.5, message: null });
  });

  it('says another window\'s scan is one', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(other);
    await sleep(200);
    holdLock(other.pid!, 'facepair serve --port 0');
    publish(other.pid!, 'index', 2, 0, 0);
    expect((await ok('scan.state')).elsewhere).toMatchObject({ pid: other.pid, fromCommandLine: false });
    other.kill('SIGKILL');
  });
});

interface Summary {
  photos: number;
  faces: number;
  people: number;
  errors: number;
}

describe('a command-line scan and `facepair serve` on one library', () => {
  it('shows the CLI scan\'s progress and its final counts in the window, and tells the window to refresh its people', async () => {
    const dir = tempDir('elsewhere');
    const folder = path.join(dir, 'photos');
    mkdirSync(folder);
    for (const p of ['deepface_couple.jpg', 'opencv-course_lady_single.jpg', 'facenet-pytorch_multiface.jpg']) copyFileSync(path.join(GROUPS, p), path.join(folder, p));
    const db = path.join(dir, 'library.db');

    const scan = spawn(process.execPath, [CLI, 'scan', folder, '--db', db, '--workers', '1', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(scan);
    let scanOut = '', scanErr = '';
    scan.stdout!.on('data', (d: Buffer) => (scanOut += d.toString()));
    scan.stderr!.on('data', (d: Buffer) => (scanErr += d.toString()));
    const scanned = new Promise<number | null>((resolve) => scan.once('exit', resolve));
    // The window opens the library the scan is creating.
    while (!existsSync(db) && scan.exitCode === null) await sleep(50);

    const serve = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(serve);
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      serve.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /serving at (\S+)/.exec(out);
        if (m) resolve(new URL(m[1]!));
      });
      serve.once('exit', () => reject(new Error('serve exited')));
    });
    const token = url.searchParams.get('token')!;
    const call = async <T>(method: string, params: unknown = {}): Promise<{ ok: boolean; result: T; error?: { message: string } }> => {
      const res = await fetch(`${url.origin}/api/${method}`, { method: 'POST', headers: { 'X-FacePair-Token': token, 'Content-Type': 'application/json' }, body: JSON.stringify(params) });
      return (await res.json()) as { ok: boolean; result: T; error?: { message: string } };
    };

    // The window's events, as the renderer reads them.
    const events: ApiEvent[] = [];
    const stream = await fetch(`${url.origin}/api/events?token=${token}`);
    void (async () => {
      const reader = stream.body!.getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        buffer += Buffer.from(value!).toString();
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const chunk = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (chunk.startsWith('data: ')) events.push(JSON.parse(chunk.slice(6)) as ApiEvent);
        }
      }
    })();

    const seen: ScanState[] = [];
    let joined: { ok: boolean; result: ScanState } | null = null;
    while (scan.exitCode === null) {
      const r = await call<ScanState>('scan.state');
      expect(r.ok).toBe(true);
      seen.push(r.result);
      if (r.result.elsewhere && !joined) joined = await call<ScanState>('scan.start');
      await sleep(100);
    }
    expect(await scanned, scanErr).toBe(0);
    const summary = JSON.parse(scanOut) as Summary;
    // The end reaches the window within a poll or two.
    let final: ScanState | undefined;
    for (let i = 0; i < 50; i++) {
      final = (await call<ScanState>('scan.state')).result;
      if (events.some((e) => e.type === 'data.changed' && e.reason === 'scan')) break;
      await sleep(100);
    }
    const people = (await call<{ people: unknown[]; othersCount: number }>('people.list')).result;
    serve.kill('SIGTERM');

    const running = seen.filter((s) => s.elsewhere !== null);
    expect(running.length).toBeGreaterThan(0);
    for (const s of running) expect(s).toMatchObject({ status: 'running', elsewhere: { pid: scan.pid, fromCommandLine: true } });
    // Its photos read, of the folder's three, as it read them.
    const reading = running.filter((s) => s.stage === 'analyze');
    expect(reading.length).toBeGreaterThan(0);
    for (const s of reading) {
      expect(s.total).toBe(3);
      expect(s.done).toBeLessThanOrEqual(s.total);
    }
    expect(joined?.ok).toBe(true);
    expect(joined?.result.elsewhere?.pid).toBe(scan.pid);

    expect(final).toMatchObject({ status: 'idle', elsewhere: null });
    expect(final?.last).toMatchObject({ outcome: 'finished', photos: summary.photos, faces: summary.faces, people: summary.people, errors: summary.errors });
    expect(summary.faces).toBeGreaterThan(0);
    expect(people.people.length).toBeGreaterThan(0);
    // Pushed: its progress while it ran, then the people to refresh.
    const pushed = events.flatMap((e) => (e.type === 'scan.progress' && e.state.elsewhere ? [e.state] : []));
    expect(pushed.length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'data.changed' && e.reason === 'scan')).toBe(true);
    const lastPush = events.filter((e) => e.type === 'scan.progress').at(-1);
    expect(lastPush).toMatchObject({ state: { status: 'idle', elsewhere: null, last: { outcome: 'finished', faces: summary.faces } } });
  }, 180_000);
});
