#!/usr/bin/env node
// npm run bench:scale -- [--faces N] [--new M] [--no-seed] [--recall-sample S] [--json] [--keep DIR] [--built DIR] [--regrouped DIR] [--prestarted-first]
//
// --regrouped DIR: start from a library kept after its regroup (DIR holds library.db, its
// library.cache, truth.json and mixture.json, as --keep leaves them after a run), with no build
// and no regroup: only the add phases run (quicker, for before/after comparisons of adding).
// --prestarted-first: add-prestarted runs before add (by default after), to alternate the order.
//
// --built DIR: the synthetic library as built (before any grouping) is kept in DIR and, when DIR
// already holds one built with the same options, copied from there instead of built again: runs
// to compare (two branches, a profile) then start from the very same library.
//
// Grouping at the scale of a large home library, on synthetic embeddings written into a real
// library database (a temporary folder): N faces (default 150,000) of people whose sizes follow
// a power law (a few people in thousands of photos, many strangers seen once or twice), one to
// four faces a photo (never one person twice), 128-d descriptors drawn as a Gaussian mixture
// (each person a centre, each face that centre plus noise; some people look-alikes of another,
// as relatives are) and, unless --no-seed, a 500-d seed embedding per face drawn the same way,
// so that the installed pair head runs on the candidate pairs as in a scan. The user's
// decisions are written as the window writes them: named people with faces the user placed,
// a hidden person, "same" and "different" answers.
//
// Then, each in a process of its own (so that its peak memory is its own):
//   regroup  every face without a user decision grouped from scratch (a first scan's grouping),
//            through the product's own path (GroupingService.groupNewFaces, planned and written
//            in the library worker);
//   add      M new faces (new photos) written, then grouped the same way (a scan that found them),
//            in a fresh process: the cold figure (the worker started when the plan is asked);
//   add-prestarted  the same on a copy of the library as regrouped, the way a scan groups: the
//            worker prestarted (GroupingService.prestart) and its read-ahead done (the pair head,
//            the candidate search, the existing faces' descriptor rows) before the new faces are
//            written, as a scan's analysis gives it time; the time from "new faces written" to
//            "grouping written". Both are printed; the faces' groups of the two must be the same
//            (checked: the bench fails if not).
// Prints the wall time of each, the process's peak RSS, BCubed and pairwise figures against the
// truth, the recall@k of the candidate search (the product's kNN against an exact search in
// plain JS on --recall-sample faces), and checks that every user decision survived each run:
// the bench fails (exit code 1) if one did not. A benchmark, not a test: figures only.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../../core/analysis/descriptor.js';
import { createApp, type FacePairApp as App } from '../../core/app.js';
import { toBlob } from '../../core/db/blobs.js';
import { openDatabase } from '../../core/db/database.js';
import { SEED_EMBEDDING_DIM } from '../../core/embedding/seed/seed-architecture.js';
import { scoreGrouping, type GroupingScores } from '../../core/grouping/grouping-metrics.js';
import { DEFAULT_GROUPING } from '../../core/grouping/grouping.service.js';
import { candidateNeighbours, EXACT_PAIR_LIMIT } from '../../core/grouping/knn.js';
import { Rng } from '../../core/ml/rng.js';

interface Options {
  faces: number;
  add: number;
  seed: boolean;
  recallSample: number;
  json: boolean;
  keep: string | null;
  built: string | null;
  regrouped: string | null;
  prestartedFirst: boolean;
}

function parseArgs(argv: string[]): Options | null {
  const o: Options = { faces: 150_000, add: 1000, seed: true, recallSample: 200, json: false, keep: null, built: null, regrouped: null, prestartedFirst: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} takes a whole number`);
      return v;
    };
    if (a === '--faces') o.faces = num();
    else if (a === '--new') o.add = num();
    else if (a === '--recall-sample') o.recallSample = num();
    else if (a === '--no-seed') o.seed = false;
    else if (a === '--json') o.json = true;
    else if (a === '--keep' && argv[i + 1]) o.keep = path.resolve(argv[++i]!);
    else if (a === '--built' && argv[i + 1]) o.built = path.resolve(argv[++i]!);
    else if (a === '--regrouped' && argv[i + 1]) o.regrouped = path.resolve(argv[++i]!);
    else if (a === '--prestarted-first') o.prestartedFirst = true;
    else return null;
  }
  return o.faces >= 100 ? o : null;
}

function gaussian(r: Rng): number {
  return Math.sqrt(-2 * Math.log(r.next() + 1e-12)) * Math.cos(2 * Math.PI * r.next());
}

/** What the library was built with: the truth, and the user's decisions to check after each run. */
interface Truth {
  /** Person (truth) of each face id. */
  identity: Record<number, number>;
  /** Faces the user placed, with their person. */
  placed: Array<[faceId: number, personId: number]>;
  named: Array<[personId: number, name: string]>;
  hidden: number[];
  same: Array<[number, number]>;
  different: Array<[number, number]>;
  /** The faces added by the second run. */
  added: number[];
}

/** Person sizes: a power law over the first few hundred people (family, friends), the rest strangers of one or two faces. */
function personSizes(total: number, r: Rng): number[] {
  const sizes: number[] = [];
  let n = 0;
  const top = Math.max(20, Math.round(total * 0.03));
  for (let rank = 1; n < total * 0.7; rank++) {
    const s = Math.max(2, Math.round(top / Math.pow(rank, 0.9)));
    sizes.push(s);
    n += s;
  }
  while (n < total) {
    const s = Math.min(total - n, 1 + Math.floor(r.next() * 2));
    sizes.push(s);
    n += s;
  }
  return sizes;
}

/** Scale of the mixture: face-api descriptors of one person lie about 0.4 apart, of two people about 1.0. */
const DESCRIPTOR_CENTRE_SIGMA = 0.95 / Math.sqrt(2 * DESCRIPTOR_DIMS);
const SEED_CENTRE_SIGMA = 1 / Math.sqrt(SEED_EMBEDDING_DIM);

async function build(dir: string, o: Options): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const app = createApp({ dbFile: path.join(dir, 'library.db') });
  const r = new Rng(o.faces * 7 + o.add);
  try {
    const descModel = app.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
    const seedModel = o.seed ? await app.seedEmbedding.modelId() : null;
    if (o.seed && seedModel === null) throw new Error('no seed model installed: run with --no-seed');
    const total = o.faces + o.add;
    const sizes = personSizes(total, r);
    // Centres: most people drawn at random, one in twenty a look-alike of an earlier one.
    const centre: Float32Array[] = [], seedCentre: Float32Array[] = [], spread: number[] = [];
    for (let p = 0; p < sizes.length; p++) {
      const like = p > 10 && r.next() < 0.05 ? Math.floor(r.next() * p) : -1;
      const c = Float32Array.from({ length: DESCRIPTOR_DIMS }, (_, d) => (like >= 0 ? centre[like]![d]! + gaussian(r) * DESCRIPTOR_CENTRE_SIGMA * 0.6 : gaussian(r) * DESCRIPTOR_CENTRE_SIGMA));
      centre.push(c);
      seedCentre.push(Float32Array.from({ length: SEED_EMBEDDING_DIM }, () => Math.abs(gaussian(r)) * SEED_CENTRE_SIGMA * 2));
      spread.push((0.34 + r.next() * 0.16) / Math.sqrt(2 * DESCRIPTOR_DIMS));
    }
    // Faces in a random order, dealt into photos of one to four distinct people.
    const facePerson: number[] = [];
    sizes.forEach((s, p) => {
      for (let k = 0; k < s; k++) facePerson.push(p);
    });
    for (let i = facePerson.length - 1; i > 0; i--) {
      const j = Math.floor(r.next() * (i + 1));
      [facePerson[i], facePerson[j]] = [facePerson[j]!, facePerson[i]!];
    }
    const now = new Date().toISOString();
    const photoStmt = app.db.prepare(
      `INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, status, analyzer_version, added_at, updated_at)
       VALUES (?, 1000, 0, ?, 'jpeg', 1600, 1200, 'done', 1, ?, ?)`,
    );
    const faceStmt = app.db.prepare(
      `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, person_id, assigned_by, created_at)
       VALUES (?, ?, ?, 80, 100, 120, 0.95, 0, ?, 'c.jpg', 'a.jpg', NULL, NULL, ?)`,
    );
    const embStmt = app.db.prepare('INSERT INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
    const landmarks = Buffer.alloc(136 * 4);
    const truth: Truth = { identity: {}, placed: [], named: [], hidden: [], same: [], different: [], added: [] };
    const facesOf = new Map<number, number[]>();
    const writeFaces = (from: number, to: number): void => {
      app.db.transaction(() => {
        let i = from, photo = 0;
        while (i < to) {
          photo++;
          const photoId = Number(photoStmt.run(`/synthetic/lib/p${photo}.jpg`, `hl${photo}`, now, now).lastInsertRowid);
          const want = r.next() < 0.6 ? 1 : 2 + Math.floor(r.next() * 3);
          const here = new Set<number>();
          for (let idx = 0; idx < want && i < to && !here.has(facePerson[i]!); idx++, i++) {
            const p = facePerson[i]!;
            here.add(p);
            const faceId = Number(faceStmt.run(photoId, idx, 150 + idx * 200, landmarks, now).lastInsertRowid);
            truth.identity[faceId] = p;
            facesOf.set(p, [...(facesOf.get(p) ?? []), faceId]);
            const c = centre[p]!, s = spread[p]!;
            embStmt.run(faceId, descModel, toBlob(Float32Array.from(c, (v) => v + gaussian(r) * s)));
            if (seedModel !== null) {
              const sc = seedCentre[p]!;
              embStmt.run(faceId, seedModel, toBlob(Float32Array.from(sc, (v) => Math.max(0, v + gaussian(r) * SEED_CENTRE_SIGMA * 0.8))));
            }
          }
        }
      })();
    };
    writeFaces(0, o.faces);

    // The user's decisions, on the library's people (the new faces come later, undecided).
    const bigPeople = [...facesOf.entries()].filter(([, f]) => f.length >= 4).map(([p]) => p);
    const personStmt = app.db.prepare('INSERT INTO people (name, hidden, created_at, updated_at) VALUES (?, ?, ?, ?)');
    const placeStmt = app.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?");
    const labelStmt = app.db.prepare('INSERT OR IGNORE INTO labels (face_a, face_b, same, source, created_at) VALUES (?, ?, ?, ?, ?)');
    app.db.transaction(() => {
      const decided = bigPeople.slice(0, Math.min(bigPeople.length, 40));
      decided.forEach((p, k) => {
        const hidden = k % 10 === 9;
        const name = hidden ? null : `Person ${p}`;
        const personId = Number(personStmt.run(name, hidden ? 1 : 0, now, now).lastInsertRowid);
        if (hidden) truth.hidden.push(personId);
        else truth.named.push([personId, name!]);
        // The user placed a few of this person's faces (a name given to a face is a placement).
        for (const f of facesOf.get(p)!.slice(0, 3)) {
          placeStmt.run(personId, f);
          truth.placed.push([f, personId]);
        }
      });
      // Answers in the Review queue: "same" and "different" pairs among the people's other faces.
      for (let a = 0; a < Math.min(300, bigPeople.length * 2); a++) {
        const p = bigPeople[Math.floor(r.next() * bigPeople.length)]!;
        const fs = facesOf.get(p)!;
        const same = a % 2 === 0;
        const f1 = fs[3 + Math.floor(r.next() * (fs.length - 3))]!;
        let f2: number;
        if (same) f2 = fs[3 + Math.floor(r.next() * (fs.length - 3))]!;
        else {
          const q = bigPeople[Math.floor(r.next() * bigPeople.length)]!;
          if (q === p) continue;
          const gs = facesOf.get(q)!;
          f2 = gs[3 + Math.floor(r.next() * (gs.length - 3))]!;
        }
        if (f1 === f2) continue;
        const [lo, hi] = f1 < f2 ? [f1, f2] : [f2, f1];
        if (labelStmt.run(lo, hi, same ? 1 : 0, 'review', now).changes > 0) (same ? truth.same : truth.different).push([lo, hi]);
      }
    })();
    // The new faces are written by the `add` phase; keep their draw here so that they follow the same mixture.
    writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
    // Kept for the add phase: the mixture of the people the new faces belong to.
    const pendingPeople = new Set(facePerson.slice(o.faces));
    writeFileSync(
      path.join(dir, 'mixture.json'),
      JSON.stringify({
        facePerson: facePerson.slice(o.faces),
        people: Object.fromEntries([...pendingPeople].map((p) => [p, { c: [...centre[p]!], s: spread[p], sc: [...seedCentre[p]!] }])),
      }),
    );
  } finally {
    app.close();
  }
}

/** Writes the pending new faces (as a scan's analysis would): new photos, undecided faces. */
function addFaces(app: App, dir: string, seed: boolean, truth: Truth): Promise<void> {
  const mix = JSON.parse(readFileSync(path.join(dir, 'mixture.json'), 'utf8')) as { facePerson: number[]; people: Record<number, { c: number[]; s: number; sc: number[] }> };
  const r = new Rng(12345);
  const now = new Date().toISOString();
  const descModel = app.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
  return (async () => {
    const seedModel = seed ? await app.seedEmbedding.modelId() : null;
    const photoStmt = app.db.prepare(
      `INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, status, analyzer_version, added_at, updated_at)
       VALUES (?, 1000, 0, ?, 'jpeg', 1600, 1200, 'done', 1, ?, ?)`,
    );
    const faceStmt = app.db.prepare(
      `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, person_id, assigned_by, created_at)
       VALUES (?, 0, 150, 80, 100, 120, 0.95, 0, ?, 'c.jpg', 'a.jpg', NULL, NULL, ?)`,
    );
    const embStmt = app.db.prepare('INSERT INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
    const landmarks = Buffer.alloc(136 * 4);
    app.db.transaction(() => {
      mix.facePerson.forEach((p, i) => {
        const m = mix.people[p]!;
        const photoId = Number(photoStmt.run(`/synthetic/new/p${i}.jpg`, `hn${i}`, now, now).lastInsertRowid);
        const faceId = Number(faceStmt.run(photoId, landmarks, now).lastInsertRowid);
        truth.identity[faceId] = p;
        truth.added.push(faceId);
        embStmt.run(faceId, descModel, toBlob(Float32Array.from(m.c, (v) => v + gaussian(r) * m.s)));
        if (seedModel !== null) embStmt.run(faceId, seedModel, toBlob(Float32Array.from(m.sc, (v) => Math.max(0, v + gaussian(r) * SEED_CENTRE_SIGMA * 0.8))));
      });
    })();
  })();
}

/** Every user decision as it was written, or the list of those that did not survive. */
function checkDecisions(app: App, t: Truth): string[] {
  const broken: string[] = [];
  const face = app.db.prepare<[number], { person_id: number | null; assigned_by: string | null }>('SELECT person_id, assigned_by FROM faces WHERE id = ?');
  const person = app.db.prepare<[number], { name: string | null; hidden: number }>('SELECT name, hidden FROM people WHERE id = ?');
  for (const [f, p] of t.placed) {
    const row = face.get(f);
    if (row?.person_id !== p || row.assigned_by !== 'user') broken.push(`face ${f} placed in person ${p} is now in ${row?.person_id ?? 'none'} (${row?.assigned_by ?? '-'})`);
  }
  for (const [p, name] of t.named) if (person.get(p)?.name !== name) broken.push(`person ${p} lost its name ${name}`);
  for (const p of t.hidden) if (person.get(p)?.hidden !== 1) broken.push(`person ${p} is no longer hidden`);
  for (const [a, b] of t.same) {
    const pa = face.get(a)?.person_id, pb = face.get(b)?.person_id;
    if (pa == null || pa !== pb) broken.push(`faces ${a} and ${b} answered "same" are in ${pa ?? 'none'} and ${pb ?? 'none'}`);
  }
  for (const [a, b] of t.different) {
    const pa = face.get(a)?.person_id, pb = face.get(b)?.person_id;
    if (pa != null && pa === pb) broken.push(`faces ${a} and ${b} answered "different" are both in person ${pa}`);
  }
  const labels = app.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM labels').get()!.n;
  if (labels !== t.same.length + t.different.length) broken.push(`${t.same.length + t.different.length} answers written, ${labels} now`);
  return broken;
}

function scores(app: App, t: Truth): GroupingScores {
  const rows = app.db.prepare<[], { id: number; person_id: number | null }>('SELECT id, person_id FROM faces ORDER BY id').all();
  return scoreGrouping(
    rows.map((f) => (f.person_id === null ? `face${f.id}` : f.person_id)),
    rows.map((f) => t.identity[f.id]!),
  );
}

/** The product's candidate search against an exact search in plain JS, on a sample of faces: the share of the true k nearest within maxEdge (the pairs grouping can link) that it found. */
async function recallAtK(app: App, sample: number): Promise<number | null> {
  if (sample === 0) return null;
  const all = app.faces.listForGrouping(app.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS));
  const n = all.length, dims = DESCRIPTOR_DIMS, k = DEFAULT_GROUPING.k;
  const base = new Float32Array(n * dims);
  all.forEach((f, i) => base.set(f.vector, i * dims));
  const r = new Rng(99);
  const queries = Int32Array.from({ length: Math.min(sample, n) }, () => Math.floor(r.next() * n));
  // The search as the full regroup ran it (all faces against all): exact or IVF by its size.
  const asRun = n * n <= EXACT_PAIR_LIMIT ? {} : { exactPairLimit: 0 };
  const maxDistance = DEFAULT_GROUPING.maxEdge;
  const found = await candidateNeighbours(base, n, dims, queries, k, { ...asRun, maxDistance });
  let hit = 0, want = 0;
  queries.forEach((q, row) => {
    const d = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < dims; c++) {
        const x = base[q * dims + c]! - base[j * dims + c]!;
        s += x * x;
      }
      d[j] = j === q ? Infinity : s;
    }
    // The true k nearest within maxEdge: the pairs grouping can link.
    const order = Array.from(d.keys())
      .sort((a, b) => d[a]! - d[b]!)
      .slice(0, Math.min(k, n - 1))
      .filter((j) => Math.sqrt(d[j]!) <= maxDistance);
    const got = new Set(Array.from(found.index.subarray(row * k, (row + 1) * k)));
    for (const j of order) {
      want++;
      if (got.has(j)) hit++;
    }
  });
  return want === 0 ? 1 : hit / want;
}

type Phase = 'regroup' | 'add' | 'add-prestarted';

interface PhaseResult {
  phase: Phase;
  /** add-prestarted: whether the worker's read-ahead had usable descriptor rows. */
  preloaded?: boolean;
  /** add-prestarted: whether the worker's read-ahead had the faces' fields (migration 19's change log). */
  preloadedFaces?: boolean;
  ms: number;
  peakRssMiB: number;
  faces: number;
  newFaces: number;
  people: number;
  scores: GroupingScores;
  recallAtK: number | null;
  stages: Record<string, number>;
  broken: string[];
}

async function runPhase(dir: string, phase: Phase, o: Options): Promise<PhaseResult> {
  process.env.FACEPAIR_GROUPING_STAGES = '1'; // the summary then holds each stage's time (the worker thread sees it too)
  const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as Truth;
  const app = createApp({ dbFile: path.join(dir, 'library.db') });
  try {
    await app.grouping.mergeRule(); // the settings and the learned tuning are read once per app: not what this measures
    // A scan's path: the worker started as the analysis begins, and given the time to read ahead.
    const prestarted = phase === 'add-prestarted' ? app.grouping.prestart() : null;
    const ahead = prestarted === null ? undefined : await app.grouping.preloaded();
    const preloaded = prestarted === null ? undefined : (ahead?.descriptors ?? false);
    const preloadedFaces = prestarted === null ? undefined : (ahead?.faces ?? false);
    if (phase !== 'regroup') await addFaces(app, dir, o.seed, truth);
    const t0 = performance.now();
    const summary = await app.grouping.groupNewFaces();
    const ms = performance.now() - t0;
    prestarted?.();
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    if (phase !== 'regroup') writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(truth));
    const people = app.db.prepare<[], { n: number }>('SELECT count(DISTINCT person_id) AS n FROM faces WHERE person_id IS NOT NULL').get()!.n;
    return {
      phase,
      ...(preloaded === undefined ? {} : { preloaded }),
      ...(preloadedFaces === undefined ? {} : { preloadedFaces }),
      ms,
      peakRssMiB,
      faces: summary.faces,
      newFaces: summary.newFaces,
      people,
      scores: scores(app, truth),
      recallAtK: phase === 'regroup' ? await recallAtK(app, o.recallSample) : null,
      stages: summary.stages ?? {},
      broken: checkDecisions(app, truth),
    };
  } finally {
    app.close();
  }
}

function child(args: string[]): unknown {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, ...args], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench-scale ${args[0]} failed (exit ${r.status ?? r.signal})`);
  return JSON.parse(r.stdout.toString('utf8'));
}

/** Copies a library folder as a run leaves it (database, its cache folder, truth and mixture). */
function copyLibrary(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of ['library.db', 'truth.json', 'mixture.json']) copyFileSync(path.join(from, f), path.join(to, f));
  if (existsSync(path.join(from, 'library.cache'))) cpSync(path.join(from, 'library.cache'), path.join(to, 'library.cache'), { recursive: true });
}

/** Whether two libraries put their faces in the same groups (the person ids may differ, the partition may not). */
function samePartition(a: string, b: string): boolean {
  const read = (file: string): Array<{ id: number; person_id: number | null }> => {
    const db = openDatabase(file, { create: false, readonly: true });
    try {
      return db.prepare<[], { id: number; person_id: number | null }>('SELECT id, person_id FROM faces ORDER BY id').all();
    } finally {
      db.close();
    }
  };
  const ra = read(a), rb = read(b);
  if (ra.length !== rb.length) return false;
  const ab = new Map<number, number>(), ba = new Map<number, number>();
  for (let i = 0; i < ra.length; i++) {
    const x = ra[i]!, y = rb[i]!;
    if (x.id !== y.id || (x.person_id === null) !== (y.person_id === null)) return false;
    if (x.person_id === null) continue;
    if ((ab.get(x.person_id) ?? y.person_id) !== y.person_id || (ba.get(y.person_id!) ?? x.person_id) !== x.person_id) return false;
    ab.set(x.person_id, y.person_id!);
    ba.set(y.person_id!, x.person_id);
  }
  return true;
}

/** The files a built library is made of (the database checkpointed on close). */
const BUILT_FILES = ['library.db', 'truth.json', 'mixture.json'];

/** Builds the library into `dir`, or copies it from --built where one was built with the same options (and keeps it there when built). */
function buildOrCopy(dir: string, o: Options): void {
  const key = JSON.stringify({ faces: o.faces, add: o.add, seed: o.seed });
  const from = o.built;
  if (from !== null && existsSync(path.join(from, 'options.json')) && readFileSync(path.join(from, 'options.json'), 'utf8') === key) {
    mkdirSync(dir, { recursive: true });
    for (const f of BUILT_FILES) copyFileSync(path.join(from, f), path.join(dir, f));
    return;
  }
  child(['--phase', 'build', dir, JSON.stringify(o)]);
  if (from !== null) {
    mkdirSync(from, { recursive: true });
    for (const f of BUILT_FILES) copyFileSync(path.join(dir, f), path.join(from, f));
    writeFileSync(path.join(from, 'options.json'), key);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--phase') {
    const [, phase, dir, opts] = argv;
    const o = JSON.parse(opts!) as Options;
    if (phase === 'build') {
      await build(dir!, o);
      process.stdout.write('{}');
    } else process.stdout.write(JSON.stringify(await runPhase(dir!, phase as Phase, o)));
    return;
  }
  let o: Options | null;
  try {
    o = parseArgs(argv);
  } catch {
    o = null;
  }
  if (!o) {
    process.stderr.write('usage: npm run bench:scale -- [--faces N (>= 100)] [--new M] [--no-seed] [--recall-sample S] [--json] [--keep DIR] [--built DIR] [--regrouped DIR] [--prestarted-first]\n');
    process.exitCode = 2;
    return;
  }
  const dir = o.keep ?? mkdtempSync(path.join(os.tmpdir(), 'facepair-scale-'));
  try {
    const tb = performance.now();
    if (o.regrouped !== null) copyLibrary(o.regrouped, dir);
    else buildOrCopy(dir, o);
    const buildMs = performance.now() - tb;
    const regroup = o.regrouped !== null ? null : (child(['--phase', 'regroup', dir, JSON.stringify(o)]) as PhaseResult);
    // The prestarted add on a copy of the library as regrouped, so that both adds start from the same state.
    const dirPre = `${dir}-prestarted`;
    if (o.add > 0) copyLibrary(dir, dirPre);
    let add: PhaseResult | null = null;
    let addPre: PhaseResult | null = null;
    let sameGroups: boolean | null = null;
    try {
      // --prestarted-first: the other order, so that runs can alternate which goes first.
      if (o.prestartedFirst && o.add > 0) addPre = child(['--phase', 'add-prestarted', dirPre, JSON.stringify(o)]) as PhaseResult;
      add = o.add > 0 ? (child(['--phase', 'add', dir, JSON.stringify(o)]) as PhaseResult) : null;
      if (!o.prestartedFirst && o.add > 0) addPre = child(['--phase', 'add-prestarted', dirPre, JSON.stringify(o)]) as PhaseResult;
      sameGroups = o.add > 0 ? samePartition(path.join(dir, 'library.db'), path.join(dirPre, 'library.db')) : null;
    } finally {
      rmSync(dirPre, { recursive: true, force: true });
    }
    const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    const result = { faces: o.faces, add: o.add, seed: o.seed, buildMs, load, regroup, added: add, addedPrestarted: addPre, sameGroups };
    if (o.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    else {
      const line = (p: PhaseResult): string =>
        `${p.phase.padEnd(8)} ${(p.ms / 1000).toFixed(2).padStart(7)} s${p.preloaded === undefined ? '' : ` (read ahead: descriptors ${p.preloaded ? 'yes' : 'NO'}, faces ${p.preloadedFaces ? 'yes' : 'NO'})`}  peak RSS ${p.peakRssMiB.toFixed(0).padStart(5)} MiB  ` +
        `faces ${p.faces} (${p.newFaces} grouped)  people ${p.people}  BCubed P ${p.scores.bcubedPrecision.toFixed(3)} R ${p.scores.bcubedRecall.toFixed(3)} F ${p.scores.bcubedF.toFixed(3)}` +
        (p.recallAtK === null ? '' : `  recall@${DEFAULT_GROUPING.k}≤${DEFAULT_GROUPING.maxEdge} ${p.recallAtK.toFixed(4)}`) +
        `  decisions ${p.broken.length === 0 ? 'all kept' : `${p.broken.length} BROKEN`}\n         ` +
        Object.entries(p.stages).map(([s, ms]) => `${s} ${(ms / 1000).toFixed(2)} s`).join(', ');
      process.stdout.write(`${o.faces} synthetic faces${o.seed ? ' with seed embeddings' : ''}, built in ${(buildMs / 1000).toFixed(1)} s; load average ${load}\n`);
      if (regroup) process.stdout.write(line(regroup) + '\n');
      if (add) process.stdout.write(`${line(add)}\n         (cold: a fresh worker when the plan is asked)\n`);
      if (addPre) process.stdout.write(`${line(addPre)}\n         (a scan's path: worker prestarted, read ahead before the new faces were written)\n`);
      if (sameGroups !== null) process.stdout.write(`faces' groups after add and add-prestarted: ${sameGroups ? 'the same' : 'DIFFERENT'}\n`);
    }
    const broken = [...(regroup?.broken ?? []), ...(add?.broken ?? []), ...(addPre?.broken ?? [])];
    if (sameGroups === false) {
      process.stderr.write('add and add-prestarted grouped the faces differently\n');
      process.exitCode = 1;
    }
    if (broken.length > 0) {
      for (const b of broken.slice(0, 20)) process.stderr.write(`user decision lost: ${b}\n`);
      process.exitCode = 1;
    }
  } finally {
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
