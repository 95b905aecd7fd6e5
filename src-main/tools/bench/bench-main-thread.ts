#!/usr/bin/env node
// npm run bench:main-thread -- [--db FILE]... [--synthetic N]... [--json]: how long the
// window's own thread is held by the Review queue (its first look after a scan, and the next
// ones), by a rollback of the learned recognition (which regroups), and by a scan's grouping of
// the faces it found (every face the user did not place taken out of its person, as a first
// scan leaves them; planned and written in a
// worker, beside the same plan written on the main thread as before), on copies of scanned
// libraries (--db, never changed) and on synthetic ones of N faces (people of 2 to 8 faces,
// a fifth of them named, 128-d descriptors around each person's centre). Prints, for each, the
// wall time of the call and the longest the event loop was held meanwhile (what a window's
// other calls would wait; on a busy machine a wait for a core counts too): a call that runs in
// a worker thread holds it only briefly.
// A benchmark, not a test: it prints figures only.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../../core/analysis/descriptor.js';
import { createApiHost, type ApiHost } from '../../core/api/api-host.js';
import { createApp } from '../../core/app.js';
import { toBlob } from '../../core/db/blobs.js';
import { workerGroupingPlanner } from '../../core/grouping/grouping-planner.js';
import { DEFAULT_GROUPING } from '../../core/grouping/grouping.service.js';
import { Rng } from '../../core/ml/rng.js';

interface Measure {
  wallMs: number;
  /** The longest the event loop was held during the call (a wait for a core on a busy machine counts too). */
  heldMs: number;
}

interface Row {
  library: string;
  faces: number;
  reviewFirst: Measure;
  reviewNext: Measure;
  rollback: Measure;
  /** A scan's grouping, planned and written in a worker. */
  scanGrouping: Measure;
  /** The same, planned in a worker and written on the main thread (as it was before). */
  scanGroupingWrittenHere: Measure;
}

function parseArgs(argv: string[]): { dbs: string[]; synthetic: number[]; json: boolean } | null {
  const dbs: string[] = [], synthetic: number[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--db' && argv[i + 1]) dbs.push(path.resolve(argv[++i]!));
    else if (a === '--synthetic' && argv[i + 1]) {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 2) return null;
      synthetic.push(n);
    } else if (a !== '--json') return null;
  }
  if (dbs.length + synthetic.length === 0) return null;
  return { dbs, synthetic, json: argv.includes('--json') };
}

/** A beat of the event loop: a call held longer than this shows as a late beat. */
const BEAT_MS = 5;

/** Times `run`, and the longest the event loop was held while it ran (the latest a beat came, less its interval). */
async function measure(run: () => Promise<unknown>): Promise<Measure> {
  let last = performance.now();
  let held = 0;
  const beat = setInterval(() => {
    const now = performance.now();
    held = Math.max(held, now - last - BEAT_MS);
    last = now;
  }, BEAT_MS);
  const t0 = performance.now();
  try {
    await run();
  } finally {
    clearInterval(beat);
  }
  const end = performance.now();
  // A call that returned while the loop was still held counts up to its end.
  held = Math.max(held, end - last - BEAT_MS, 0);
  return { wallMs: end - t0, heldMs: held };
}

function gaussian(r: Rng): number {
  return Math.sqrt(-2 * Math.log(r.next() + 1e-12)) * Math.cos(2 * Math.PI * r.next());
}

/** A library as a scan leaves it, written directly: one photo per face, faces grouped into people. */
function syntheticLibrary(dbFile: string, faces: number): void {
  const app = createApp({ dbFile });
  const r = new Rng(faces);
  const model = app.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
  const now = new Date().toISOString();
  const photo = app.db.prepare(
    `INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, status, analyzer_version, added_at, updated_at)
     VALUES (?, 1000, 0, ?, 'jpeg', 400, 300, 'done', 1, ?, ?)`,
  );
  const person = app.db.prepare('INSERT INTO people (name, hidden, created_at, updated_at) VALUES (?, 0, ?, ?)');
  const face = app.db.prepare(
    `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, person_id, assigned_by, created_at)
     VALUES (?, 0, 150, 80, 100, 120, 0.95, 0, ?, 'c.jpg', 'a.jpg', ?, 'auto', ?)`,
  );
  const embedding = app.db.prepare('INSERT INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
  const landmarks = Buffer.alloc(136 * 4);
  const sigma = 0.45 / Math.sqrt(2 * DESCRIPTOR_DIMS);
  app.db.transaction(() => {
    let n = 0;
    for (let p = 0; n < faces; p++) {
      const size = Math.min(faces - n, 2 + Math.floor(r.next() * 7));
      const personId = Number(person.run(p % 5 === 0 ? `Person ${p}` : null, now, now).lastInsertRowid);
      const centre = Float32Array.from({ length: DESCRIPTOR_DIMS }, () => gaussian(r) * 0.12);
      for (let k = 0; k < size; k++, n++) {
        const photoId = Number(photo.run(`/synthetic/p${n}.jpg`, `h${n}`, now, now).lastInsertRowid);
        const faceId = Number(face.run(photoId, landmarks, personId, now).lastInsertRowid);
        embedding.run(faceId, model, toBlob(Float32Array.from(centre, (v) => v + gaussian(r) * sigma)));
      }
    }
  })();
  app.close();
}

/** Takes every face the user did not place out of its person, as a first scan leaves them before its grouping. */
function takeOutNewFaces(dbFile: string): void {
  const app = createApp({ dbFile });
  try {
    app.db.prepare("UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE assigned_by IS NOT 'user'").run();
    app.db.prepare('DELETE FROM people WHERE id NOT IN (SELECT person_id FROM faces WHERE person_id IS NOT NULL) AND name IS NULL').run();
  } finally {
    app.close();
  }
}

/** A scan's grouping of its new faces, on a copy of the library: written in the worker, or on this thread. */
async function measureScanGrouping(dbFile: string, writeHere: boolean): Promise<Measure> {
  const copy = dbFile.replace(/\.db$/, writeHere ? '.here.db' : '.worker.db');
  const source = createApp({ dbFile });
  await source.db.backup(copy);
  source.close();
  takeOutNewFaces(copy);
  const app = createApp({ dbFile: copy });
  try {
    await app.grouping.mergeRule();
    const planner = workerGroupingPlanner(app.dbFile, app.cacheDir, app.seedEmbedding.modelDir);
    return await measure(async () => {
      if (!writeHere) return app.grouping.groupNewFaces();
      const resolved = { settings: { ...DEFAULT_GROUPING, linkage: await app.grouping.linkage() }, head: null };
      const planned = await planner(resolved, undefined, false);
      if (!planned.written) app.grouping.write(planned);
    });
  } finally {
    app.close();
  }
}

async function measureLibrary(label: string, dbFile: string): Promise<Row> {
  const scanGrouping = await measureScanGrouping(dbFile, false);
  const scanGroupingWrittenHere = await measureScanGrouping(dbFile, true);
  const app = createApp({ dbFile });
  const host: ApiHost = createApiHost(app, { version: 'bench' });
  const call = async (method: 'review.next' | 'learning.rollback', params: object = {}): Promise<void> => {
    const r = await host.call(method, params);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
  };
  try {
    // Loaded once per app (the model's keys, the fused head): not what this measures.
    await app.grouping.mergeRule();
    const reviewFirst = await measure(() => call('review.next'));
    const reviewNext = await measure(() => call('review.next'));
    const rollback = await measure(() => call('learning.rollback', { versionId: null }));
    return { library: label, faces: app.status.report().faces, reviewFirst, reviewNext, rollback, scanGrouping, scanGroupingWrittenHere };
  } finally {
    await host.dispose();
    app.close();
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!opts) {
    process.stderr.write('usage: npm run bench:main-thread -- [--db FILE]... [--synthetic N]... [--json]\n');
    process.exitCode = 2;
    return;
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'facepair-main-thread-'));
  const rows: Row[] = [];
  try {
    for (const [i, db] of opts.dbs.entries()) {
      const copy = path.join(work, `copy${i}`, 'library.db');
      mkdirSync(path.dirname(copy));
      copyFileSync(db, copy);
      for (const side of ['-wal', '-shm']) if (existsSync(db + side)) copyFileSync(db + side, copy + side);
      rows.push(await measureLibrary(db, copy));
    }
    for (const n of opts.synthetic) {
      const file = path.join(work, `synthetic${n}`, 'library.db');
      syntheticLibrary(file, n);
      rows.push(await measureLibrary(`synthetic, ${n} faces`, file));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ loadAverage: os.loadavg(), rows }, null, 2) + '\n');
    return;
  }
  const f = (m: Measure): string => [m.wallMs, m.heldMs].map((v) => v.toFixed(0).padStart(7)).join(' ');
  process.stdout.write(
    [
      `load average: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`,
      `${'library'.padEnd(32)} ${'faces'.padStart(6)}  ${'review, first'.padEnd(15)}  ${'review, next'.padEnd(15)}  ${'rollback'.padEnd(15)}  ${'scan grouping'.padEnd(15)}  written here (before)`,
      `${''.padEnd(32)} ${''.padStart(6)}  ${'   wall    held  '.repeat(5)}(ms)`,
      ...rows.map(
        (r) =>
          `${r.library.slice(-32).padEnd(32)} ${String(r.faces).padStart(6)}  ${f(r.reviewFirst)}  ${f(r.reviewNext)}  ${f(r.rollback)}  ${f(r.scanGrouping)}  ${f(r.scanGroupingWrittenHere)}`,
      ),
    ].join('\n') + '\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-main-thread: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
