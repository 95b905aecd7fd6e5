/**
 * "Improve recognition" in the background, on real faces (a small library of LFW View 1
 * DevTest people answered by a simulated truthful user): the API stays answered while a run is
 * on its way, a cancel writes nothing, and a `facepair learn` killed inside its writing
 * transaction leaves the library as it was, its database whole.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { simulateUser } from '../../src-main/core/benchmarks/feedback/simulated-user.js';
import { loadTruth } from '../../src-main/core/benchmarks/folder-truth.js';
import type { ApiEvent, LearningJobInfo } from '../../src-main/core/contract/api.js';
import { STALL_ENV } from '../../src-main/core/learning/learn-protocol.js';
import { apiCalls } from '../support/api-calls.js';
import { decisions } from '../support/decisions.js';
import { devTestFolder } from '../support/devtest-library.js';
import { CLI, tempDir } from '../support/paths.js';

const work = tempDir('learning-job');
const folder = path.join(work, 'photos');
const answered = path.join(work, 'answered.db');

/** A fresh copy of the answered library. */
function copyOf(name: string): string {
  const file = path.join(work, `${name}.db`);
  copyFileSync(answered, file);
  return file;
}

/** Everything a learning run may change: the versions and which is active, and where every face is. */
function library(file: string): { versions: unknown[]; faces: unknown[]; labels: number; integrity: string } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return {
      versions: db.prepare('SELECT id, promoted, active FROM learned_versions ORDER BY id').all(),
      faces: db.prepare('SELECT id, person_id, assigned_by FROM faces ORDER BY id').all(),
      labels: db.prepare('SELECT count(*) FROM labels').pluck().get() as number,
      integrity: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  devTestFolder(folder, 24, 5);
  const app = createApp({ dbFile: answered });
  try {
    await app.scanner.scan(folder);
    await app.folders.add(folder);
    await simulateUser(app, folder, loadTruth(undefined), { strategy: 'constraints', checkpoints: [90] });
    app.db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    app.close();
  }
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('learning in the background through the API', () => {
  let app: FacePairApp;
  let host: ApiHost;
  const events: ApiEvent[] = [];
  const { ok, err } = apiCalls(() => host);
  const progress = (): LearningJobInfo[] => events.flatMap((e) => (e.type === 'learning.progress' ? [e.job] : []));

  beforeAll(() => {
    app = createApp({ dbFile: copyOf('api'), mustExist: true });
    host = createApiHost(app, { version: 'test' });
    host.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    delete process.env[STALL_ENV];
    await host?.dispose();
    app?.close();
  });

  it('answers learning.run at once, and every call while the run is on its way', async () => {
    const before = decisions(app);
    // The run waits inside its writing transaction for a while: the calls below land there.
    process.env[STALL_ENV] = '3000';
    const midWay = new Promise<{ state: Awaited<ReturnType<typeof ok<'learning.state'>>>; people: number }>((resolve) => {
      const off = host.onEvent((e) => {
        if (e.type !== 'learning.progress' || e.job.stage !== 'regrouping') return;
        off();
        void (async () => resolve({ state: await ok('learning.state'), people: (await ok('people.list')).people.length }))();
      });
    });
    const started = await ok('learning.run');
    delete process.env[STALL_ENV];
    expect(started).toMatchObject({ status: 'running', steps: 5, last: null });
    expect((await err('learning.run')).message).toMatch(/already being improved/);
    expect(await err('scan.start')).toEqual({ code: 'conflict', message: 'Recognition is being improved: start the scan once it is done' });

    const { state, people } = await midWay;
    expect(state.running).toBe(true);
    expect(state.job).toMatchObject({ status: 'running', stage: 'regrouping', step: 5, last: null });
    expect(state.versions).toEqual([]);
    expect(people).toBeGreaterThan(0);
    // Edits wait for the run's write, then go through.
    const renamed = ok('people.rename', { personId: app.people.list()[0]!.id, name: 'Renamed meanwhile' });

    await host.learning.idle();
    expect((await renamed).person.name).toBe('Renamed meanwhile');
    const done = await ok('learning.state');
    expect(done.running).toBe(false);
    expect(done.job.status).toBe('idle');
    expect(done.job.last).toMatchObject({ outcome: 'finished', versionId: done.versions[0]!.id });
    expect(done.job.last!.message).toMatch(/^(Used|Not used):/);
    expect(done.versions).toHaveLength(1);
    expect(done.active?.id ?? null).toBe(done.versions[0]!.promoted ? done.versions[0]!.id : null);
    expect(progress().map((j) => j.stage).filter((s) => s !== null)).toEqual(['collecting', 'fitting', 'calibrating', 'evaluating', 'regrouping']);
    expect(events).toContainEqual({ type: 'data.changed', reason: 'learning' });
    // The rename came after the run's snapshot and survives its regrouping.
    expect(JSON.parse(decisions(app)).labels).toEqual(JSON.parse(before).labels);
    expect(app.people.list().filter((p) => p.name === 'Renamed meanwhile')).toHaveLength(1);
  }, 120_000);

  it('cancels a run on its way: nothing written, nothing put to use, every face where it was', async () => {
    const file = app.dbFile;
    const before = library(file);
    const beforeDecisions = decisions(app);
    events.length = 0;
    const off = host.onEvent((e) => {
      if (e.type === 'learning.progress' && e.job.stage === 'evaluating') void ok('learning.cancel');
    });
    await ok('learning.run');
    await host.learning.idle();
    off();
    const state = await ok('learning.state');
    expect(state.job.last).toMatchObject({ outcome: 'cancelled', versionId: null, message: 'Learning was cancelled: nothing was changed' });
    expect(progress().some((j) => j.status === 'cancelling')).toBe(true);
    expect(events).not.toContainEqual({ type: 'data.changed', reason: 'learning' });
    expect(library(file)).toEqual(before);
    expect(decisions(app)).toBe(beforeDecisions);
    // Cancelling when nothing runs is harmless.
    expect((await ok('learning.cancel')).status).toBe('idle');
  }, 120_000);
});

describe('facepair learn in a process of its own', () => {
  /** Runs `facepair learn`, calling `at` with the process once stderr shows `marker`. */
  function learn(file: string, env: NodeJS.ProcessEnv, marker: RegExp, at: (p: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string }> {
    const p = spawn(process.execPath, [CLI, 'learn', '--db', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '', stdout = '', seen = false;
    p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!seen && marker.test(stderr)) {
        seen = true;
        at(p);
      }
    });
    return new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })));
  }

  it('killed inside its writing transaction: nothing half-activated, the database whole; a rerun then learns', async () => {
    const file = copyOf('killed');
    const before = library(file);
    const r = await learn(file, { [STALL_ENV]: '60000' }, /stalled for a test/, (p) => p.kill('SIGKILL'));
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr).toMatch(/Learning: collecting the answers…[\s\S]*Learning: regrouping and saving…/);
    const after = library(file);
    expect(after.integrity).toBe('ok');
    expect(after).toEqual(before);

    // The same run, not killed, writes its version (and switches to it when it measures no worse).
    const again = await learn(file, {}, /$^/, () => undefined);
    expect(again.code).toBe(0);
    const learned = library(file);
    expect(learned.versions).toHaveLength(1);
    const [v] = learned.versions as Array<{ promoted: number; active: number }>;
    expect(v!.active).toBe(v!.promoted);
    expect(again.stdout).toMatch(/^version 1 /);
  }, 180_000);

  it('Ctrl-C cancels cleanly: a sentence, nothing written', async () => {
    const file = copyOf('interrupted');
    const before = library(file);
    const r = await learn(file, { [STALL_ENV]: '3000' }, /stalled for a test/, (p) => p.kill('SIGINT'));
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/Cancelling: nothing will be changed…\nLearning was cancelled: nothing was changed\.\n$/);
    expect(library(file)).toEqual(before);
  }, 180_000);
});
