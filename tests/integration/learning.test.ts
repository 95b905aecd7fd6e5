/**
 * The loop from answers to a better recognition, on real faces: a small library of LFW
 * View 1 DevTest people (never trained on), answered by a simulated truthful user.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { simulateUser } from '../../src-main/core/benchmarks/feedback/simulated-user.js';
import { loadTruth } from '../../src-main/core/benchmarks/folder-truth.js';
import { LearningBusyError } from '../../src-main/core/learning/learning.service.js';
import { runCli } from '../support/cli.js';
import { decisions } from '../support/decisions.js';
import { devTestFolder } from '../support/devtest-library.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { cacheDirFor } from '../../src-main/core/paths.js';

const work = tempDir('learning');
const folder = path.join(work, 'photos');
const scanned = path.join(work, 'scan.db');
const truthOf = loadTruth(undefined);

function copyOf(name: string): FacePairApp {
  const file = path.join(work, `${name}.db`);
  const source = createApp({ dbFile: scanned, mustExist: true });
  try {
    source.db.pragma('wal_checkpoint(TRUNCATE)');
    copyFileSync(scanned, file);
  } finally {
    source.close();
  }
  return createApp({ dbFile: file, mustExist: true });
}

beforeAll(async () => {
  devTestFolder(folder, 24, 5);
  const app = createApp({ dbFile: scanned });
  try {
    await app.scanner.scan(folder);
  } finally {
    app.close();
  }
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('learning from the answers of a library', () => {
  it("learns no worse than the answers alone: the simulated user's curve, learning against constraints only", async () => {
    const checkpoints = [0, 20, 40, 60];
    const run = async (strategy: 'constraints' | 'learning') => {
      const app = copyOf(strategy);
      try {
        return await simulateUser(app, folder, truthOf, { strategy, checkpoints, learnEvery: 20 });
      } finally {
        app.close();
      }
    };
    const constraints = await run('constraints');
    const learning = await run('learning');
    expect(constraints).toHaveLength(checkpoints.length);
    expect(learning[0]).toEqual(constraints[0]);
    for (let k = 0; k < checkpoints.length; k++) {
      expect(learning[k]!.bcubed.f).toBeGreaterThanOrEqual(constraints[k]!.bcubed.f - 1e-9);
      expect(learning[k]!.pairwise.precision).toBeGreaterThanOrEqual(constraints[0]!.pairwise.precision - 0.01);
    }
    // Answers help at all: the curve rises.
    expect(constraints.at(-1)!.bcubed.f).toBeGreaterThan(constraints[0]!.bcubed.f);
  }, 600_000);

  it('keeps every decision through learning and rollback, records each version, and runs one learning at a time', async () => {
    const app = copyOf('decisions');
    try {
      expect(() => app.learning.list()).not.toThrow();
      await expect(app.learning.learn()).rejects.toThrow(/at least 20 "same" and 20 "different" answers; this library has 0 and 0/);
      await simulateUser(app, folder, truthOf, { strategy: 'constraints', checkpoints: [90] });
      const someone = app.people.list()[0]!;
      app.edits.rename(someone.id, 'Somebody');
      const before = decisions(app);

      const [first, second] = await Promise.allSettled([app.learning.learn(), app.learning.learn()]);
      expect(first.status).toBe('fulfilled');
      expect(second.status === 'rejected' && second.reason instanceof LearningBusyError).toBe(true);
      const version = (first as PromiseFulfilledResult<Awaited<ReturnType<FacePairApp['learning']['learn']>>>).value.version;
      expect(version.record.labels.same + version.record.labels.different).toBe(app.labels.list().length);
      expect(version.record.labels.heldOut).toBeGreaterThan(0);
      expect(version.record.reason).toMatch(/^(Used|Not used):/);
      expect(version.active).toBe(version.promoted);
      expect(decisions(app)).toBe(before);

      await app.learning.rollback(null);
      expect(app.learning.list().some((v) => v.active)).toBe(false);
      expect(decisions(app)).toBe(before);
      if (version.promoted) {
        await app.learning.rollback(version.id);
        expect(app.learnedVersions.active()?.id).toBe(version.id);
        expect(decisions(app)).toBe(before);
      }
    } finally {
      app.close();
    }
  }, 600_000);

  it('answers on the command line: a clear refusal without answers, the version list', () => {
    const r = runCli(['learn', '--db', scanned]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/at least 20 "same" and 20 "different" answers/);
    expect(runCli(['learn', '--list', '--db', scanned]).stdout).toMatch(/No learned version yet/);
  });
});

describe('npm run bench:feedback on a scan made before the seed model changed', () => {
  it("embeds, in its own copy, the faces the scan has no embedding of the installed seed model for: the figures are those of an up-to-date scan, and the scan is left as it was", () => {
    const bench = (db: string) =>
      spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist/src-main/tools/bench/bench-feedback.js'), folder, '--db', db, '--answers', '0,15', '--strategies', 'constraints', '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    // A scan whose seed embeddings were made by another seed model: its rows are under another key.
    const stale = path.join(work, 'stale.db');
    const app = copyOf('stale');
    try {
      app.db.prepare("UPDATE models SET key = key || ':older' WHERE kind = 'extractor'").run();
      app.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      app.close();
    }
    cpSync(cacheDirFor(scanned), cacheDirFor(stale), { recursive: true });
    const hash = createHash('sha256').update(readFileSync(stale)).digest('hex');

    const current = bench(scanned);
    const old = bench(stale);
    expect(current.status).toBe(0);
    expect(old.status).toBe(0);
    expect(current.stderr).not.toMatch(/embedded \d+ faces/);
    expect(old.stderr).toMatch(/embedded [1-9]\d* faces with the installed seed model/);
    expect(JSON.parse(old.stdout)).toEqual(JSON.parse(current.stdout));
    expect(createHash('sha256').update(readFileSync(stale)).digest('hex')).toBe(hash);
  }, 600_000);
});
