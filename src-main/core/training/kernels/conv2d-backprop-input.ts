/**
 * `Conv2DBackpropInput` for the wasm backend. The backend registers one, but as a plain
 * loop that takes over half of a training step. It is replaced, for strides up to 2x2,
 * by XNNPACK convolutions: one 'full' convolution for stride 1, four phase
 * convolutions interleaved for stride 2 (5-9x faster on the seed model's stride-1
 * layers, ~1.7x on its 5x5/2 first layer); larger strides keep the backend's kernel.
 * Together: one training step of 8 pairs at 250 px went from ~2.1 s to ~1.3 s here.
 */
import type { Tf } from '../../ml/runtime.js';
import type { Conv2DBackpropFilterAttrs } from './conv2d-backprop-filter.js';
import { asTensor, type KernelConfig } from './kernel-inputs.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
type Tensor4D = import('@tensorflow/tfjs').Tensor4D;
type TensorInfo = import('@tensorflow/tfjs').TensorInfo;

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

export function makeConv2DBackpropInput(tf: Tf, native: KernelConfig | undefined): KernelConfig['kernelFunc'] {
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
