/**
 * Gives dead embedding units a fresh start when training continues from a saved model.
 *
 * Why: the embedding is a relu convolution (seed_conv6, 3,200 inputs → 500 units). A unit
 * whose pre-activation is below zero on every face gets no gradient and stays dead for
 * good; in seed model v2 only 86 of 500 units are alive, so most of the 500-d embedding
 * carries nothing and more training cannot change that. Each dead unit gets new incoming
 * weights (random directions, as long as the live units' median) and a bias that puts it
 * above zero on half of the calibration faces, so it starts out informative and alive.
 *
 * The layers reading the embedding ignore a revived unit at first: its outgoing rows in the
 * distillation head's Dense and in the pair head's first Dense are zeroed (and its
 * distillation batch norm reset), so at the moment of revival the outputs change by at most
 * a constant (what a dead unit's normalised zero added) and those rows then grow from their
 * own gradients, as with the zero-initialised head.
 */
import type { Tf } from '../../ml/runtime.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;

export const EMBEDDING_LAYER = 'seed_conv6';
const FEATURE_LAYER = 'seed_pool5';

export interface ReviveResult {
  /** Units whose pre-activation was ≤ 0 on every calibration image. */
  dead: number[];
  /** Fraction of calibration images each revived unit is active on afterwards (should be near activeFraction). */
  activeAfter: number[];
}

export interface ReviveOptions {
  /** Random normal numbers (mean 0, sd 1), e.g. from a seeded generator. */
  normal: () => number;
  /** Share of calibration faces a revived unit is active on. */
  activeFraction?: number;
}

/**
 * `images` are calibration input batches (dropout is off: inference mode). The extractor,
 * `distill` (BatchNorm → Dense) and `head` (first layer a Dense over [a, b]) are changed in
 * place. Disposes the batches.
 */
export function reviveDeadUnits(
  tf: Tf,
  extractor: LayersModel,
  images: Iterable<Tensor>,
  o: ReviveOptions,
  distill?: LayersModel,
  head?: LayersModel,
): ReviveResult {
  const active = o.activeFraction ?? 0.5;
  if (!(active > 0 && active < 1)) throw new Error(`activeFraction must be in (0, 1), got ${active}`);
  const conv = extractor.getLayer(EMBEDDING_LAYER);
  const [kernelT, biasT] = conv.getWeights();
  const kShape = kernelT!.shape;
  const units = kShape[3]!;
  const fanIn = kShape[0]! * kShape[1]! * kShape[2]!;
  const kernel = kernelT!.dataSync().slice() as Float32Array; // [kh, kw, cin, units] = [fanIn, units] row-major
  const bias = biasT!.dataSync().slice() as Float32Array;

  // The conv's input for every calibration image, flattened in the kernel's order. (This
  // model shares the extractor's layers and has no weights of its own: nothing to dispose.)
  const features = tf.model({ inputs: extractor.inputs, outputs: extractor.getLayer(FEATURE_LAYER).output });
  const rows: Float32Array[] = [];
  for (const x of images) {
    const f = tf.tidy(() => (features.predict(x) as Tensor).reshape([x.shape[0]!, fanIn]));
    x.dispose();
    const data = f.dataSync() as Float32Array;
    f.dispose();
    for (let n = 0; n < x.shape[0]!; n++) rows.push(data.subarray(n * fanIn, (n + 1) * fanIn));
  }
  if (rows.length < 2) throw new Error('reviveDeadUnits: needs at least two calibration images');
  if (features.outputs[0]!.shape[1] !== kShape[0]) throw new Error(`reviveDeadUnits: ${FEATURE_LAYER} does not match the ${EMBEDDING_LAYER} kernel`);

  const column = (u: number): Float32Array => Float32Array.from({ length: fanIn }, (_, i) => kernel[i * units + u]!);
  const preActivations = (w: Float32Array, b: number): Float64Array =>
    Float64Array.from(rows, (r) => {
      let s = b;
      for (let i = 0; i < fanIn; i++) s += r[i]! * w[i]!;
      return s;
    });

  const dead: number[] = [];
  const liveNorms: number[] = [];
  for (let u = 0; u < units; u++) {
    const w = column(u);
    const pre = preActivations(w, bias[u]!);
    if (pre.every((v) => v <= 0)) dead.push(u);
    else liveNorms.push(Math.hypot(...w));
  }
  if (dead.length === 0) {
    return { dead, activeAfter: [] };
  }
  liveNorms.sort((a, b) => a - b);
  // With no live unit to copy a scale from, He initialisation's expected norm.
  const norm = liveNorms.length > 0 ? liveNorms[liveNorms.length >> 1]! : Math.sqrt(2);

  const activeAfter: number[] = [];
  for (const u of dead) {
    const w = Float32Array.from({ length: fanIn }, () => o.normal());
    const scale = norm / Math.hypot(...w);
    for (let i = 0; i < fanIn; i++) w[i] = w[i]! * scale;
    const pre = preActivations(w, 0).sort();
    // The bias that leaves `active` of the images above zero.
    const at = Math.min(pre.length - 1, Math.max(0, Math.floor((1 - active) * pre.length)));
    const b = -(pre[at]! + (at > 0 ? pre[at - 1]! : pre[at]! - 1e-3)) / 2;
    for (let i = 0; i < fanIn; i++) kernel[i * units + u] = w[i]!;
    bias[u] = b;
    activeAfter.push(pre.filter((v) => v + b > 0).length / pre.length);
  }
  conv.setWeights([tf.tensor(kernel, kShape), tf.tensor(bias, biasT!.shape)]);

  if (distill !== undefined) {
    const bn = distill.layers.find((l) => l.getClassName() === 'BatchNormalization');
    const dense = distill.layers.find((l) => l.getClassName() === 'Dense');
    if (bn === undefined || dense === undefined) throw new Error('reviveDeadUnits: the distillation head should be BatchNorm → Dense');
    // gamma, beta, moving mean, moving variance: a fresh unit, normalised by its own statistics once recalibrated.
    const [gamma, beta, mean, variance] = bn.getWeights().map((t) => t.dataSync().slice() as Float32Array);
    for (const u of dead) {
      gamma![u] = 1;
      beta![u] = 0;
      mean![u] = 0;
      variance![u] = 1;
    }
    bn.setWeights([gamma!, beta!, mean!, variance!].map((a) => tf.tensor1d(a)));
    zeroInputRows(tf, dense, dead, units);
  }
  if (head !== undefined) {
    const dense = head.layers.find((l) => l.getClassName() === 'Dense');
    if (dense === undefined) throw new Error('reviveDeadUnits: the pair head has no Dense layer');
    // The head sees [a, b]: a unit is input row u for the first face and units + u for the second.
    zeroInputRows(tf, dense, [...dead, ...dead.map((u) => u + units)], undefined);
  }
  return { dead, activeAfter };
}

function zeroInputRows(tf: Tf, dense: ReturnType<LayersModel['getLayer']>, rows: readonly number[], expectedInputs: number | undefined): void {
  const [k, ...rest] = dense.getWeights();
  const [inputs, outputs] = k!.shape as [number, number];
  if (expectedInputs !== undefined && inputs !== expectedInputs) throw new Error(`reviveDeadUnits: ${dense.name} reads ${inputs} inputs, the embedding has ${expectedInputs}`);
  const data = k!.dataSync().slice() as Float32Array;
  for (const r of rows) data.fill(0, r * outputs, (r + 1) * outputs);
  dense.setWeights([tf.tensor(data, k!.shape), ...rest]);
}
