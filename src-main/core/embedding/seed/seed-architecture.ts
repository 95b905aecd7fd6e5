/**
 * The architecture of the "seed" Siamese face-pair model (tfjs-layers).
 *
 * Extractor (input 250x250x3 -> 500-d), five blocks of
 *   BatchNormalization -> Conv2D(relu, padding 'same') -> Dropout(0.2) -> MaxPooling2D(2)
 * with 20 5x5/2, 30 3x3, 50 3x3, 100 3x3 and 200 3x3 filters (the pool of block 3
 * uses padding 'same'), then Conv2D(500, 4x4, stride 4, 'valid', relu) -> Dropout(0.2)
 * -> Flatten. Spatial sizes: 250 -conv/2-> 125 -pool-> 62 -> 62 -> 31 -> 31 -pool same-> 16
 * -> 16 -> 8 -> 8 -> 4 -conv 4x4/4-> 1, so the output is 1x1x500 = 500-d.
 * 1,847,112 parameters, 406 of them non-trainable (the BatchNorm moving means/variances).
 *
 * Only the all-'same' block convolutions reach a 1x1 output with the final 4x4/4
 * 'valid' convolution, with no padding in that last one; and it is exactly with them
 * that block 3's conv output is odd (31), which is why its pool needs 'same'
 * (valid would give 15 -> 7 -> 3, too small for the 4x4 conv).
 *
 * Pair head: concat(a, b) (1000) -> Dense(100, relu) -> Dropout(0.2) -> Dense(50, relu)
 * -> Dropout(0.1) -> Dense(1, sigmoid); 105,201 parameters. The Siamese model applies
 * one shared extractor to both faces: 1,952,313 parameters.
 *
 * The fast pair scorer (projectFaces / scorePairs: the head in plain JS / wasm SIMD,
 * no tfjs) lives in pair-scorer.ts; getHeadWeights feeds it.
 */
import type { Tf } from '../../ml/runtime.js';
import type { HeadWeights } from './pair-scorer.js';
import type { SeedModel } from './seed-model.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type SymbolicTensor = import('@tensorflow/tfjs').SymbolicTensor;

export const SEED_INPUT_SIZE = 250;
export const SEED_EMBEDDING_DIM = 500;
export const SEED_HEAD_HIDDEN1 = 100;
export const SEED_HEAD_HIDDEN2 = 50;

export const SEED_EXTRACTOR_PARAMS = 1_847_112;
export const SEED_EXTRACTOR_NON_TRAINABLE_PARAMS = 406;
export const SEED_SIAMESE_PARAMS = 1_952_313;

interface BlockSpec {
  filters: number;
  kernel: number;
  stride: number;
  poolPadding: 'valid' | 'same';
}

const BLOCKS: readonly BlockSpec[] = [
  { filters: 20, kernel: 5, stride: 2, poolPadding: 'valid' },
  { filters: 30, kernel: 3, stride: 1, poolPadding: 'valid' },
  { filters: 50, kernel: 3, stride: 1, poolPadding: 'same' },
  { filters: 100, kernel: 3, stride: 1, poolPadding: 'valid' },
  { filters: 200, kernel: 3, stride: 1, poolPadding: 'valid' },
];

/** The shared face-embedding extractor: [N, 250, 250, 3] -> [N, 500]. */
export function buildExtractor(tf: Tf): LayersModel {
  const model = tf.sequential({ name: 'seed_extractor' });
  BLOCKS.forEach((b, i) => {
    const n = i + 1;
    model.add(
      tf.layers.batchNormalization({
        name: `seed_bn${n}`,
        ...(i === 0 ? { inputShape: [SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3] } : {}),
      }),
    );
    model.add(
      tf.layers.conv2d({
        name: `seed_conv${n}`,
        filters: b.filters,
        kernelSize: b.kernel,
        strides: b.stride,
        padding: 'same',
        activation: 'relu',
      }),
    );
    model.add(tf.layers.dropout({ name: `seed_drop${n}`, rate: 0.2 }));
    model.add(tf.layers.maxPooling2d({ name: `seed_pool${n}`, poolSize: 2, padding: b.poolPadding }));
  });
  model.add(
    tf.layers.conv2d({
      name: 'seed_conv6',
      filters: SEED_EMBEDDING_DIM,
      kernelSize: 4,
      strides: 4,
      padding: 'valid',
      activation: 'relu',
    }),
  );
  model.add(tf.layers.dropout({ name: 'seed_drop6', rate: 0.2 }));
  model.add(tf.layers.flatten({ name: 'seed_flatten' }));
  return model;
}

/** The pair head: ([N, 500], [N, 500]) -> [N, 1] probability that both faces are the same person. */
export function buildPairHead(tf: Tf): LayersModel {
  const a = tf.input({ shape: [SEED_EMBEDDING_DIM], name: 'seed_emb_a' });
  const b = tf.input({ shape: [SEED_EMBEDDING_DIM], name: 'seed_emb_b' });
  const ab = tf.layers.concatenate({ name: 'seed_concat', axis: -1 }).apply([a, b]) as SymbolicTensor;
  let h = tf.layers.dense({ name: 'seed_dense1', units: SEED_HEAD_HIDDEN1, activation: 'relu' }).apply(ab) as SymbolicTensor;
  h = tf.layers.dropout({ name: 'seed_hdrop1', rate: 0.2 }).apply(h) as SymbolicTensor;
  h = tf.layers.dense({ name: 'seed_dense2', units: SEED_HEAD_HIDDEN2, activation: 'relu' }).apply(h) as SymbolicTensor;
  h = tf.layers.dropout({ name: 'seed_hdrop2', rate: 0.1 }).apply(h) as SymbolicTensor;
  const out = tf.layers.dense({ name: 'seed_out', units: 1, activation: 'sigmoid' }).apply(h) as SymbolicTensor;
  return tf.model({ name: 'seed_pair_head', inputs: [a, b], outputs: out });
}

/** The Siamese model: one shared extractor applied to both faces, then the head. */
export function buildSiamese(tf: Tf, extractor: LayersModel, head: LayersModel): LayersModel {
  const shape = extractor.inputs[0]!.shape.slice(1) as number[];
  const fa = tf.input({ shape, name: 'seed_face_a' });
  const fb = tf.input({ shape, name: 'seed_face_b' });
  const ea = extractor.apply(fa) as SymbolicTensor;
  const eb = extractor.apply(fb) as SymbolicTensor;
  const out = head.apply([ea, eb]) as SymbolicTensor;
  return tf.model({ name: 'seed_siamese', inputs: [fa, fb], outputs: out });
}

/** Builds a freshly initialised extractor + head + Siamese model. */
export function buildSeedModel(tf: Tf): SeedModel {
  const extractor = buildExtractor(tf);
  const head = buildPairHead(tf);
  return { extractor, head, siamese: buildSiamese(tf, extractor, head) };
}

/** Parameter counts of a model, the way Keras' summary() reports them. */
export function countParams(model: LayersModel): { total: number; trainable: number; nonTrainable: number } {
  const count = (ws: { shape: readonly (number | null)[] }[]): number =>
    ws.reduce((s, w) => s + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
  const trainable = count(model.trainableWeights);
  const nonTrainable = count(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

/** Dimensions of the pretrained descriptor that the distillation head maps onto. */
export const SEED_DISTILL_DIM = 128;

/**
 * The distillation head: BatchNorm → Dense(128, linear) on the 500-d embedding, trained to
 * reproduce the pretrained 128-d descriptor of the same face (a dense target per image),
 * which also makes the 500-d space fit for nearest-neighbour search. Not part of the
 * study's model: it exists for training and measurement.
 *
 * Two choices keep the extractor's last relu layer alive. With a plain random Dense, the
 * head's output starts as noise that the loss removes the cheapest way: Adam drives the 500
 * units (fan-in 3,200, dropout after them) below zero for good — 6 of 500 alive after 100
 * steps at a learning rate of 5e-4, and the v1 model had 8. The batch norm makes the loss
 * blind to each unit's scale, so shrinking a unit gains nothing; the zero-initialised Dense
 * sends no gradient back until it has found directions of the embedding that predict the
 * target.
 */
export function buildDistillHead(tf: Tf, dims = SEED_DISTILL_DIM): LayersModel {
  const model = tf.sequential({ name: 'seed_distill_head' });
  model.add(tf.layers.batchNormalization({ name: 'seed_distill_bn', inputShape: [SEED_EMBEDDING_DIM] }));
  model.add(tf.layers.dense({ name: 'seed_distill', units: dims, kernelInitializer: 'zeros' }));
  return model;
}

/** Reads the pair head's Dense weights (built by buildPairHead) into a HeadWeights. */
export function getHeadWeights(head: LayersModel): HeadWeights {
  const dense = (name: string): [Float32Array, Float32Array, number[]] => {
    const layer = head.getLayer(name);
    const [k, b] = layer.getWeights();
    if (k === undefined || b === undefined) throw new Error(`head layer ${name} has no kernel/bias`);
    return [k.dataSync() as Float32Array, b.dataSync() as Float32Array, k.shape];
  };
  const [w1, b1, s1] = dense('seed_dense1');
  const [w2, b2, s2] = dense('seed_dense2');
  const [w3, b3] = dense('seed_out');
  const inDim = s1[0]! / 2;
  const h1 = s1[1]!;
  return {
    embeddingDim: inDim,
    hidden1: h1,
    hidden2: s2[1]!,
    wa: w1.slice(0, inDim * h1),
    wb: w1.slice(inDim * h1, 2 * inDim * h1),
    b1: Float32Array.from(b1),
    w2: Float32Array.from(w2),
    b2: Float32Array.from(b2),
    w3: Float32Array.from(w3),
    b3: b3[0]!,
  };
}
