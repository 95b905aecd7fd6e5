/**
 * The LFW evaluation, the seed training loop and the seed embedding stage on a small slice
 * of LFW: the images of 20 View 1 test pairs, 12 threshold pairs and 5 DevTrain people,
 * scanned with the ordinary pipeline into a temporary cache database.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createApp } from '../../src-main/core/app.js';
import { EmbeddingsRepository } from '../../src-main/core/db/embeddings.repository.js';
import { evaluateLfw, figuresOf } from '../../src-main/core/benchmarks/lfw/lfw-eval.js';
import { ensureLfwScanned } from '../../src-main/core/benchmarks/lfw/lfw-faces.js';
import {
  devTrainPairs,
  devTrainPeople,
  imageKey,
  imagePath,
  isValidationPerson,
  lfwDataset,
  testPairs,
  type LfwImage,
  type LfwPair,
} from '../../src-main/core/benchmarks/lfw/lfw-protocol.js';
import { SeedEmbeddingService } from '../../src-main/core/embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from '../../src-main/core/grouping/candidate-pair-head.js';
import { loadMlRuntime } from '../../src-main/core/ml/runtime.js';
import { FUSED_FEATURES, saveFusedHead, type FusedHead } from '../../src-main/core/embedding/seed/fused-head.js';
import { SeedEmbedder } from '../../src-main/core/embedding/seed/seed-embedder.js';
import { buildDistillHead, buildExtractor, buildPairHead } from '../../src-main/core/embedding/seed/seed-architecture.js';
import { setPairScore } from '../../src-main/core/embedding/seed/seed-manifest.js';
import { loadSeedModel, saveSeedModel } from '../../src-main/core/embedding/seed/seed-model-files.js';
import { trainSeedScore } from '../../src-main/core/training/seed-score-trainer.js';
import { refitPairHead } from '../../src-main/core/training/seed/refit-head.js';
import { trainSeed } from '../../src-main/core/training/seed/seed-trainer.js';
import { DEFAULT_TRAIN_SEED } from '../../src-main/core/training/seed/train-options.js';
import { LFW, tempDir } from '../support/paths.js';

const work = tempDir('lfw-slice');
const data = path.join(work, 'lfw');
const cacheDb = path.join(work, 'cache', 'lfw.db');
const ds = lfwDataset(LFW);

const v1 = testPairs(ds, 'view1');
const slice: LfwPair[] = [...v1.slice(0, 10), ...v1.slice(500, 510)];
const dt = devTrainPairs(ds);
const thresholdSlice: LfwPair[] = [...dt.slice(0, 6), ...dt.slice(1100, 1106)];
const small = devTrainPeople(ds).filter((p) => p.images >= 3 && p.images <= 4);
const trainPeople = [...small.filter((p) => isValidationPerson(p.name)).slice(0, 2), ...small.filter((p) => !isValidationPerson(p.name)).slice(0, 3)];
const images: LfwImage[] = [
  ...[...slice, ...thresholdSlice].flatMap((p) => [p.a, p.b]),
  ...trainPeople.flatMap((p) => Array.from({ length: p.images }, (_, k) => ({ name: p.name, n: k + 1 }))),
];

const { tf } = await loadMlRuntime();

async function randomSeedModel(dir: string, seed: number): Promise<void> {
  tf.util.seedrandom?.(String(seed));
  const extractor = buildExtractor(tf);
  const head = buildPairHead(tf);
  const distill = buildDistillHead(tf);
  // Distinct weights per seed: scale one kernel.
  const w = extractor.getLayer('seed_conv6').getWeights();
  extractor.getLayer('seed_conv6').setWeights([tf.mul(w[0]!, seed), w[1]!]);
  await saveSeedModel(dir, { extractor, head, distill }, tf);
}

beforeAll(async () => {
  const imagesDir = path.join(data, 'images');
  for (const img of images) {
    const to = imagePath(imagesDir, img);
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(imagePath(ds.imagesDir, img), to);
  }
  for (const f of ['pairs.txt', 'pairsDevTest.txt', 'pairsDevTrain.txt', 'peopleDevTrain.txt', 'peopleDevTest.txt']) copyFileSync(path.join(LFW, f), path.join(data, f));
  await ensureLfwScanned(cacheDb, imagesDir, images.map(imageKey), { scan: true });
}, 600_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('facepair eval lfw on a slice of View 1', () => {
  it('reproduces the descriptor figures of 20 DevTest pairs (threshold from 12 DevTrain pairs)', async () => {
    const r = await evaluateLfw({ data, cacheDb, protocol: 'view1', matcher: 'descriptor', scan: false, pairs: slice, thresholdPairs: thresholdSlice, figuresDir: path.join(work, 'figures') });
    expect({ matcher: r.matcher, protocol: r.protocol, pairs: r.pairs, misses: r.misses }).toEqual({ matcher: 'descriptor', protocol: 'view1', pairs: 20, misses: 0 });
    expect(r.accuracy).toBe(1);
    expect(r.auc).toBe(1);
    expect(r.stderr).toBe(0);
    expect(r.confusion).toEqual({ tp: 10, fp: 0, tn: 10, fn: 0 });
    expect(r.figures?.roc).toMatch(/descriptor-view1-roc\.png$/);
    // What `facepair eval lfw --json` prints: exactly these keys.
    expect(Object.keys(figuresOf(r))).toEqual(['matcher', 'protocol', 'accuracy', 'stderr', 'auc', 'pairs', 'misses']);
  });

  it('scores pairs with a seed model, symmetrically', async () => {
    const dir = path.join(work, 'seed-a');
    await randomSeedModel(dir, 1);
    const r = await evaluateLfw({ data, cacheDb, protocol: 'view1', matcher: 'seed', scan: false, pairs: slice, thresholdPairs: thresholdSlice, seedDir: dir, figuresDir: null });
    expect(r.pairs).toBe(20);
    expect(r.auc).toBeGreaterThanOrEqual(0);
    const swapped = slice.map((p) => ({ ...p, a: p.b, b: p.a }));
    const s = await evaluateLfw({ data, cacheDb, protocol: 'view1', matcher: 'seed', scan: false, pairs: swapped, thresholdPairs: thresholdSlice, seedDir: dir, figuresDir: null });
    expect(s.auc).toBeCloseTo(r.auc, 12);
    expect(s.accuracy).toBeCloseTo(r.accuracy, 12);
  });
});

describe('facepair train-seed-score on the held-out people of the slice', () => {
  it('fits the pair score into seed.json; `seed` then differs from `seed-head`, which stays the head alone; embeddings come from the cache', async () => {
    const dir = path.join(work, 'seed-score');
    await randomSeedModel(dir, 2);
    const before = await SeedEmbedder.load(dir);
    const logs: string[] = [];
    const log = (line: string): void => void logs.push(line);
    const r = await trainSeedScore({ data, cacheDb, scan: false, seedDir: dir, pairs: 8, log });
    expect(r.score.features).toEqual(['headLogit', 'rootCosine']);
    expect(r.pairs).toBe(8);
    expect(r.people).toBeGreaterThanOrEqual(2);
    expect(r.score.trainedOn).toMatch(/^LFW View 1 DevTrain: 8 pairs \(half same person\) among \d+ people held out/);
    for (const v of [...r.score.weights, r.score.bias, r.fitAuc.score]) expect(Number.isFinite(v)).toBe(true);
    await setPairScore(dir, r.score);
    const after = await SeedEmbedder.load(dir);
    expect(after.key).toBe(before.key);
    expect(after.pairKey).toBe(`${before.pairKey}+score:${after.pairKey.slice(-8)}`);
    before.dispose();
    after.dispose();

    const run = (matcher: 'seed' | 'seed-head') => evaluateLfw({ data, cacheDb, protocol: 'view1', matcher, scan: false, pairs: slice, thresholdPairs: thresholdSlice, seedDir: dir, figuresDir: null, log });
    const headAlone = await run('seed-head');
    const scored = await run('seed');
    expect(scored.pairs).toBe(20);
    await setPairScore(dir, null);
    const unscored = await run('seed');
    // Without a pair score the seed matcher is the head alone, exactly.
    expect([unscored.auc, unscored.accuracy]).toEqual([headAlone.auc, headAlone.accuracy]);
    expect(scored.thresholds[0]).not.toBe(headAlone.thresholds[0]);
    // The fitting run embedded the held-out images; the evaluations embedded only what it had not.
    const embedLines = logs.filter((l) => l.startsWith('seed embeddings of'));
    expect(embedLines.slice(2)).toEqual(expect.arrayContaining([expect.stringMatching(/^seed embeddings of 0 images in 0 s \(\d+ more from the embedding cache\)$/)]));
    expect(embedLines.at(-1)).toMatch(/^seed embeddings of 0 images/);
  }, 300_000);
});

describe('facepair train-seed', () => {
  const base = {
    ...DEFAULT_TRAIN_SEED,
    data,
    cacheDb,
    scan: false,
    workDir: path.join(work, 'train'),
    outDir: path.join(work, 'model'),
    batchPairs: 2,
    stepsPerEpoch: 2,
    validationPairs: 8,
    log: (): void => {},
  };

  it('trains a few steps, checkpoints, and resumes where it stopped', async () => {
    const first = await trainSeed({ ...base, maxEpochs: 2 });
    expect(first).toMatchObject({ stopped: 'max-epochs', epochs: 2, steps: 4, validationPeople: 2 });
    // The 5 chosen people plus the DevTrain people of the threshold pairs, minus the held-out ones.
    expect(first.trainPeople).toBeGreaterThanOrEqual(3);
    expect(first.best).not.toBeNull();
    const lines: string[] = [];
    const second = await trainSeed({ ...base, maxEpochs: 3, log: (l) => lines.push(l) });
    expect(lines.some((l) => /resumed from .*epoch 2, step 4/.test(l))).toBe(true);
    expect(second).toMatchObject({ epochs: 3, steps: 6 });
    const model = await SeedEmbedder.load(base.outDir);
    expect(model.hasDistill).toBe(true);
    model.dispose();
  }, 300_000);

  it('trains on the distillation target alone over two threads, and a new run can start from a saved model', async () => {
    const distillOnly = {
      ...base,
      workDir: path.join(work, 'train-distill'),
      outDir: path.join(work, 'model-distill'),
      pairWeight: 0,
      gradWorkers: 1,
      maxShift: 4,
      schedule: 'cosine' as const,
      scheduleMinutes: 1,
      warmupMinutes: 0.1,
      maxEpochs: 2,
    };
    const lines: string[] = [];
    const r = await trainSeed({ ...distillOnly, log: (l) => lines.push(l) });
    expect(r).toMatchObject({ stopped: 'max-epochs', epochs: 2, steps: 4 });
    expect(lines.some((l) => /data-parallel: 2 threads, 1 pairs each per step/.test(l))).toBe(true);
    expect(r.best?.valDistillAuc).toBeGreaterThanOrEqual(0);
    expect(r.best?.liveUnits).toBeGreaterThan(0);
    // From those weights, with a learning rate too small to move them: the extractor is the
    // saved one, but for the embedding layer's dead units, which are revived.
    const cont = await trainSeed({
      ...distillOnly,
      workDir: path.join(work, 'train-cont'),
      outDir: path.join(work, 'model-cont'),
      initFrom: distillOnly.outDir,
      reviveDeadUnits: true,
      embeddingLrScale: 0.5,
      learningRate: 1e-12,
      maxEpochs: 1,
      log: (l) => lines.push(l),
    });
    expect(cont.steps).toBe(2);
    expect(lines.some((l) => l.startsWith(`initialised from ${distillOnly.outDir}`))).toBe(true);
    expect(lines.some((l) => /^revived \d+ dead embedding units of 500/.test(l))).toBe(true);
    expect(cont.best?.liveUnits).toBeGreaterThanOrEqual(r.best!.liveUnits!);
    const { tf } = await loadMlRuntime();
    const a = await loadSeedModel(distillOnly.outDir, tf), b = await loadSeedModel(path.join(work, 'model-cont'), tf);
    const kernel = (m: typeof a): Float32Array => m.extractor.getLayer('seed_conv3').getWeights()[0]!.dataSync() as Float32Array;
    const ka = kernel(a), kb = kernel(b);
    let diff = 0;
    for (let i = 0; i < ka.length; i++) diff = Math.max(diff, Math.abs(ka[i]! - kb[i]!));
    expect(diff).toBeLessThan(1e-6);
    a.siamese.dispose();
    b.siamese.dispose();

    // The head refit on frozen embeddings, here of two views of each training image and
    // flip-averaged: kept (with the setting) only where it ranks the validation pairs better
    // than the model as it is.
    const headFile = path.join(distillOnly.outDir, 'head', 'weights.bin');
    const headBefore = readFileSync(headFile);
    const refitLines: string[] = [];
    const refit = await refitPairHead({
      data,
      cacheDb,
      scan: false,
      workDir: distillOnly.workDir,
      validationFraction: DEFAULT_TRAIN_SEED.validationFraction,
      validationPairs: 8,
      modelDir: distillOnly.outDir,
      steps: 40,
      batchPairs: 16,
      learningRate: 1e-3,
      evalEvery: 10,
      patience: 2,
      seed: 3,
      views: 2,
      viewShift: 4,
      flipAverage: true,
      log: (l) => refitLines.push(l),
    });
    expect(refit.steps).toBeGreaterThan(0);
    expect(refitLines.some((l) => /^embedded view 2\/2 of \d+ training images \(flip-averaged, random shifts up to 4 px\)/.test(l))).toBe(true);
    expect(refitLines.some((l) => l.startsWith('model as it is (plain): '))).toBe(true);
    expect(refit.replaced).toBe(refit.after.valAuc > refit.before.valAuc);
    expect(existsSync(path.join(distillOnly.outDir, 'head-refit.json'))).toBe(refit.replaced);
    expect(readFileSync(headFile).equals(headBefore)).toBe(!refit.headRefit);
    expect((await loadSeedModel(distillOnly.outDir, tf)).flipAverage === true).toBe(refit.replaced);
    if (refit.replaced) {
      const record = JSON.parse(readFileSync(path.join(distillOnly.outDir, 'head-refit.json'), 'utf8')) as { views: number; head: string };
      expect(record).toMatchObject({ views: 2, head: refit.headRefit ? 'refit' : 'kept', after: { flipAverage: true, shiftAverage: 0 }, before: { flipAverage: false, shiftAverage: 0 } });
    }

    // Model selection on the distillation space's AUC over every pair of the validation
    // pairs' images; a checkpoint from before that criterion starts selection over, so the next
    // epoch's weights are exported whatever the old best was.
    const ckpt = path.join(distillOnly.workDir, 'checkpoint.json');
    const state = JSON.parse(readFileSync(ckpt, 'utf8')) as { selection?: string; bestValLoss: number };
    expect(state.selection).toBe('distill-auc-all-pairs');
    delete state.selection;
    state.bestValLoss = -1; // no later epoch could beat it under the old bookkeeping
    writeFileSync(ckpt, JSON.stringify(state));
    const resumeLines: string[] = [];
    const resumed = await trainSeed({ ...distillOnly, maxEpochs: 3, log: (l) => resumeLines.push(l) });
    expect(resumeLines.some((l) => l.startsWith('the selection criterion changed (earlier -> distill-auc-all-pairs)'))).toBe(true);
    expect(resumed.best?.epoch).toBe(3);
    expect(resumeLines.some((l) => /^epoch 3 done: .* distill-space auc [\d.]+ \(all \d+ pairs of \d+ images\)/.test(l))).toBe(true);
  }, 300_000);
});

describe('the seed embedding stage of the pipeline', () => {
  it('embeds every face once, and re-embeds only faces of an older model version', async () => {
    const app = createApp({ dbFile: cacheDb });
    try {
      const emb = new EmbeddingsRepository(app.db);
      const dirA = path.join(work, 'stage', 'v1');
      await randomSeedModel(dirA, 2);
      const a = new SeedEmbeddingService(app.faces, emb, app.cacheDir, dirA);
      const faces = app.faces.countOnPresentPhotos();
      const first = await a.embedPending();
      expect(first).toMatchObject({ embedded: faces, failed: 0 });
      expect((await a.embedPending()).embedded).toBe(0);
      const idA = (await a.modelId())!;
      expect(emb.count(idA)).toBe(faces);
      await a.dispose();

      const dirB = path.join(work, 'stage', 'v2');
      await randomSeedModel(dirB, 3);
      const b = new SeedEmbeddingService(app.faces, emb, app.cacheDir, dirB);
      // The scan shows this stage's progress: faces embedded of those that need it, from 0 to all.
      const progress: Array<[number, number]> = [];
      expect((await b.embedPending({ batch: 4, onProgress: (done, total) => progress.push([done, total]) })).embedded).toBe(faces);
      expect(progress[0]).toEqual([0, faces]);
      expect(progress.at(-1)).toEqual([faces, faces]);
      expect(progress.length).toBe(1 + Math.ceil(faces / 4));
      expect(progress.every(([done], k) => k === 0 || done > progress[k - 1]![0])).toBe(true);
      expect(emb.count((await b.modelId())!)).toBe(faces);
      expect(emb.count(idA)).toBe(0);

      // Grouping's candidate pairs: scored only by a fused head marked for grouping and trained on this model.
      const ids = app.faces.listForGrouping(app.faces.modelId('faceapi-resnet128+dlib-chip@1', 'descriptor', 128));
      const desc = new Float32Array(ids.length * 128);
      ids.forEach((f, i) => desc.set(f.vector, i * 128));
      const pairHead = new FusedCandidatePairHead(b);
      expect(await pairHead.scorerFor(ids.map((f) => f.id), desc, 128)).toBeNull();
      const model = (await b.model())!;
      const head: FusedHead = { format: 'facepair-fused', version: 1, features: [...FUSED_FEATURES], mean: [0.6, 0.4, 0], std: [0.2, 0.2, 1], weights: [-3, 0, 0.5], bias: 0, seedKey: model.pairKey, trainedOn: 'test', useForGrouping: true };
      await saveFusedHead(dirB, head);
      const score = (await pairHead.scorerFor(ids.map((f) => f.id), desc, 128))!;
      const p = score(Int32Array.from([0, 1]), Int32Array.from([1, 0]));
      expect(p[0]).toBeGreaterThan(0);
      expect(p[0]).toBeLessThan(1);
      expect(p[0]).toBeCloseTo(p[1]!, 6);
      await b.dispose();
    } finally {
      app.close();
    }
  }, 300_000);
});
