/**
 * `MaxPoolGrad` for the wasm backend. The backend registers one, but it is wrong: a window
 * whose maximum is negative gets no gradient at all, and ties go to the last position (cpu
 * and TensorFlow pick the first). It is replaced by a plain-JS kernel. In the seed model
 * every pool follows a relu, so the bug only bites windows that are all zero (whose
 * gradient the relu drops anyway), but other models pool signed values.
 */
import type { Tf } from '../../ml/runtime.js';
import { asTensor, type KernelConfig } from './kernel-inputs.js';

type Tensor4D = import('@tensorflow/tfjs').Tensor4D;
type TensorInfo = import('@tensorflow/tfjs').TensorInfo;

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

export function makeMaxPoolGrad(tf: Tf): KernelConfig['kernelFunc'] {
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
