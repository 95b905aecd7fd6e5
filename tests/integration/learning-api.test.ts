/**
 * The Recognition screen's methods (learning.state, learning.run, learning.rollback) through
 * the API host, on real faces: a small library of LFW View 1 DevTest people, answered by a
 * simulated truthful user. Every user decision is checked to survive learning and rollback.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { simulateUser } from '../../src-main/core/benchmarks/feedback/simulated-user.js';
import { loadTruth } from '../../src-main/core/benchmarks/folder-truth.js';
import type { ApiEvent } from '../../src-main/core/contract/api.js';
import { decisions } from '../support/decisions.js';
import { devTestFolder } from '../support/devtest-library.js';
import { tempDir } from '../support/paths.js';
import { apiCalls } from '../support/api-calls.js';

const work = tempDir('learning-api');
const folder = path.join(work, 'photos');
let app: FacePairApp;
let host: ApiHost;
const events: ApiEvent[] = [];

const { ok, err } = apiCalls(() => host);

/** The labels table counted by kind, as the screen should show it. */
const labelCounts = (): { same: number; different: number } => {
  const rows = app.db.prepare('SELECT same, count(*) AS n FROM labels GROUP BY same').all() as Array<{ same: number; n: number }>;
  return { same: rows.find((r) => r.same === 1)?.n ?? 0, different: rows.find((r) => r.same === 0)?.n ?? 0 };
};

beforeAll(async () => {
  devTestFolder(folder, 24, 5);
  app = createApp({ dbFile: path.join(work, 'library.db') });
  await app.scanner.scan(folder);
  await app.folders.add(folder);
  host = createApiHost(app, { version: 'test' });
  host.onEvent((e) => events.push(e));
}, 600_000);

afterAll(async () => {
  await host?.dispose();
  app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the Recognition screen through the API', () => {
  it('before any answer: nothing counted, learning blocked with the reason, a run refused as a conflict', async () => {
    const state = await ok('learning.state');
    expect(state.answers).toEqual({ same: 0, different: 0, bySource: [] });
    expect(state.minimum).toEqual({ same: 20, different: 20 });
    expect(state.blockedBecause).toBe('Learning needs at least 20 "same" and 20 "different" answers: answer 20 more "same" and 20 more "different" in Review.');
    expect(state).toMatchObject({ running: false, active: null, versions: [] });

    const refused = await err('learning.run');
    expect(refused.code).toBe('conflict');
    expect(refused.message).toMatch(/at least 20 "same" and 20 "different" answers; this library has 0 and 0/);
    expect((await ok('learning.state')).versions).toEqual([]);
  });

  it('validates parameters: a version id or null, a version that exists', async () => {
    expect((await err('learning.rollback', {})).code).toBe('invalid_params');
    expect((await err('learning.rollback', { versionId: 'x' })).code).toBe('invalid_params');
    expect((await err('learning.rollback', { versionId: -1 })).code).toBe('invalid_params');
    expect((await err('learning.run', { now: true })).code).toBe('invalid_params');
    expect((await err('learning.state', { x: 1 })).code).toBe('invalid_params');
    const missing = await err('learning.rollback', { versionId: 999 });
    expect(missing).toEqual({ code: 'not_found', message: 'Learned version 999 does not exist (any more)' });
  });

  it('counts the answers by kind and by where they came from', async () => {
    await simulateUser(app, folder, loadTruth(undefined), { strategy: 'constraints', checkpoints: [90] });
    await ok('people.rename', { personId: app.people.list()[0]!.id, name: 'Somebody' });
    const state = await ok('learning.state');
    expect({ same: state.answers.same, different: state.answers.different }).toEqual(labelCounts());
    expect(state.answers.different).toBeGreaterThanOrEqual(20);
    const review = state.answers.bySource.find((s) => s.source === 'review')!;
    expect(review.same + review.different).toBe(state.answers.same + state.answers.different);
    expect(state.blockedBecause).toBeNull();
  });

  it('refuses to learn while a scan runs, and a scan while learning is on its way', async () => {
    expect((await ok('scan.start')).status).toBe('running');
    const duringScan = await err('learning.run');
    expect(duringScan).toEqual({ code: 'conflict', message: 'Wait for the scan to finish: recognition changes only between scans' });
    expect((await err('learning.rollback', { versionId: null })).code).toBe('conflict');
    expect((await ok('learning.state')).blockedBecause).toMatch(/Wait for the scan/);
    await host.scan.idle();
    expect(host.scan.state.last?.outcome).toBe('finished');

    expect((await ok('learning.run')).status).toBe('running');
    expect((await ok('learning.state')).running).toBe(true);
    expect(await err('scan.start')).toEqual({ code: 'conflict', message: 'Recognition is being improved: start the scan once it is done' });
    expect((await err('learning.run')).message).toMatch(/already being improved/);
    await host.learning.idle();
    const state = await ok('learning.state');
    expect(state.running).toBe(false);
    expect(state.job.last?.outcome).toBe('finished');
  });

  it('learns a version with its figures and curves, keeps every decision, and tells the windows', async () => {
    const before = decisions(app);
    const labels = labelCounts();
    events.length = 0;
    await ok('learning.run');
    await host.learning.idle();
    const { job, versions } = await ok('learning.state');
    const version = versions[0]!;
    const regrouped = job.last!.regrouped;
    expect(job.last).toMatchObject({ outcome: 'finished', versionId: version.id, message: version.reason, promoted: version.promoted });
    expect(version.labels.same + version.labels.different).toBe(labels.same + labels.different);
    expect(version.labels.heldOut).toBeGreaterThan(0);
    expect(version.reason).toMatch(/^(Used|Not used):/);
    expect(version.active).toBe(version.promoted);
    expect(version.usable).toBe(true);
    for (const auc of [version.before.auc, version.after.auc]) expect(auc).toSatisfy((x: number | null) => x !== null && x >= 0 && x <= 1);
    expect(version.roc!.after[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(version.roc!.after.at(-1)).toEqual({ fpr: 1, tpr: 1 });
    expect(version.roc!.before.length).toBeGreaterThan(2);
    expect(regrouped === null).toBe(!version.promoted);
    expect(events).toContainEqual({ type: 'data.changed', reason: 'learning' });
    expect(decisions(app)).toBe(before);

    const state = await ok('learning.state');
    expect(state.versions.map((v) => v.id)).toEqual([version.id, version.id - 1]); // newest first
    expect(state.versions[0]).toEqual(version);
    if (version.promoted) expect(state.active?.id).toBe(version.id);
    expect(state.active?.id ?? null).toBe(state.versions.find((v) => v.active)?.id ?? null);
  });

  it('rolls back to a version and to the shipped model, regrouping only what no user decided', async () => {
    const before = decisions(app);
    const named = app.people.list().filter((p) => p.name === 'Somebody');
    expect(named).toHaveLength(1);
    const [newest, older] = (await ok('learning.state')).versions;

    const toOlder = await ok('learning.rollback', { versionId: older!.id });
    expect(toOlder.active).toMatchObject({ id: older!.id, active: true });
    // The faces no decision covers are regrouped; the answered and placed ones are not among them.
    expect(toOlder.regrouped.faces).toBeGreaterThan(0);
    expect(toOlder.regrouped.faces).toBeLessThan(app.status.report().faces);
    let state = await ok('learning.state');
    expect(state.active?.id).toBe(older!.id);
    expect(state.versions.filter((v) => v.active).map((v) => v.id)).toEqual([older!.id]);
    expect(decisions(app)).toBe(before);

    events.length = 0;
    const toShipped = await ok('learning.rollback', { versionId: null });
    expect(toShipped.active).toBeNull();
    expect(events).toEqual([{ type: 'data.changed', reason: 'learning' }]);
    state = await ok('learning.state');
    expect(state.active).toBeNull();
    expect(state.versions.some((v) => v.active)).toBe(false);
    expect(state.versions.map((v) => v.id)).toEqual([newest!.id, older!.id]);
    expect(decisions(app)).toBe(before);
    expect(app.people.list().filter((p) => p.name === 'Somebody').map((p) => p.faces.map((f) => f.faceId).sort())).toEqual(named.map((p) => p.faces.map((f) => f.faceId).sort()));
    expect(labelCounts()).toEqual({ same: state.answers.same, different: state.answers.different });
  });
});
