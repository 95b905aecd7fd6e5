import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src-main/core/ml/rng.js';

// The cpu backend (the reference) is slow: give every test room on a busy machine.
const SLOW = 60_000;

import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';
import { conv2dBackpropFilterByOps } from '../../../src-main/core/training/kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInputByOps } from '../../../src-main/core/training/kernels/conv2d-backprop-input.js';
import { WASM_GRAD_KERNELS, missingWasmKernels, registerWasmGradKernels } from '../../../src-main/core/training/kernels/wasm-grad-kernels.js';

const { tf, backend } = await loadMlRuntime();
const onWasm = backend === 'wasm';
const startBackend = tf.getBackend();
const originalMaxPoolGrad = onWasm ? tf.getKernel('MaxPoolGrad', 'wasm') : undefined;
registerWasmGradKernels(tf);

type Tensor = import('@tensorflow/tfjs').Tensor;
type Tensor4D = import('@tensorflow/tfjs').Tensor4D;
type Shape4 = [number, number, number, number];
type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

/** Deterministic values in [lo, hi). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
}

const size = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Runs `f` on `name` and returns its result's values; the backend is wasm again afterwards. */
async function on(name: 'wasm' | 'cpu', f: () => Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  try {
    return tf.tidy(f).dataSync() as Float32Array;
  } finally {
    await tf.setBackend('wasm');
  }
}

/** max |a - b| / max |b|. */
function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return m === 0 ? d : d / m;
}

interface ConvCase {
  x: Shape4;
  f: Shape4;
  s: number | [number, number];
  pad: Pad;
}

const convCases: ConvCase[] = [
  { x: [2, 18, 18, 3], f: [5, 5, 3, 6], s: 2, pad: 'same' }, // asymmetric 'same' padding (1 top, 2 bottom)
  { x: [2, 17, 17, 3], f: [5, 5, 3, 6], s: 2, pad: 'same' },
  { x: [2, 64, 64, 3], f: [5, 5, 3, 20], s: 2, pad: 'same' }, // the first layer, smaller image
  { x: [2, 4, 4, 200], f: [4, 4, 200, 100], s: 4, pad: 'valid' }, // the last layer (fewer filters: the cpu reference is slow)
  { x: [2, 8, 8, 64], f: [4, 4, 64, 32], s: 4, pad: 'valid' },
  { x: [2, 16, 16, 8], f: [4, 4, 8, 10], s: 4, pad: 'valid' },
  { x: [2, 18, 19, 4], f: [4, 4, 4, 5], s: 4, pad: 'valid' }, // stride does not divide: last rows unused
  { x: [3, 9, 11, 4], f: [3, 3, 4, 5], s: 1, pad: 'same' },
  { x: [2, 31, 31, 6], f: [3, 3, 6, 7], s: 1, pad: 'same' },
  { x: [2, 10, 10, 3], f: [3, 3, 3, 4], s: 2, pad: 'valid' },
  { x: [2, 11, 9, 3], f: [2, 3, 3, 4], s: [2, 1], pad: 'same' },
  { x: [1, 7, 8, 2], f: [3, 3, 2, 3], s: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
];

describe.skipIf(!onWasm)('wasm gradient kernels', () => {
  it('registers Conv2DBackpropFilter, replaces Conv2DBackpropInput and MaxPoolGrad, idempotently', () => {
    for (const name of WASM_GRAD_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).not.toBe(originalMaxPoolGrad);
    const before = WASM_GRAD_KERNELS.map((n) => tf.getKernel(n, 'wasm'));
    expect(registerWasmGradKernels(tf)).toEqual([]);
    expect(WASM_GRAD_KERNELS.map((n) => tf.getKernel(n, 'wasm'))).toEqual(before);
    expect(missingWasmKernels(tf, ['Conv2DBackpropFilter', 'MaxPoolGrad', 'Conv2DBackpropInput'])).toEqual([]);
    expect(missingWasmKernels(tf, ['NoSuchKernel'])).toEqual(['NoSuchKernel']);
  });

  it.each(convCases)('conv2d filter gradient matches cpu: x $x, filter $f, stride $s, pad $pad', async ({ x, f, s, pad }) => {
    const info = tf.backend_util.computeConv2DInfo(x, f, s, 1, pad);
    const dyShape: Shape4 = [x[0], info.outHeight, info.outWidth, f[3]];
    const xv = values(size(x), 1);
    const fv = values(size(f), 2, -0.2, 0.2);
    const dyv = values(size(dyShape), 3);
    const grad = (): Tensor =>
      tf.grad((w: Tensor) => tf.sum(tf.mul(tf.conv2d(tf.tensor4d(xv, x), w as Tensor4D, s, pad), tf.tensor4d(dyv, dyShape))))(
        tf.tensor4d(fv, f),
      );
    const wasm = await on('wasm', grad);
    const cpu = await on('cpu', grad);
    expect(relErr(wasm, cpu)).toBeLessThan(1e-5);
  }, SLOW);

  it.each(convCases)('conv2d input gradient matches cpu: x $x, filter $f, stride $s, pad $pad', async ({ x, f, s, pad }) => {
    const info = tf.backend_util.computeConv2DInfo(x, f, s, 1, pad);
    const dyShape: Shape4 = [x[0], info.outHeight, info.outWidth, f[3]];
    const xv = values(size(x), 11);
    const fv = values(size(f), 12, -0.2, 0.2);
    const dyv = values(size(dyShape), 13);
    const grad = (): Tensor =>
      tf.grad((a: Tensor) => tf.sum(tf.mul(tf.conv2d(a as Tensor4D, tf.tensor4d(fv, f), s, pad), tf.tensor4d(dyv, dyShape))))(
        tf.tensor4d(xv, x),
      );
    const wasm = await on('wasm', grad);
    const cpu = await on('cpu', grad);
    expect(relErr(wasm, cpu)).toBeLessThan(1e-5);
  }, SLOW);

  it('conv2d filter gradient matches cpu in NCHW (kernel called directly)', async () => {
    const x: Shape4 = [2, 3, 13, 12];
    const filterShape: Shape4 = [5, 5, 3, 4];
    const dyShape: Shape4 = [2, 4, 7, 6];
    const xv = values(size(x), 4);
    const dyv = values(size(dyShape), 5);
    const run = (): Tensor =>
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(xv, x), dy: tf.tensor4d(dyv, dyShape) },
        { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape },
      ) as Tensor;
    const wasm = await on('wasm', run);
    const cpu = await on('cpu', run);
    expect(relErr(wasm, cpu)).toBeLessThan(1e-5);
  });

  it('conv2d input gradient matches cpu in NCHW (kernel called directly)', async () => {
    const inputShape: Shape4 = [2, 3, 13, 12];
    const filterShape: Shape4 = [5, 5, 3, 4];
    const dyShape: Shape4 = [2, 4, 7, 6];
    const fv = values(size(filterShape), 14);
    const dyv = values(size(dyShape), 15);
    const run = (): Tensor =>
      tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy: tf.tensor4d(dyv, dyShape), filter: tf.tensor4d(fv, filterShape) },
        { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape },
      ) as Tensor;
    const wasm = await on('wasm', run);
    const cpu = await on('cpu', run);
    expect(relErr(wasm, cpu)).toBeLessThan(1e-5);
  });

  it.each([
    { x: [2, 9, 9, 3] as Shape4, k: 2, s: 2, pad: 'valid' as const },
    { x: [2, 31, 31, 5] as Shape4, k: 2, s: 2, pad: 'same' as const },
    { x: [2, 125, 125, 20] as Shape4, k: 2, s: 2, pad: 'valid' as const },
    { x: [1, 7, 8, 2] as Shape4, k: 3, s: 1, pad: 'same' as const },
    { x: [1, 10, 10, 4] as Shape4, k: 3, s: 2, pad: 'valid' as const },
  ])('max-pool gradient matches cpu on signed values and ties: x $x, $k/$s $pad', async ({ x, k, s, pad }) => {
    // Values rounded to a coarse grid so that windows hold ties and all-negative maxima.
    const xv = values(size(x), 6).map((v) => Math.round(v * 8) / 8);
    const info = tf.backend_util.computePool2DInfo(x, k, s, 1, pad);
    const dyShape: Shape4 = [x[0], info.outHeight, info.outWidth, x[3]];
    const dyv = values(size(dyShape), 7);
    const grad = (): Tensor =>
      tf.grad((a: Tensor) => tf.sum(tf.mul(tf.maxPool(a as Tensor4D, k, s, pad), tf.tensor4d(dyv, dyShape))))(tf.tensor4d(xv, x));
    const wasm = await on('wasm', grad);
    const cpu = await on('cpu', grad);
    expect(relErr(wasm, cpu)).toBeLessThan(1e-6);
  }, SLOW);

  it('gradients of a stack of the seed blocks match cpu (inference mode)', async () => {
    const build = (): import('@tensorflow/tfjs').Sequential => {
      const m = tf.sequential();
      m.add(tf.layers.batchNormalization({ inputShape: [64, 64, 3] }));
      m.add(tf.layers.conv2d({ filters: 8, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu' }));
      m.add(tf.layers.dropout({ rate: 0.2 }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      m.add(tf.layers.batchNormalization({}));
      m.add(tf.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu' }));
      m.add(tf.layers.dropout({ rate: 0.2 }));
      m.add(tf.layers.maxPooling2d({ poolSize: 2, padding: 'same' }));
      m.add(tf.layers.conv2d({ filters: 16, kernelSize: 4, strides: 4, padding: 'valid', activation: 'relu' }));
      m.add(tf.layers.flatten({}));
      return m;
    };
    const model = build();
    const x = values(2 * 64 * 64 * 3, 8, 0, 1);
    const w = values(16 * 2 * 2, 9, 0, 1);
    const grads = (): Tensor =>
      tf.tidy(() => {
        const vars = model.trainableWeights.map((v) => v.read() as import('@tensorflow/tfjs').Variable);
        const { grads: g } = tf.variableGrads(
          () => tf.sum(tf.mul(model.apply(tf.tensor4d(x, [2, 64, 64, 3]), { training: false }) as Tensor, tf.tensor1d(w))),
          vars,
        );
        return tf.concat(vars.map((v) => tf.reshape(g[v.name]!, [-1])));
      });
    const wasm = await on('wasm', grads);
    const cpu = await on('cpu', grads);
    // Per weight tensor, max-abs relative error.
    let offset = 0;
    for (const v of model.trainableWeights) {
      const n = size(v.shape as number[]);
      expect(relErr(wasm.subarray(offset, offset + n), cpu.subarray(offset, offset + n)), v.name).toBeLessThan(1e-5);
      offset += n;
    }
  }, SLOW);
});

// The op formulations themselves, run on the cpu backend against its own kernels:
// checks the algebra (phases, padding, strides larger than the filter) independently of wasm.
describe('gradient formulations (on cpu)', () => {
  const cases: ConvCase[] = [
    ...convCases.filter((c) => size(c.x) * c.f[3] < 200_000),
    { x: [2, 9, 9, 2], f: [1, 1, 2, 3], s: 2, pad: 'valid' },
    { x: [2, 9, 9, 2], f: [2, 2, 2, 3], s: 3, pad: 'valid' },
    { x: [2, 7, 7, 2], f: [2, 2, 2, 3], s: 4, pad: 'same' },
    { x: [1, 5, 5, 1], f: [5, 5, 1, 1], s: 3, pad: 'same' },
    { x: [2, 18, 18, 4], f: [5, 5, 4, 5], s: 2, pad: 'valid' },
  ];
  it.each(cases)('x $x, filter $f, stride $s, pad $pad', async ({ x, f, s, pad }) => {
    await tf.setBackend('cpu');
    try {
      tf.tidy(() => {
        const info = tf.backend_util.computeConv2DInfo(x, f, s, 1, pad);
        const dyShape: Shape4 = [x[0], info.outHeight, info.outWidth, f[3]];
        const xt = tf.tensor4d(values(size(x), 21), x);
        const ft = tf.tensor4d(values(size(f), 22), f);
        const dy = tf.tensor4d(values(size(dyShape), 23), dyShape);
        const attrs = { strides: s, pad, dataFormat: 'NHWC' };
        const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: ft }, { ...attrs, inputShape: x }) as Tensor;
        const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: f }) as Tensor;
        const dxOps = conv2dBackpropInputByOps(tf, x, dy, ft, s, pad);
        const dwOps = conv2dBackpropFilterByOps(tf, xt, dy, f, s, pad);
        expect(dxOps.shape).toEqual(x);
        expect(dwOps.shape).toEqual(f);
        expect(relErr(dxOps.dataSync() as Float32Array, dx.dataSync() as Float32Array)).toBeLessThan(1e-5);
        expect(relErr(dwOps.dataSync() as Float32Array, dw.dataSync() as Float32Array)).toBeLessThan(1e-5);
      });
    } finally {
      await tf.setBackend(startBackend);
    }
  }, SLOW);
});
