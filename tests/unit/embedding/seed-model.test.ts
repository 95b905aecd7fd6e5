import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';
import { benchPairScoringDetailed } from '../../../src-main/tools/bench/bench-pairs.js';
import {
  SEED_EXTRACTOR_NON_TRAINABLE_PARAMS,
  SEED_EXTRACTOR_PARAMS,
  SEED_SIAMESE_PARAMS,
  buildExtractor,
  buildPairHead,
  buildSeedModel,
  buildSiamese,
  countParams,
  getHeadWeights,
} from '../../../src-main/core/embedding/seed/seed-architecture.js';
import { extractEmbeddings, shiftClamped } from '../../../src-main/core/embedding/seed/embedding-views.js';
import { setEmbeddingViews, setFlipAverage } from '../../../src-main/core/embedding/seed/seed-manifest.js';
import { loadSeedModel, saveSeedModel } from '../../../src-main/core/embedding/seed/seed-model-files.js';
import { projectFaces, scorePairs, scorePairsJs, wasmSimdAvailable } from '../../../src-main/core/embedding/seed/pair-scorer.js';
import { SeedEmbedder } from '../../../src-main/core/embedding/seed/seed-embedder.js';
import { missingWasmKernels, registerWasmGradKernels } from '../../../src-main/core/training/kernels/wasm-grad-kernels.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { toSeedInputFloats } from '../../../src-main/core/embedding/seed/seed-input.js';

const { tf, backend } = await loadMlRuntime();
registerWasmGradKernels(tf);

type Tensor = import('@tensorflow/tfjs').Tensor;
type SymbolicTensor = import('@tensorflow/tfjs').SymbolicTensor;
type LayersModel = import('@tensorflow/tfjs').LayersModel;

const SLOW = 120_000;
const PLAIN = { flipAverage: false, shiftAverage: 0 };
const FLIP = { flipAverage: true, shiftAverage: 0 };

/** Deterministic values in [lo, hi). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
}

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

describe('seed model architecture', () => {
  const { extractor, head, siamese } = buildSeedModel(tf);

  it('has the study parameter counts', () => {
    expect(countParams(extractor)).toEqual({
      total: SEED_EXTRACTOR_PARAMS,
      trainable: SEED_EXTRACTOR_PARAMS - SEED_EXTRACTOR_NON_TRAINABLE_PARAMS,
      nonTrainable: SEED_EXTRACTOR_NON_TRAINABLE_PARAMS,
    });
    expect(SEED_EXTRACTOR_PARAMS).toBe(1_847_112);
    expect(SEED_EXTRACTOR_NON_TRAINABLE_PARAMS).toBe(406);
    expect(extractor.countParams()).toBe(1_847_112);
    expect(countParams(head).total).toBe(105_201);
    expect(countParams(siamese).total).toBe(1_952_313);
    expect(siamese.countParams()).toBe(SEED_SIAMESE_PARAMS);
    expect(countParams(siamese).nonTrainable).toBe(406);
  });

  it('has the expected layer shapes', () => {
    expect(extractor.inputs[0]!.shape).toEqual([null, 250, 250, 3]);
    expect(extractor.outputs[0]!.shape).toEqual([null, 500]);
    const spatial = extractor.layers
      .filter((l) => ['Conv2D', 'MaxPooling2D'].includes(l.getClassName()))
      .map((l) => `${l.name}:${(l.outputShape as number[]).slice(1).join('x')}`);
    expect(spatial).toEqual([
      'seed_conv1:125x125x20',
      'seed_pool1:62x62x20',
      'seed_conv2:62x62x30',
      'seed_pool2:31x31x30',
      'seed_conv3:31x31x50',
      'seed_pool3:16x16x50',
      'seed_conv4:16x16x100',
      'seed_pool4:8x8x100',
      'seed_conv5:8x8x200',
      'seed_pool5:4x4x200',
      'seed_conv6:1x1x500',
    ]);
    expect(extractor.layers.map((l) => l.getClassName()).slice(0, 4)).toEqual([
      'BatchNormalization',
      'Conv2D',
      'Dropout',
      'MaxPooling2D',
    ]);
    expect(head.inputs.map((i) => i.shape)).toEqual([
      [null, 500],
      [null, 500],
    ]);
    expect(head.outputs[0]!.shape).toEqual([null, 1]);
    expect(siamese.inputs.map((i) => i.shape)).toEqual([
      [null, 250, 250, 3],
      [null, 250, 250, 3],
    ]);
    expect(siamese.outputs[0]!.shape).toEqual([null, 1]);
    // One shared extractor in the Siamese model.
    expect(siamese.layers.filter((l) => l === extractor)).toHaveLength(1);
  });

  it('computes 500-d embeddings and a probability per pair', () => {
    const x = tf.tensor4d(values(2 * 250 * 250 * 3, 1, 0, 1), [2, 250, 250, 3]);
    const e = extractor.predict(x) as Tensor;
    expect(e.shape).toEqual([2, 500]);
    const p = siamese.predict([x, tf.reverse(x, 0)]) as Tensor;
    expect(p.shape).toEqual([2, 1]);
    for (const v of p.dataSync()) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    tf.dispose([x, e, p]);
  }, SLOW);
});

describe('seed model save/load', () => {
  it('gives identical outputs after save -> load (TensorFlow.js format)', async () => {
    const m = buildSeedModel(tf);
    // Non-default BatchNorm statistics, so that losing the non-trainable weights would show.
    let seed = 10;
    for (const layer of m.extractor.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      layer.setWeights(layer.getWeights().map((w) => tf.tensor(values(w.size, seed++, 0.5, 1.5), w.shape)));
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facepair-seed-'));
    tmpDirs.push(dir);
    await saveSeedModel(dir, m, tf);
    expect((await readdir(dir)).sort()).toEqual(['extractor', 'head', 'seed.json']);
    expect((await readdir(path.join(dir, 'extractor'))).sort()).toEqual(['model.json', 'weights.bin']);
    expect((await readdir(path.join(dir, 'head'))).sort()).toEqual(['model.json', 'weights.bin']);

    const loaded = await loadSeedModel(dir, tf);
    expect(loaded.siamese.countParams()).toBe(SEED_SIAMESE_PARAMS);
    const xa = tf.tensor4d(values(3 * 250 * 250 * 3, 20, 0, 1), [3, 250, 250, 3]);
    const xb = tf.tensor4d(values(3 * 250 * 250 * 3, 21, 0, 1), [3, 250, 250, 3]);
    const before = (m.siamese.predict([xa, xb]) as Tensor).dataSync();
    const after = (loaded.siamese.predict([xa, xb]) as Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    const eBefore = (m.extractor.predict(xa) as Tensor).dataSync();
    const eAfter = (loaded.extractor.predict(xa) as Tensor).dataSync();
    expect(Array.from(eAfter)).toEqual(Array.from(eBefore));
    for (const [a, b] of m.siamese.getWeights().map((w, i) => [w, loaded.siamese.getWeights()[i]!] as const)) {
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    }
  }, SLOW);

  it('keeps the flip-average setting, which makes a face and its mirror image embed alike', async () => {
    const m = buildSeedModel(tf);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facepair-seed-'));
    tmpDirs.push(dir);
    await saveSeedModel(dir, m, tf);
    const plainKey = (await SeedEmbedder.load(dir)).key;
    expect((await loadSeedModel(dir, tf)).flipAverage).toBeUndefined();
    await setFlipAverage(dir, true);
    const loaded = await loadSeedModel(dir, tf);
    expect(loaded.flipAverage).toBe(true);
    const embedder = await SeedEmbedder.load(dir);
    expect(embedder.flipAverage).toBe(true);
    // Flip-averaged embeddings are stored under a key of their own: the pipeline re-embeds.
    expect(embedder.key).toBe(`${plainKey}:flip`);

    const x = tf.tensor4d(values(2 * 250 * 250 * 3, 30, 0, 1), [2, 250, 250, 3]);
    const mirrored = tf.reverse(x, 2);
    const plain = extractEmbeddings(tf, loaded.extractor, x, PLAIN).dataSync();
    const plainMirror = extractEmbeddings(tf, loaded.extractor, mirrored, PLAIN).dataSync();
    const avg = extractEmbeddings(tf, loaded.extractor, x, FLIP).dataSync();
    const avgMirror = extractEmbeddings(tf, loaded.extractor, mirrored, FLIP).dataSync();
    let asymmetry = 0, mirrorGap = 0, meanGap = 0;
    for (let i = 0; i < plain.length; i++) {
      asymmetry = Math.max(asymmetry, Math.abs(plain[i]! - plainMirror[i]!));
      mirrorGap = Math.max(mirrorGap, Math.abs(avg[i]! - avgMirror[i]!));
      meanGap = Math.max(meanGap, Math.abs(avg[i]! - (plain[i]! + plainMirror[i]!) / 2));
    }
    expect(asymmetry).toBeGreaterThan(1e-3);
    expect(mirrorGap).toBeLessThan(1e-5);
    expect(meanGap).toBeLessThan(1e-5);
    // The embedder's uint8 path gives the same flip-averaged embedding.
    const bytes = Uint8Array.from(x.slice([0], [1]).dataSync(), (v) => Math.round(v * 255));
    const viaEmbedder = embedder.embed([bytes]);
    const direct = extractEmbeddings(tf, loaded.extractor, tf.tensor4d(Float32Array.from(bytes, (v) => v / 255), [1, 250, 250, 3]), FLIP).dataSync();
    expect(Array.from(viaEmbedder)).toEqual(Array.from(direct));

    await setFlipAverage(dir, false);
    expect((await loadSeedModel(dir, tf)).flipAverage).toBeUndefined();
    embedder.dispose();
  }, SLOW);
});

describe('shift-averaged embeddings', () => {
  it('moves images as the trainer\'s shifted views do, edges repeated', () => {
    const rng = new Rng(3);
    const bytes = Uint8Array.from({ length: 250 * 250 * 3 }, () => rng.int(256));
    const x = tf.tensor4d(Float32Array.from(bytes, (v) => v / 255), [1, 250, 250, 3]);
    for (const [dx, dy] of [[6, 0], [-6, 0], [0, 6], [0, -6], [5, -3]] as const) {
      const want = new Float32Array(bytes.length);
      toSeedInputFloats(bytes, want, 0, false, dx, dy);
      const got = shiftClamped(tf, x, dx, dy);
      expect(got.shape).toEqual([1, 250, 250, 3]);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want));
      got.dispose();
    }
    expect(() => shiftClamped(tf, x, 250, 0)).toThrow(/does not fit/);
    x.dispose();
  });

  it('embeds a face as the mean over its crop and four diagonally moved copies, under a key of its own', async () => {
    const m = buildSeedModel(tf);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facepair-seed-'));
    tmpDirs.push(dir);
    await saveSeedModel(dir, m, tf);
    await setFlipAverage(dir, true);
    const flipKey = (await SeedEmbedder.load(dir)).key;
    await setEmbeddingViews(dir, { flipAverage: true, shiftAverage: 6 });
    const loaded = await loadSeedModel(dir, tf);
    expect(loaded).toMatchObject({ flipAverage: true, shiftAverage: 6 });
    const embedder = await SeedEmbedder.load(dir);
    expect(embedder.key).toBe(`${flipKey}:shift6`);
    expect(embedder.shiftAverage).toBe(6);
    // Switching flip-averaging off keeps the shift setting.
    await setFlipAverage(dir, false);
    expect(await loadSeedModel(dir, tf)).toMatchObject({ shiftAverage: 6 });

    const rng = new Rng(4);
    const bytes = Uint8Array.from({ length: 250 * 250 * 3 }, () => rng.int(256));
    const x = tf.tensor4d(Float32Array.from(bytes, (v) => v / 255), [1, 250, 250, 3]);
    const views = [[0, 0], [6, 6], [-6, -6], [6, -6], [-6, 6]].map(([dx, dy]) => extractEmbeddings(tf, loaded.extractor, shiftClamped(tf, x, dx!, dy!), FLIP).dataSync());
    const mean = views[0]!.map((_, i) => views.reduce((s, v) => s + v[i]!, 0) / views.length);
    const viaEmbedder = embedder.embed([bytes]);
    const centre = views[0]!;
    let gap = 0, spread = 0;
    for (let i = 0; i < mean.length; i++) {
      gap = Math.max(gap, Math.abs(viaEmbedder[i]! - mean[i]!));
      spread = Math.max(spread, Math.abs(centre[i]! - mean[i]!));
    }
    expect(gap).toBeLessThan(1e-5);
    // The views differ, so the mean is not the centre's embedding.
    expect(spread).toBeGreaterThan(1e-4);
    x.dispose();
    embedder.dispose();
  }, SLOW);

  it('refuses a seed.json with a shift that is not a whole number of pixels in range', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facepair-seed-'));
    tmpDirs.push(dir);
    await saveSeedModel(dir, buildSeedModel(tf), tf);
    const file = path.join(dir, 'seed.json');
    for (const bad of [2.5, 0, 100, '6']) {
      await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), shiftAverage: bad }));
      await expect(loadSeedModel(dir, tf)).rejects.toThrow(/shiftAverage must be a whole number of pixels/);
    }
    await expect(setEmbeddingViews(dir, { flipAverage: false, shiftAverage: -1 })).rejects.toThrow(/whole number of pixels/);
  });
});

describe.skipIf(backend === 'cpu')('seed model training on the 250x250 model', () => {
  it('runs Adam + binary cross-entropy steps on 8 pairs and lowers the loss', async () => {
    const { extractor, head, siamese } = buildSeedModel(tf);
    siamese.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
    // A learnable synthetic task: "same" pairs are two bright noise images, "different" two dark ones.
    const n = 8;
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const px = 250 * 250 * 3;
    const img = (seed: number): Float32Array => {
      const out = new Float32Array(n * px);
      for (let i = 0; i < n; i++) out.set(values(px, seed + i, 0, 0.5).map((v) => v + 0.5 * labels[i]!), i * px);
      return out;
    };
    const xa = tf.tensor4d(img(100), [n, 250, 250, 3]);
    const xb = tf.tensor4d(img(200), [n, 250, 250, 3]);
    const y = tf.tensor2d(labels, [n, 1]);

    // Deterministic loss on the batch: BatchNorm on batch statistics (as in training), dropout off.
    const noDropout = (m: LayersModel, x: Tensor): Tensor => {
      for (const l of m.layers) if (l.getClassName() !== 'Dropout') x = l.apply(x, { training: true }) as Tensor;
      return x;
    };
    const loss = (): number =>
      tf.tidy(() => {
        let z = head.getLayer('seed_concat').apply([noDropout(extractor, xa), noDropout(extractor, xb)]) as Tensor;
        for (const name of ['seed_dense1', 'seed_dense2', 'seed_out']) z = head.getLayer(name).apply(z) as Tensor;
        return tf.metrics.binaryCrossentropy(y, z).mean().dataSync()[0]!;
      });

    const initial = loss();
    const t0 = performance.now();
    const profile = await tf.profile(async () => {
      await siamese.trainOnBatch([xa, xb], y);
    });
    const firstStepMs = performance.now() - t0;
    // Every kernel the step ran exists on this backend (on wasm: incl. Conv2DBackpropFilter, MaxPoolGrad).
    if (backend === 'wasm') {
      expect(profile.kernelNames).toContain('Conv2DBackpropFilter');
      expect(profile.kernelNames).toContain('MaxPoolGrad');
      expect(missingWasmKernels(tf, profile.kernelNames)).toEqual([]);
    }
    const stepMs: number[] = [];
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      const l = (await siamese.trainOnBatch([xa, xb], y)) as number;
      stepMs.push(performance.now() - t);
      expect(Number.isFinite(l)).toBe(true);
    }
    const final = loss();
    console.log(
      `[seed] ${backend}: train step (8 pairs, 250 px): first ${firstStepMs.toFixed(0)} ms (profiled), ` +
        `then ${stepMs.map((s) => s.toFixed(0)).join(', ')} ms; loss ${initial.toFixed(4)} -> ${final.toFixed(4)}`,
    );
    expect(final).toBeLessThan(initial);
    for (const w of siamese.getWeights()) expect(w.dataSync().every(Number.isFinite)).toBe(true);
    tf.dispose([xa, xb, y]);
  }, SLOW);
});

describe('fast pair scorer', () => {
  // A head with non-zero biases (fresh heads have zero biases).
  const head = buildPairHead(tf);
  let seed = 300;
  for (const layer of head.layers.filter((l) => l.getClassName() === 'Dense')) {
    const [k, b] = layer.getWeights();
    layer.setWeights([k!, tf.tensor(values(b!.size, seed++, -0.3, 0.3), b!.shape)]);
  }
  const hw = getHeadWeights(head);
  const nFaces = 24;
  // Relu-like embeddings: about half zero.
  const emb = values(nFaces * 500, 400, -1, 1).map((v) => (v > 0 ? v : 0));

  const allPairs = (): [Uint32Array, Uint32Array] => {
    const pi = new Uint32Array(nFaces * nFaces);
    const pj = new Uint32Array(nFaces * nFaces);
    for (let i = 0; i < nFaces; i++) {
      for (let j = 0; j < nFaces; j++) {
        pi[i * nFaces + j] = i;
        pj[i * nFaces + j] = j;
      }
    }
    return [pi, pj];
  };

  it('projects faces through the two halves of Dense1', () => {
    const proj = projectFaces(hw, emb);
    expect(proj.n).toBe(nFaces);
    const w1 = head.getLayer('seed_dense1').getWeights()[0]!;
    const e = tf.tensor2d(emb, [nFaces, 500]);
    const pa = tf.matMul(e, tf.slice(w1, [0, 0], [500, 100])).dataSync();
    const pb = tf.matMul(e, tf.slice(w1, [500, 0], [500, 100])).dataSync();
    for (let i = 0; i < pa.length; i++) {
      expect(proj.pa[i]).toBeCloseTo(pa[i]!, 4);
      expect(proj.pb[i]).toBeCloseTo(pb[i]!, 4);
    }
  });

  it('equals the tfjs head on every ordered pair (wasm SIMD and plain JS)', () => {
    const proj = projectFaces(hw, emb);
    const [pi, pj] = allPairs();
    const a = tf.gather(tf.tensor2d(emb, [nFaces, 500]), Array.from(pi));
    const b = tf.gather(tf.tensor2d(emb, [nFaces, 500]), Array.from(pj));
    const expected = (head.predict([a, b]) as Tensor).dataSync();
    const fast = scorePairs(proj, hw, pi, pj);
    const js = scorePairsJs(proj, hw, pi, pj);
    let maxFast = 0;
    let maxJs = 0;
    for (let p = 0; p < pi.length; p++) {
      maxFast = Math.max(maxFast, Math.abs(fast[p]! - expected[p]!));
      maxJs = Math.max(maxJs, Math.abs(js[p]! - expected[p]!));
    }
    expect(maxFast).toBeLessThan(1e-5);
    expect(maxJs).toBeLessThan(1e-5);
    // The scores are spread, not all ~0.5, so the comparison means something.
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.05);
  });

  it('scores in chunks, into a given buffer, and rejects bad pairs', () => {
    const proj = projectFaces(hw, emb);
    const np = 70_000; // more than one wasm chunk
    const pi = new Uint32Array(np).map((_, p) => (p * 7) % nFaces);
    const pj = new Uint32Array(np).map((_, p) => (p * 13 + 5) % nFaces);
    const out = new Float32Array(np);
    expect(scorePairs(proj, hw, pi, pj, out)).toBe(out);
    const js = scorePairsJs(proj, hw, pi, pj);
    let d = 0;
    for (let p = 0; p < np; p++) d = Math.max(d, Math.abs(out[p]! - js[p]!));
    expect(d).toBeLessThan(1e-6);
    expect(() => scorePairs(proj, hw, Uint32Array.of(0), Uint32Array.of(nFaces))).toThrow(/out of range/);
    expect(() => scorePairs(proj, hw, Uint32Array.of(0, 1), Uint32Array.of(0))).toThrow(/differ/);
    expect(scorePairs(proj, hw, new Uint32Array(0), new Uint32Array(0))).toHaveLength(0);
  });

  it('benchmarks the scorer', () => {
    const r = benchPairScoringDetailed(2000, 300_000);
    console.log(
      `[seed] pair scorer (${wasmSimdAvailable() ? 'wasm SIMD' : 'plain JS'}): ` +
        `${Math.round(r.pairsPerSecond).toLocaleString('en-US')} pairs/s; projectFaces of 2000 faces ${r.projectMs.toFixed(0)} ms`,
    );
    expect(r.pairsPerSecond).toBeGreaterThan(0);
  }, SLOW);
});

describe('buildSiamese', () => {
  it('wires a shared extractor and a head into a two-input model', () => {
    const extractor = buildExtractor(tf);
    const head = buildPairHead(tf);
    const s = buildSiamese(tf, extractor, head);
    expect(s.inputs).toHaveLength(2);
    expect(s.countParams()).toBe(SEED_SIAMESE_PARAMS);
    const out = s.outputs[0] as SymbolicTensor;
    expect(out.shape).toEqual([null, 1]);
  });
});
