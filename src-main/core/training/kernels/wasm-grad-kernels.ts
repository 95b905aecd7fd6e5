/**
 * Gradient kernels for the tfjs wasm backend (4.22), for training the seed model.
 *
 * The only one missing for the seed model is `Conv2DBackpropFilter` (the
 * gradient of a 2-D convolution with respect to its filter). For NHWC and
 * dilation 1 it is
 *
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} xPadded[n, oh*sh + kh, ow*sw + kw, ci] * dy[n, oh, ow, co]
 *
 * which is itself a convolution that the wasm backend can run (XNNPACK): take
 * the input channels as the batch and the batch as the channels
 * (xPadded -> [Ci, H', W', N]), and dy as the filter ([OH, OW, N, Co]) with a
 * dilation equal to the forward stride and stride 1. The output is
 * [Ci, KH, KW, Co], transposed to [KH, KW, Ci, Co]. xPadded is the input with
 * the forward pass's (possibly asymmetric) 'same' / explicit padding, cropped
 * to the rows and columns the taps reach (for 'valid' with a stride that does
 * not divide the size, the last rows/cols are never read). On wasm this is far
 * faster than an im2col formulation (strided slices + matMul): ~80 ms instead of
 * seconds for the [16, 250, 250, 3] 5x5/2 first layer.
 *
 * `MaxPoolGrad` is registered by the wasm backend but wrong: a window whose
 * maximum is negative gets no gradient at all, and ties go to the last position
 * (cpu and TensorFlow pick the first). It is replaced by a plain-JS kernel. In
 * the seed model every pool follows a relu, so the bug only bites windows that
 * are all zero (whose gradient the relu drops anyway), but other models pool
 * signed values.
 *
 * `Conv2DBackpropInput` is registered by the wasm backend, but as a plain loop
 * that takes over half of a training step. It is replaced, for strides up to 2x2,
 * by XNNPACK convolutions: one 'full' convolution for stride 1, four phase
 * convolutions interleaved for stride 2 (5-9x faster on the seed model's stride-1
 * layers, ~1.7x on its 5x5/2 first layer); larger strides keep the backend's kernel.
 * Together: one training step of 8 pairs at 250 px went from ~2.1 s to ~1.3 s here.
 *
 * Every other kernel a training step of the seed model runs (Step for the relu
 * gradient, FusedBatchNorm and the ops of its gradient, the dropout ops, Sigmoid,
 * ClipByValue/Select for the loss, the Adam update ops...) is registered by the
 * wasm backend itself; `missingWasmKernels` lets a test check the kernels a
 * profiled training step ran against the registry.
 */
import type { Tf } from '../../ml/runtime.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
type Tensor4D = import('@tensorflow/tfjs').Tensor4D;
type TensorInfo = import('@tensorflow/tfjs').TensorInfo;
type KernelConfig = Parameters<Tf['registerKernel']>[0];

/** Kernel names this module provides for the wasm backend. */
export const WASM_GRAD_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'] as const;

interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function asTensor(tf: Tf, info: TensorInfo): { t: Tensor; owned: boolean } {
  // Ops pass real Tensors as kernel inputs; wrap a bare TensorInfo just in case.
  if ((info as Partial<Tensor>).rank !== undefined) return { t: info as Tensor, owned: false };
  return { t: tf.engine().makeTensorFromTensorInfo(info), owned: true };
}

/**
 * The filter gradient of conv2d (dilation 1), NHWC tensors:
 * x [N, H, W, Ci], dy [N, OH, OW, Co] → dW [KH, KW, Ci, Co].
 * Exported for tests; any backend's ops can run it.
 */
export function conv2dBackpropFilterByOps(
  tf: Tf,
  x: Tensor4D,
  dy: Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: Conv2DBackpropFilterAttrs['pad'],
  dimRoundingMode?: Conv2DBackpropFilterAttrs['dimRoundingMode'],
): Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape,
      filterShape,
      strides,
      1,
      pad as Parameters<Tf['backend_util']['computeConv2DInfo']>[4],
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const [kh, kw, ci, co] = filterShape;
    const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, batchSize: n } = info;
    if (x.shape[3] !== ci) {
      throw new Error(`Conv2DBackpropFilter: x has ${x.shape[3]} channels, filter expects ${ci}`);
    }
    if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== co) {
      throw new Error(`Conv2DBackpropFilter: dy shape [${dy.shape}] does not match [${n},${oh},${ow},${co}]`);
    }
    const h = x.shape[1];
    const w = x.shape[2];
    const { top, left } = info.padInfo;
    // The taps reach rows [-top, -top + needH) and cols [-left, -left + needW) of x.
    const needH = kh + sh * (oh - 1);
    const needW = kw + sw * (ow - 1);
    // Pad where the window runs over the edges, crop rows/cols no tap reaches.
    const padTop = Math.max(0, top);
    const padLeft = Math.max(0, left);
    const padBottom = Math.max(0, needH - top - h);
    const padRight = Math.max(0, needW - left - w);
    let xp: Tensor4D = x;
    if (padTop > 0 || padLeft > 0 || padBottom > 0 || padRight > 0) {
      xp = tf.pad(x, [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ]);
    }
    const r0 = padTop - top;
    const c0 = padLeft - left;
    if (r0 !== 0 || c0 !== 0 || xp.shape[1] !== needH || xp.shape[2] !== needW) {
      xp = tf.slice(xp, [0, r0, c0, 0], [n, needH, needW, ci]);
    }
    // Input channels become the batch, the batch becomes the input channels...
    const xt = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, needH, needW, N]
    // ...and dy is the filter, dilated by the stride: [OH, OW, N, Co].
    const f = tf.transpose(dy, [1, 2, 0, 3]);
    // Output spatial size: needH - sh*(oh-1) = kh (and kw).
    const out = tf.conv2d(xt, f, 1, 'valid', 'NHWC', [sh, sw]); // [Ci, KH, KW, Co]
    return tf.transpose(out, [1, 2, 0, 3]) as Tensor4D;
  });
}

function makeConv2DBackpropFilter(tf: Tf): KernelConfig['kernelFunc'] {
  return ({ inputs, attrs }) => {
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    const xIn = asTensor(tf, inputs['x'] as TensorInfo);
    const dyIn = asTensor(tf, inputs['dy'] as TensorInfo);
    try {
      return tf.tidy(() => {
        let x = xIn.t as Tensor4D;
        let dy = dyIn.t as Tensor4D;
        if (a.dataFormat === 'NCHW') {
          x = tf.transpose(x, [0, 2, 3, 1]);
          dy = tf.transpose(dy, [0, 2, 3, 1]);
        }
        return conv2dBackpropFilterByOps(tf, x, dy, a.filterShape, a.strides, a.pad, a.dimRoundingMode);
      });
    } finally {
      if (xIn.owned) xIn.t.dispose();
      if (dyIn.owned) dyIn.t.dispose();
    }
  };
}

interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: Conv2DBackpropFilterAttrs['pad'];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** One output phase of a transposed convolution along one axis (see conv2dBackpropInputByOps). */
interface Phase {
  r: number; // filter taps r, r + s, r + 2s, ...
  taps: number; // how many
  i0: number; // first input row of the phase; rows i0, i0 + s, ...
  count: number; // how many input rows
  padBefore: number; // dy rows to add (negative: drop) before the first, for a 'valid' conv
  padAfter: number;
}

function phases(inSize: number, k: number, s: number, padBefore: number, outSize: number): Phase[] {
  const out: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const taps = r < k ? Math.ceil((k - r) / s) : 0;
    const mStart = Math.ceil((padBefore - r) / s);
    const mEnd = Math.floor((inSize - 1 + padBefore - r) / s);
    out.push({
      r,
      taps,
      i0: mStart * s + r - padBefore,
      count: mEnd - mStart + 1,
      padBefore: taps - 1 - mStart,
      padAfter: mEnd - (outSize - 1),
    });
  }
  return out.sort((a, b) => a.i0 - b.i0);
}

/**
 * The input gradient of conv2d (dilation 1), NHWC: dy [N, OH, OW, Co], filter
 * [KH, KW, Ci, Co] -> dx [N, H, W, Ci], as stride-1 convolutions the wasm backend
 * runs with XNNPACK. With stride s, the input rows i with (i + padTop) = m*s + r
 * only see the filter taps r, r+s, ...: dx[i] = sum_j dy[m - j] W[r + j*s]. So each
 * of the s_h*s_w phases is a 'valid' convolution of the (padded) dy with the phase's
 * taps, flipped, in/out channels swapped; the phases are then interleaved
 * (stack + reshape). For stride 1 it is a single 'full' convolution.
 * Exported for tests; any backend's ops can run it.
 */
export function conv2dBackpropInputByOps(
  tf: Tf,
  inputShape: [number, number, number, number],
  dy: Tensor4D,
  filter: Tensor4D,
  strides: [number, number] | number,
  pad: Conv2DBackpropFilterAttrs['pad'],
  dimRoundingMode?: Conv2DBackpropFilterAttrs['dimRoundingMode'],
): Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape,
      strides,
      1,
      pad as Parameters<Tf['backend_util']['computeConv2DInfo']>[4],
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const [n, h, w, ci] = inputShape;
    const [kh, kw, , co] = filter.shape;
    const { strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== co) {
      throw new Error(`Conv2DBackpropInput: dy shape [${dy.shape}] does not match [${n},${oh},${ow},${co}]`);
    }
    const rowPhases = phases(h, kh, sh, info.padInfo.top, oh);
    const colPhases = phases(w, kw, sw, info.padInfo.left, ow);
    const hc = Math.ceil(h / sh);
    const wc = Math.ceil(w / sw);
    const wt = tf.transpose(filter, [0, 1, 3, 2]); // [KH, KW, Co, Ci]
    const rows: Tensor[] = []; // every phase's result, row-major
    for (const ph of rowPhases) {
      const cols: Tensor[] = [];
      for (const pw of colPhases) {
        // dy rows/cols kept: [b, e); then zero padding of max(0, pad) on each side.
        const bh = Math.max(0, -ph.padBefore);
        const eh = oh - Math.max(0, -ph.padAfter);
        const bw = Math.max(0, -pw.padBefore);
        const ew = ow - Math.max(0, -pw.padAfter);
        let z: Tensor4D;
        if (ph.taps === 0 || pw.taps === 0 || ph.count <= 0 || pw.count <= 0 || eh <= bh || ew <= bw) {
          z = tf.zeros([n, Math.max(0, ph.count), Math.max(0, pw.count), ci]);
        } else {
          let taps = tf.stridedSlice(wt, [ph.r, pw.r, 0, 0], [kh, kw, co, ci], [sh, sw, 1, 1]) as Tensor4D;
          taps = tf.reverse(taps, [0, 1]);
          const d = bh > 0 || bw > 0 || eh < oh || ew < ow ? tf.slice(dy, [0, bh, bw, 0], [n, eh - bh, ew - bw, co]) : dy;
          z = tf.conv2d(d, taps, 1, [
            [0, 0],
            [Math.max(0, ph.padBefore), Math.max(0, ph.padAfter)],
            [Math.max(0, pw.padBefore), Math.max(0, pw.padAfter)],
            [0, 0],
          ]);
        }
        if (sh === 1 && sw === 1) return z;
        if (z.shape[1] !== hc || z.shape[2] !== wc) {
          z = tf.pad(z, [
            [0, 0],
            [0, hc - z.shape[1]],
            [0, wc - z.shape[2]],
            [0, 0],
          ]);
        }
        cols.push(z);
      }
      rows.push(...cols);
    }
    const grid: Tensor[] = [];
    for (let r = 0; r < rowPhases.length; r++) {
      const cols = rows.slice(r * colPhases.length, (r + 1) * colPhases.length);
      grid.push(sw === 1 ? cols[0]! : tf.stack(cols, 3)); // [N, hc, wc, (sw,) Ci]
    }
    const all = sh === 1 ? grid[0]! : tf.stack(grid, 2); // [N, hc, (sh,) wc, (sw,) Ci]
    const dx = tf.reshape(all, [n, hc * sh, wc * sw, ci]) as Tensor4D;
    return hc * sh === h && wc * sw === w ? dx : tf.slice(dx, [0, 0, 0, 0], [n, h, w, ci]);
  });
}

function makeConv2DBackpropInput(tf: Tf, native: KernelConfig | undefined): KernelConfig['kernelFunc'] {
  return (args) => {
    const { inputs, attrs } = args;
    const a = attrs as unknown as Conv2DBackpropInputAttrs;
    const [sh, sw] = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
    // Stride-1 and stride-2 layers: XNNPACK convolutions (5-10x faster than the
    // backend's own kernel). More phases (e.g. 4x4/4) are faster in the native kernel.
    if (native !== undefined && sh * sw > 4) return native.kernelFunc(args);
    const dyIn = asTensor(tf, inputs['dy'] as TensorInfo);
    const fIn = asTensor(tf, inputs['filter'] as TensorInfo);
    try {
      return tf.tidy(() => {
        let dy = dyIn.t as Tensor4D;
        let shape = a.inputShape;
        if (a.dataFormat === 'NCHW') {
          dy = tf.transpose(dy, [0, 2, 3, 1]);
          shape = [shape[0], shape[2], shape[3], shape[1]];
        }
        const dx = conv2dBackpropInputByOps(tf, shape, dy, fIn.t as Tensor4D, a.strides, a.pad, a.dimRoundingMode);
        return a.dataFormat === 'NCHW' ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
      });
    } finally {
      if (dyIn.owned) dyIn.t.dispose();
      if (fIn.owned) fIn.t.dispose();
    }
  };
}

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * MaxPool gradient (NHWC, dilation 1) in plain JS: each output's gradient goes to
 * the first position (row-major in the window) that holds the window's maximum,
 * padding never wins -- the tfjs cpu backend's and TensorFlow's rule. The wasm
 * backend's own MaxPoolGrad (4.22) drops the gradient of every window whose
 * maximum is negative and sends ties to the last position instead.
 * Exported for tests: works on any backend (reads the values synchronously).
 */
export function maxPoolGradByJs(
  tf: Tf,
  dy: Tensor4D,
  x: Tensor4D,
  filterSize: MaxPoolGradAttrs['filterSize'],
  strides: MaxPoolGradAttrs['strides'],
  pad: MaxPoolGradAttrs['pad'],
  dimRoundingMode?: MaxPoolGradAttrs['dimRoundingMode'],
): Tensor4D {
  const info = tf.backend_util.computePool2DInfo(
    x.shape,
    filterSize,
    strides,
    1,
    pad as Parameters<Tf['backend_util']['computePool2DInfo']>[4],
    dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  if (dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== c) {
    throw new Error(`MaxPoolGrad: dy shape [${dy.shape}] does not match [${n},${oh},${ow},${c}]`);
  }
  const xv = x.dataSync() as Float32Array;
  const dyv = dy.dataSync() as Float32Array;
  const dx = new Float32Array(n * h * w * c);
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && 2 * oh <= h && 2 * ow <= w) {
    // The seed model's pools: 2x2 windows, stride 2, all inside the input. Channels are
    // innermost, so the four taps are read as four contiguous runs.
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const p00 = ((b * h + 2 * i) * w + 2 * j) * c;
          const p01 = p00 + c;
          const p10 = p00 + w * c;
          const p11 = p10 + c;
          const dyBase = ((b * oh + i) * ow + j) * c;
          for (let ch = 0; ch < c; ch++) {
            let at = p00 + ch;
            let best = xv[at]!;
            // Strictly greater: ties go to the first tap, as in TensorFlow and cpu.
            if (xv[p01 + ch]! > best) { at = p01 + ch; best = xv[at]!; }
            if (xv[p10 + ch]! > best) { at = p10 + ch; best = xv[at]!; }
            if (xv[p11 + ch]! > best) { at = p11 + ch; best = xv[at]!; }
            dx[at]! += dyv[dyBase + ch]!;
          }
        }
      }
    }
    return tf.tensor4d(dx, x.shape, 'float32');
  }
  // Per channel with scalars (no per-window array fills).
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      const r0 = i * sh - top;
      const rs = Math.max(0, r0);
      const re = Math.min(h, r0 + fh);
      for (let j = 0; j < ow; j++) {
        const c0 = j * sw - left;
        const cs = Math.max(0, c0);
        const ce = Math.min(w, c0 + fw);
        const dyBase = ((b * oh + i) * ow + j) * c;
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity;
          let at = -1;
          for (let r = rs; r < re; r++) {
            let k = ((b * h + r) * w + cs) * c + ch;
            for (let q = cs; q < ce; q++, k += c) {
              const v = xv[k]!;
              // `at < 0` takes the first in-bounds value even if it is NaN or -Infinity.
              if (v > best || at < 0) {
                best = v;
                at = k;
              }
            }
          }
          if (at >= 0) dx[at]! += dyv[dyBase + ch]!;
        }
      }
    }
  }
  return tf.tensor4d(dx, x.shape, 'float32');
}

function makeMaxPoolGrad(tf: Tf): KernelConfig['kernelFunc'] {
  return ({ inputs, attrs }) => {
    const a = attrs as unknown as MaxPoolGradAttrs;
    const dyIn = asTensor(tf, inputs['dy'] as TensorInfo);
    const xIn = asTensor(tf, inputs['input'] as TensorInfo);
    try {
      return maxPoolGradByJs(tf, dyIn.t as Tensor4D, xIn.t as Tensor4D, a.filterSize, a.strides, a.pad, a.dimRoundingMode);
    } finally {
      if (xIn.owned) xIn.t.dispose();
      if (dyIn.owned) dyIn.t.dispose();
    }
  };
}

/**
 * Names in `kernelNames` (e.g. a `tf.profile` result's kernelNames) that are not
 * registered for the wasm backend. Custom-gradient op scopes, which tf.profile
 * lists as 'name__op', are not kernels and are skipped.
 */
export function missingWasmKernels(tf: Tf, kernelNames: Iterable<string>): string[] {
  const missing = new Set<string>();
  for (const name of kernelNames) {
    if (name.endsWith('__op')) continue;
    if (tf.getKernel(name, 'wasm') === undefined) missing.add(name);
  }
  return [...missing].sort();
}

const MARK = Symbol.for('facepair.seed.wasmGradKernel');

type MarkedKernelFunc = KernelConfig['kernelFunc'] & { [MARK]?: true };

function isOurs(tf: Tf, kernelName: string): boolean {
  const k = tf.getKernel(kernelName, 'wasm') as KernelConfig | undefined;
  return k !== undefined && (k.kernelFunc as MarkedKernelFunc)[MARK] === true;
}

function install(tf: Tf, kernelName: string, kernelFunc: KernelConfig['kernelFunc']): void {
  (kernelFunc as MarkedKernelFunc)[MARK] = true;
  // Replace (without registerKernel's "already registered" warning) a backend kernel.
  if (tf.getKernel(kernelName, 'wasm') !== undefined) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

/**
 * Registers the gradient kernels for the wasm backend: `Conv2DBackpropFilter`
 * (missing from tfjs-backend-wasm 4.22), `Conv2DBackpropInput` (faster than the
 * backend's for strides up to 2x2, delegating to it otherwise) and `MaxPoolGrad`
 * (replaces the backend's, which is wrong for windows whose maximum is negative). Idempotent:
 * a kernel this module already installed is left alone. Returns the names it
 * (re)registered in this call. Works before or after the wasm backend is set.
 */
export function registerWasmGradKernels(tf: Tf): string[] {
  const added: string[] = [];
  if (!isOurs(tf, 'Conv2DBackpropFilter')) {
    install(tf, 'Conv2DBackpropFilter', makeConv2DBackpropFilter(tf));
    added.push('Conv2DBackpropFilter');
  }
  if (!isOurs(tf, 'Conv2DBackpropInput')) {
    const native = tf.getKernel('Conv2DBackpropInput', 'wasm') as KernelConfig | undefined;
    install(tf, 'Conv2DBackpropInput', makeConv2DBackpropInput(tf, native));
    added.push('Conv2DBackpropInput');
  }
  if (!isOurs(tf, 'MaxPoolGrad')) {
    install(tf, 'MaxPoolGrad', makeMaxPoolGrad(tf));
    added.push('MaxPoolGrad');
  }
  return added;
}
