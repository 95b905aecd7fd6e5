import { describe, expect, it } from 'vitest';

import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';
import { registerBatchNormGradient } from '../../../src-main/core/training/kernels/batchnorm-grad.js';
import { recalibrateBatchNorm } from '../../../src-main/core/training/kernels/recalibrate-batchnorm.js';
import { buildDistillHead, buildExtractor, buildPairHead, SEED_DISTILL_DIM } from '../../../src-main/core/embedding/seed/seed-architecture.js';
import { registerWasmGradKernels } from '../../../src-main/core/training/kernels/wasm-grad-kernels.js';
import { GradWorkers } from '../../../src-main/core/training/seed/grad-workers.js';
import { FACE_INPUT_SIDE as CACHE_SIDE } from '../../../src-main/core/analysis/align/face-input.js';
import { toSeedInputFloats } from '../../../src-main/core/embedding/seed/seed-input.js';
import { IMAGE_BYTES } from '../../../src-main/core/training/seed/image-cache.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { applyGradientsScaled } from '../../../src-main/core/training/seed/scaled-step.js';
import { seedShardLoss, trainableVariables, type LossSettings, type Shard } from '../../../src-main/core/training/seed/seed-loss.js';
import { learningRateAt } from '../../../src-main/core/training/seed/learning-rate.js';
import { standardizeTargets } from '../../../src-main/core/training/seed/training-data.js';

const { tf, backend } = await loadMlRuntime();
if (backend === 'wasm') registerWasmGradKernels(tf);

type Tensor = import('@tensorflow/tfjs').Tensor;
const SLOW = 120_000;

function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}

describe('batch-norm gradient', () => {
  it('gives the same gradients as tfjs’s own, in training mode (batch statistics)', () => {
    const stock = tf.getGradient('FusedBatchNorm');
    const model = tf.sequential();
    model.add(tf.layers.batchNormalization({ inputShape: [9, 9, 4] }));
    model.add(tf.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }));
    model.add(tf.layers.batchNormalization({}));
    model.add(tf.layers.flatten({}));
    const x = tf.tensor4d(values(3 * 9 * 9 * 4, 1, -2, 3), [3, 9, 9, 4]);
    const w = tf.tensor1d(values(7 * 7 * 3, 2));
    const vars = model.trainableWeights.map((v) => v.read() as import('@tensorflow/tfjs').Variable);
    const grads = (): Float32Array =>
      tf.tidy(() => {
        const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as Tensor, w)), vars);
        return tf.concat(vars.map((v) => tf.reshape(g[v.name]!, [-1]))).dataSync() as Float32Array;
      });
    const before = grads();
    expect(registerBatchNormGradient(tf)).toBe(true);
    expect(registerBatchNormGradient(tf)).toBe(false); // idempotent
    expect(tf.getGradient('FusedBatchNorm')).not.toBe(stock);
    const after = grads();
    expect(maxRelErr(after, before)).toBeLessThan(1e-4);
    // The input gradient too (what flows into the layers below).
    const dx = (): Float32Array => tf.tidy(() => tf.grad((a: Tensor) => tf.sum(tf.mul(model.apply(a, { training: true }) as Tensor, w)))(x).dataSync() as Float32Array);
    const ours = dx();
    tf.registerGradient(stock);
    const theirs = dx();
    registerBatchNormGradient(tf);
    expect(maxRelErr(ours, theirs)).toBeLessThan(1e-4);
    x.dispose();
    w.dispose();
    model.dispose();
  });
});

describe('batch-norm recalibration', () => {
  it('sets each batch norm to the statistics of its input at inference, through the layers before it', () => {
    const model = tf.sequential();
    model.add(tf.layers.batchNormalization({ inputShape: [12, 12, 3] }));
    model.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
    model.add(tf.layers.dropout({ rate: 0.2 }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.batchNormalization({}));
    model.add(tf.layers.flatten({}));
    const second = tf.sequential();
    second.add(tf.layers.batchNormalization({ inputShape: [144] }));
    const images = [tf.tensor4d(values(5 * 12 * 12 * 3, 31, 0, 2), [5, 12, 12, 3]), tf.tensor4d(values(3 * 12 * 12 * 3, 32, 0, 2), [3, 12, 12, 3])];
    const all = tf.concat(images, 0);
    const before = tf.memory().numTensors;
    expect(recalibrateBatchNorm(tf, [model, second], images.map((t) => t.clone()))).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
    const moving = (l: import('@tensorflow/tfjs').layers.Layer): [Float32Array, Float32Array] => {
      const w = l.getWeights();
      return [w[w.length - 2]!.dataSync() as Float32Array, w[w.length - 1]!.dataSync() as Float32Array];
    };
    // The first sees the images themselves.
    const m0 = tf.moments(all, [0, 1, 2]);
    expect(maxRelErr(moving(model.layers[0]!)[0], m0.mean.dataSync() as Float32Array)).toBeLessThan(1e-4);
    expect(maxRelErr(moving(model.layers[0]!)[1], m0.variance.dataSync() as Float32Array)).toBeLessThan(1e-4);
    // The second sees the pooled conv output with the first batch norm (as recalibrated) and no dropout.
    let h: Tensor = all;
    for (let j = 0; j < 4; j++) h = model.layers[j]!.apply(h, { training: false }) as Tensor;
    const m4 = tf.moments(h, [0, 1, 2]);
    expect(maxRelErr(moving(model.layers[4]!)[0], m4.mean.dataSync() as Float32Array)).toBeLessThan(1e-4);
    expect(maxRelErr(moving(model.layers[4]!)[1], m4.variance.dataSync() as Float32Array)).toBeLessThan(1e-4);
    // And the next model's batch norm continues from the first model's output.
    const out = model.predict(all) as Tensor;
    const m5 = tf.moments(out, [0]);
    expect(maxRelErr(moving(second.layers[0]!)[0], m5.mean.dataSync() as Float32Array)).toBeLessThan(1e-4);
    // At inference the first batch norm now standardises its input.
    const z = tf.moments(model.layers[0]!.apply(all, { training: false }) as Tensor, [0, 1, 2]);
    expect(Array.from(z.mean.dataSync()).every((v) => Math.abs(v) < 1e-3)).toBe(true);
    tf.dispose([all, m0.mean, m0.variance, h, m4.mean, m4.variance, out, m5.mean, m5.variance, z.mean, z.variance]);
    model.dispose();
    second.dispose();
  });
});

describe('data-parallel gradients', () => {
  it('a worker thread computes the same gradients as the main thread, and two shards average to the whole batch', async () => {
    registerBatchNormGradient(tf);
    const settings: LossSettings = { distill: true, distillWeight: 1, pairWeight: 0.5, training: false };
    const models = { extractor: buildExtractor(tf), head: buildPairHead(tf), distill: buildDistillHead(tf) };
    const vars = trainableVariables(models, settings);
    const shardOf = (pairs: number, seed: number): Shard => ({
      pairs,
      x: values(2 * pairs * IMAGE_BYTES, seed, 0, 1),
      y: Float32Array.from({ length: 2 * pairs }, (_, k) => (k % pairs) % 2),
      target: values(2 * pairs * SEED_DISTILL_DIM, seed + 1),
      mask: new Float32Array(2 * pairs).fill(1),
    });
    const gradsOf = (shard: Shard): { grads: Float32Array[]; loss: number } => {
      const { value, grads } = tf.variableGrads(() => seedShardLoss(tf, models, settings, shard).loss, vars);
      const out = vars.map((v) => grads[v.name]!.dataSync() as Float32Array);
      const loss = value.dataSync()[0]!;
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      return { grads: out, loss };
    };
    const a = shardOf(2, 10), b = shardOf(2, 20);
    // The whole batch as one shard: pairs (a0, a1, b0, b1), a-images first.
    const half = 2 * IMAGE_BYTES;
    const whole: Shard = {
      pairs: 4,
      x: Float32Array.from([...a.x.subarray(0, half), ...b.x.subarray(0, half), ...a.x.subarray(half), ...b.x.subarray(half)]),
      y: Float32Array.from([...a.y.subarray(0, 2), ...b.y.subarray(0, 2), ...a.y.subarray(2), ...b.y.subarray(2)]),
      target: Float32Array.from([
        ...a.target.subarray(0, 2 * SEED_DISTILL_DIM), ...b.target.subarray(0, 2 * SEED_DISTILL_DIM),
        ...a.target.subarray(2 * SEED_DISTILL_DIM), ...b.target.subarray(2 * SEED_DISTILL_DIM),
      ]),
      mask: new Float32Array(8).fill(1),
    };
    const mainA = gradsOf({ ...a, x: a.x.slice() });
    const wholeG = gradsOf(whole);
    const workers = await GradWorkers.start(1, settings);
    try {
      const weights = vars.map((v) => (v.dataSync() as Float32Array).slice());
      const [remoteA] = await workers.grads(weights, [{ ...a, x: a.x.slice() }]);
      const [remoteB] = await workers.grads(weights, [{ ...b, x: b.x.slice() }]);
      expect(remoteA!.loss).toBeCloseTo(mainA.loss, 4);
      vars.forEach((v, k) => expect(maxRelErr(remoteA!.grads[k]!, mainA.grads[k]!), v.name).toBeLessThan(1e-4));
      expect((remoteA!.loss + remoteB!.loss) / 2).toBeCloseTo(wholeG.loss, 4);
      vars.forEach((v, k) => {
        const avg = Float32Array.from(remoteA!.grads[k]!, (g, i) => (g + remoteB!.grads[k]![i]!) / 2);
        expect(maxRelErr(avg, wholeG.grads[k]!), v.name).toBeLessThan(1e-3);
      });
    } finally {
      await workers.close();
      models.extractor.dispose();
      models.head.dispose();
      models.distill.dispose();
    }
  }, SLOW);
});

describe('training settings', () => {
  it('decays the learning rate along a cosine to 2% and holds it there', () => {
    const o = { learningRate: 2e-3, schedule: 'cosine' as const, scheduleMinutes: 100 };
    expect(learningRateAt(o, 0)).toBeCloseTo(2e-3, 10);
    expect(learningRateAt(o, 50)).toBeCloseTo(2e-3 * 0.51, 10);
    expect(learningRateAt(o, 100)).toBeCloseTo(4e-5, 10);
    expect(learningRateAt(o, 500)).toBeCloseTo(4e-5, 10);
    expect(learningRateAt({ ...o, schedule: 'constant' }, 80)).toBe(2e-3);
    // Warm-up: a linear ramp over the first minutes, then the schedule.
    const warm = { ...o, warmupMinutes: 4 };
    expect(learningRateAt(warm, 0)).toBeLessThan(learningRateAt(o, 0) / 50);
    expect(learningRateAt(warm, 1.95)).toBeCloseTo(learningRateAt(o, 1.95) / 2, 10);
    expect(learningRateAt(warm, 10)).toBe(learningRateAt(o, 10));
  });

  it('standardises distillation targets on the training images, keeping their geometry', () => {
    const d = SEED_DISTILL_DIM, n = 40;
    const t = values(n * d, 5, 0.5, 1.5); // a large shared offset, like unit-norm descriptors
    const has = new Uint8Array(n).fill(1);
    has[3] = 0;
    const orig = t.slice();
    const trainIdx = Array.from({ length: 30 }, (_, i) => i);
    const { std } = standardizeTargets(t, has, trainIdx);
    let sum = 0, sq = 0, cnt = 0;
    for (const i of trainIdx) {
      if (!has[i]) continue;
      for (let k = 0; k < d; k++) {
        sum += t[i * d + k]!;
        sq += t[i * d + k]! ** 2;
        cnt++;
      }
    }
    expect(Math.abs(sum / cnt)).toBeLessThan(1e-5);
    expect(sq / cnt).toBeCloseTo(1, 4);
    // Distances shrink by the one factor std, for training and held-out images alike.
    const dist = (v: Float32Array, i: number, j: number): number => Math.hypot(...Array.from({ length: d }, (_, k) => v[i * d + k]! - v[j * d + k]!));
    expect(dist(t, 1, 35)).toBeCloseTo(dist(orig, 1, 35) / std, 4);
    expect(Array.from(t.subarray(3 * d, 4 * d))).toEqual(Array.from(orig.subarray(3 * d, 4 * d))); // no target: untouched
  });

  it('shifts augmented images by whole pixels, repeating the edge', () => {
    const src = new Uint8Array(IMAGE_BYTES);
    for (let y = 0; y < CACHE_SIDE; y++) for (let x = 0; x < CACHE_SIDE; x++) {
      src[(y * CACHE_SIDE + x) * 3] = x;
      src[(y * CACHE_SIDE + x) * 3 + 1] = y;
    }
    const out = new Float32Array(IMAGE_BYTES);
    toSeedInputFloats(src, out, 0, false, 5, -3);
    const at = (x: number, y: number, c: number): number => Math.round(out[(y * CACHE_SIDE + x) * 3 + c]! * 255);
    expect([at(0, 10, 0), at(0, 10, 1)]).toEqual([5, 7]);
    expect([at(248, 1, 0), at(248, 1, 1)]).toEqual([249, 0]); // past the right and top edges: clamped
    toSeedInputFloats(src, out, 0, true, 5, 0);
    expect(at(0, 0, 0)).toBe(244); // mirrored, then moved
  });
});

describe('a per-layer learning rate', () => {
  it('moves the slow variables a quarter as far as Adam alone would, and the others the same', () => {
    const make = (tag: string): Array<import('@tensorflow/tfjs').Variable> =>
      [values(12, 1), values(5, 2)].map((v, k) => tf.variable(tf.tensor1d(v), true, `scaled_${tag}_${k}`));
    const plain = make('plain'), scaled = make('scaled');
    const adamPlain = tf.train.adam(0.01), adamScaled = tf.train.adam(0.01);
    const start = scaled.map((v) => v.dataSync().slice() as Float32Array);
    for (let step = 0; step < 3; step++) {
      const g = [values(12, 10 + step), values(5, 20 + step)];
      tf.tidy(() => applyGradientsScaled(tf, adamPlain, Object.fromEntries(plain.map((v, k) => [v.name, tf.tensor1d(g[k]!)])), [], 0.25));
      tf.tidy(() => applyGradientsScaled(tf, adamScaled, Object.fromEntries(scaled.map((v, k) => [v.name, tf.tensor1d(g[k]!)])), [scaled[1]!], 0.25));
    }
    const moved = (v: import('@tensorflow/tfjs').Variable, k: number): Float32Array => Float32Array.from(v.dataSync(), (x, i) => x - start[k]![i]!);
    // Adam's steps depend on the gradients alone (its moments), not on where the variable is.
    expect(maxRelErr(moved(scaled[0]!, 0), moved(plain[0]!, 0))).toBeLessThan(1e-5);
    expect(maxRelErr(moved(scaled[1]!, 1), moved(plain[1]!, 1).map((x) => 0.25 * x))).toBeLessThan(1e-5);
    expect(Math.max(...moved(plain[1]!, 1).map(Math.abs))).toBeGreaterThan(0.02);
    tf.dispose([...plain, ...scaled]);
  });
});
