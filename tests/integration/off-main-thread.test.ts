import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupingPlanner, ResolvedGrouping } from '../../src-main/core/grouping/grouping.service.js';
import { DEFAULT_GROUPING, GroupingService } from '../../src-main/core/grouping/grouping.service.js';
import { workerGroupingPlanner } from '../../src-main/core/grouping/grouping-planner.js';
import { LibraryWorker } from '../../src-main/core/db/library-worker.js';
import { workerScript } from '../../src-main/core/worker-script.js';
import { createApp } from '../../src-main/core/app.js';
import { switchInWorker } from '../../src-main/core/learning/switch-in-worker.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../../src-main/core/analysis/descriptor.js';
import { toBlob } from '../../src-main/core/db/blobs.js';
import { tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary, type SeededLibrary } from '../support/seed-library.js';

// The window's heavy reads in a library worker: the review queue (kept in a worker between
// looks) and the regrouping of a switch of recognition (a rollback) come out exactly as they
// do on the main thread, and the worker's queue follows the answers given meanwhile.

let lib: SeededLibrary;

beforeAll(async () => {
  const dir = tempDir('off-main');
  const rand = rng(3);
  const p1 = personVectors(rand, 5);
  const near = Float32Array.from(p1.centre, (v) => v + (rand() - 0.5) * 0.06);
  lib = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), [
    { name: 'Ann', vectors: personVectors(rand, 6).vectors },
    { vectors: p1.vectors },
    { vectors: personVectors(rand, 3, 0.45, near).vectors },
    { vectors: personVectors(rand, 4, 0.45, near).vectors },
    { vectors: personVectors(rand, 8).vectors },
  ]);
});

afterAll(() => lib.app.close());

describe('the review queue in a worker', () => {
  it('is the queue the main thread works out, before and after an answer', async () => {
    const app = lib.app;
    const first = await app.reviewQueue.next();
    expect(app.reviewQueue.lastFrom).toBe('worker');
    const queue = await app.review.candidates();
    expect(queue.length).toBeGreaterThan(1);
    expect(first).toEqual({ first: queue[0], remaining: queue.length });

    const asked = first.first!;
    app.edits.answerReview(asked.faceA, asked.faceB, asked.samePerson ? 'same' : 'different');
    app.reviewQueue.invalidate();
    const next = await app.reviewQueue.next();
    expect(app.reviewQueue.lastFrom).toBe('worker');
    expect(next.first).not.toEqual(asked);
    const after = await app.review.candidates();
    expect(after.some((c) => c.faceA === asked.faceA && c.faceB === asked.faceB)).toBe(false);
    expect(next).toEqual({ first: after[0] ?? null, remaining: after.length });
  });
});

describe('the regrouping of a switch of recognition in a worker', () => {
  it('plans what the main thread plans, releasing only the faces no decision covers', async () => {
    const app = lib.app;
    // A decision on one unnamed person's faces: they stay where they are.
    const [a, b] = lib.faceIds[1]!;
    app.edits.answerReview(a!, b!, 'same');
    const resolved: ResolvedGrouping = { settings: { ...DEFAULT_GROUPING, linkage: 0.45 }, head: null };
    const planner = workerGroupingPlanner(app.dbFile, app.cacheDir, app.seedEmbedding.modelDir);
    const planned = await planner(resolved, 'undecided', false);
    const here = await app.grouping.plan({ release: 'undecided' }, resolved);
    expect(planned).toEqual({ written: false, ...here });
    if (planned.written) throw new Error('a plan asked without a write was written');
    const inWorker = planned;
    // Released: the faces grouped by the grouping alone, in no answered pair, of people neither named nor hidden.
    const undecided = app.db
      .prepare(
        `SELECT count(*) AS n FROM faces f JOIN people p ON p.id = f.person_id
         WHERE f.assigned_by = 'auto' AND p.name IS NULL AND p.hidden = 0
           AND NOT EXISTS (SELECT 1 FROM labels l WHERE f.id IN (l.face_a, l.face_b))`,
      )
      .get() as { n: number };
    expect(undecided.n).toBeGreaterThan(0);
    expect(inWorker.summary.newFaces).toBe(undecided.n);
    const changed = new Set(inWorker.changes.flatMap((c) => c.faceIds));
    for (const f of [...lib.faceIds[0]!, a!, b!]) expect(changed.has(f)).toBe(false);
  });

  it('is where the grouping plans a release by rule, and never a release a caller picks face by face', async () => {
    const app = lib.app;
    const asked: Array<'undecided' | undefined> = [];
    const recording: GroupingPlanner = async (resolved, release) => {
      asked.push(release);
      return { written: false, ...(await app.grouping.plan({ release }, resolved)) };
    };
    const grouping = new GroupingService(app.faces, app.people, app.labels, null, DEFAULT_GROUPING, async () => null, recording);
    await grouping.groupNewFaces({ release: 'undecided' });
    await grouping.groupNewFaces({ release: (f) => f.assignedBy === 'auto' });
    await grouping.groupNewFaces();
    expect(asked).toEqual(['undecided', undefined]);
  });

  it.each([
    ['started when asked', false],
    ['started ahead, as a scan starts it while its photos are analysed', true],
  ])("writes a scan's grouping in the worker (%s), as the main thread would, and nothing on the main thread", async (_, ahead) => {
    // Two copies of the library, each with the faces of three people taken out of them (new
    // faces, as a scan leaves them): one grouped by the app (planned and written in a worker),
    // one by a grouping that plans and writes here.
    const dir = tempDir('off-main-scan');
    const [inWorker, here] = [path.join(dir, 'a.db'), path.join(dir, 'b.db')];
    const fresh = [...lib.faceIds[2]!, ...lib.faceIds[3]!, ...lib.faceIds[4]!];
    for (const file of [inWorker, here]) {
      await lib.app.db.backup(file);
      const app = createApp({ dbFile: file });
      const clear = app.db.prepare('UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE id = ?');
      app.db.transaction(() => fresh.forEach((id) => clear.run(id)))();
      app.close();
    }
    const worker = createApp({ dbFile: inWorker });
    const local = createApp({ dbFile: here });
    try {
      const written = { main: 0 };
      const applyGrouping = worker.people.applyGrouping.bind(worker.people);
      worker.people.applyGrouping = (...args) => {
        written.main++;
        return applyGrouping(...args);
      };
      const grouping = new GroupingService(local.faces, local.people, local.labels, null, DEFAULT_GROUPING);
      const done = ahead ? worker.grouping.prestart() : () => {};
      const [a, b] = await Promise.all([worker.grouping.groupNewFaces(), grouping.groupNewFaces()]);
      done();
      expect(written.main).toBe(0);
      expect({ ...a, ms: 0 }).toEqual({ ...b, ms: 0 });
      expect(a.newFaces).toBe(fresh.length);
      const people = (app: typeof worker): number[][] => {
        const byPerson = new Map<number, number[]>();
        for (const r of app.db.prepare('SELECT id, person_id FROM faces WHERE person_id IS NOT NULL ORDER BY id').all() as Array<{ id: number; person_id: number }>) {
          byPerson.set(r.person_id, [...(byPerson.get(r.person_id) ?? []), r.id]);
        }
        return [...byPerson.values()].sort((x, y) => x[0]! - y[0]!);
      };
      expect(people(worker)).toEqual(people(local));
      expect(worker.db.prepare("SELECT count(*) AS n FROM faces WHERE person_id IS NULL AND lost_at IS NULL").get()).toEqual({ n: 0 });
    } finally {
      worker.close();
      local.close();
    }
  });

  it('switches the version in use and regroups in a worker as the main thread does', async () => {
    // Two copies of the library as it is: one switched in the worker, one here.
    const dir = tempDir('off-main-switch');
    const [inWorker, here] = [path.join(dir, 'a.db'), path.join(dir, 'b.db')];
    await lib.app.db.backup(inWorker);
    await lib.app.db.backup(here);
    const summary = await switchInWorker(inWorker, { cacheDir: lib.app.cacheDir, seedModelDir: lib.app.seedEmbedding.modelDir })(null);
    const other = createApp({ dbFile: here });
    try {
      expect(summary).toEqual({ ...(await other.learning.switchHeld(null)), ms: summary.ms });
      expect(summary.newFaces).toBeGreaterThan(0);
    } finally {
      other.close();
    }
    const assignments = (file: string): unknown[] => {
      const app = createApp({ dbFile: file, access: 'read' });
      try {
        return app.db.prepare('SELECT id, person_id, assigned_by FROM faces ORDER BY id').all();
      } finally {
        app.close();
      }
    };
    expect(assignments(inWorker)).toEqual(assignments(here));
  });
});

describe('a grouping worker started ahead', () => {
  it('is ended when no plan uses it, even while it loads, and the next plan still comes out', async () => {
    const { app } = lib;
    const planner = workerGroupingPlanner(app.dbFile, app.cacheDir, app.seedEmbedding.modelDir);
    // Ended at once (loading its job and the pair head), then once more after a plan.
    const done = planner.prestart!();
    done();
    const resolved: ResolvedGrouping = { settings: DEFAULT_GROUPING, head: null };
    const alone = await planner(resolved, undefined, false);
    const again = planner.prestart!();
    again();
    expect(await planner(resolved, undefined, false)).toEqual(alone);
  });

  it('starts without holding the process open, and is gone once closed', () => {
    const { app } = lib;
    const worker = new LibraryWorker(
      { dbFile: app.dbFile, jobModule: workerScript(new URL('../../src-main/core/grouping/', import.meta.url).href, 'grouping.job.js'), context: { cacheDir: app.cacheDir, seedModelDir: app.seedEmbedding.modelDir }, writes: false },
      false,
    );
    expect(worker.alive).toBe(false);
    worker.start();
    expect(worker.alive).toBe(true);
    worker.close();
    expect(worker.alive).toBe(false);
  });
});

describe("a scan's grouping worker reading ahead", () => {
  /** A grouped library; the worker prestarted and read ahead (or not); then new faces and the user's decisions; then the scan's grouping. */
  async function scan(ahead: boolean): Promise<{ state: unknown; preloaded: unknown }> {
    const dir = tempDir(`read-ahead-${ahead ? 'warm' : 'cold'}`);
    const rand = rng(11);
    const people = [personVectors(rand, 6), personVectors(rand, 5), personVectors(rand, 4), personVectors(rand, 5)];
    const seeded = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), people.map((p) => ({ vectors: p.vectors })));
    const { app } = seeded;
    try {
      await app.grouping.groupNewFaces(); // nothing new: writes the descriptor file the worker reads ahead
      const done = ahead ? app.grouping.prestart() : () => {};
      const preloaded = ahead ? await app.grouping.preloaded() : null;
      // The scan's new faces: near each person, and one far from all.
      const modelId = app.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
      const now = new Date().toISOString();
      const fresh = [...people.flatMap((p) => personVectors(rand, 2, 0.45, p.centre).vectors), personVectors(rand, 1).vectors[0]!].map((v, i) => {
        const photoId = Number(app.db.prepare(`INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, status, analyzer_version, added_at, updated_at) VALUES (?, 1000, 0, ?, 'jpeg', 400, 300, 'done', 1, ?, ?)`).run(path.join(seeded.folder, `new${i}.jpg`), `new${i}`, now, now).lastInsertRowid);
        const faceId = Number(app.db.prepare(`INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at) VALUES (?, 0, 150, 80, 100, 120, 0.99, 0, ?, 'c.jpg', 'a.jpg', ?)`).run(photoId, Buffer.alloc(136 * 4), now).lastInsertRowid);
        app.db.prepare('INSERT INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)').run(faceId, modelId, toBlob(v));
        return faceId;
      });
      // Meanwhile the user merges the second person into the first, names it, places a new
      // face of the fourth person's there, and says two new faces of the third differ.
      const [p0, p1, , p3] = seeded.personIds;
      app.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE person_id = ?").run(p0, p1);
      app.db.prepare("UPDATE people SET name = 'Ann' WHERE id = ?").run(p0);
      app.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?").run(p0, fresh[6]);
      app.labels.record(fresh[4]!, fresh[5]!, false, 'review');
      await app.grouping.groupNewFaces();
      done();
      const personOf = (id: number): number | null => app.db.prepare<[number], { p: number | null }>('SELECT person_id AS p FROM faces WHERE id = ?').get(id)!.p;
      expect(seeded.faceIds[1]!.every((f) => personOf(f) === p0)).toBe(true);
      expect(personOf(fresh[6]!)).toBe(p0);
      expect(personOf(fresh[7]!)).toBe(p3);
      expect(personOf(fresh[4]!) === null || personOf(fresh[4]!) !== personOf(fresh[5]!)).toBe(true);
      expect(fresh.every((f) => personOf(f) !== null)).toBe(true);
      return {
        preloaded,
        state: {
          faces: app.db.prepare('SELECT id, person_id, assigned_by FROM faces ORDER BY id').all(),
          people: app.db.prepare('SELECT id, name, hidden FROM people ORDER BY id').all(),
        },
      };
    } finally {
      app.close();
    }
  }

  it('groups exactly as a cold worker does, and honours the decisions made after it read ahead', async () => {
    const warm = await scan(true);
    const cold = await scan(false);
    expect(warm.preloaded).toEqual({ descriptors: true, faces: true }); // both read ahead, the faces' fields then brought up to date from the change log
    expect(warm.state).toEqual(cold.state);
  });
});
