/**
 * The "seed" Siamese face-pair model (tfjs-layers).
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
 * Save/load use the TensorFlow.js layers format (model.json + weights .bin) through a
 * small fs-backed IOHandler (tf.loadLayersModel('file://...') needs tfjs-node).
 *
 * The fast pair scorer (projectFaces / scorePairs: the head in plain JS / wasm SIMD,
 * no tfjs) lives in pair-scorer.ts and is re-exported here; getHeadWeights feeds it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { loadMlRuntime, type Tf } from '../../ml/runtime.js';
import type { HeadWeights } from './pair-scorer.js';
import { parseSeedPairScore, type SeedPairScore } from './seed-pair-score.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type SymbolicTensor = import('@tensorflow/tfjs').SymbolicTensor;
type Tensor = import('@tensorflow/tfjs').Tensor;
type IOHandler = import('@tensorflow/tfjs').io.IOHandler;
type ModelArtifacts = import('@tensorflow/tfjs').io.ModelArtifacts;
type ModelJSON = import('@tensorflow/tfjs').io.ModelJSON;
type WeightsManifestConfig = import('@tensorflow/tfjs').io.WeightsManifestConfig;
type WeightsManifestEntry = import('@tensorflow/tfjs').io.WeightsManifestEntry;
type SaveResult = import('@tensorflow/tfjs').io.SaveResult;

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

export interface SeedModel {
  extractor: LayersModel;
  head: LayersModel;
  siamese: LayersModel;
  /** Present in models trained with distillation. */
  distill?: LayersModel;
  /** A face's embedding is the mean of its crop's and its mirror image's (seed.json `flipAverage`). */
  flipAverage?: boolean;
  /**
   * Pixels: a face's embedding is the mean over its crop and four copies moved this far
   * diagonally (up-left, up-right, down-left, down-right; seed.json `shiftAverage`; each copy
   * flip-averaged too when set).
   */
  shiftAverage?: number;
  /** How a pair is scored from the head and the embeddings (seed.json `pairScore`); absent: the head alone. */
  pairScore?: SeedPairScore;
}

/** The largest `shiftAverage` a model may ask for (training moves crops by up to 8 px). */
export const MAX_SHIFT_AVERAGE = 32;

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

// ---------------------------------------------------------------------------
// fs IOHandler (TensorFlow.js format: model.json + weights.bin)

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/** An IOHandler that saves/loads a layers model to/from `dir` with node:fs. */
export function fileSystemHandler(tf: Tf, dir: string): IOHandler {
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('fileSystemHandler: binary model topologies are not supported');
      }
      await mkdir(dir, { recursive: true });
      const weightSpecs = artifacts.weightSpecs ?? [];
      const weights =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const manifest: WeightsManifestConfig = [{ paths: [`./${WEIGHTS_BIN}`], weights: weightSpecs }];
      const modelJson: ModelJSON = {
        modelTopology: artifacts.modelTopology as ModelJSON['modelTopology'],
        weightsManifest: manifest,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeFile(path.join(dir, WEIGHTS_BIN), new Uint8Array(weights));
      await writeFile(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData: weights }) };
    },
    async load(): Promise<ModelArtifacts> {
      const modelJson = JSON.parse(await readFile(path.join(dir, MODEL_JSON), 'utf8')) as ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest: WeightsManifestConfig) => {
        const specs: WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = path.resolve(dir, p);
            if (path.relative(dir, file).startsWith('..')) throw new Error(`weight path escapes the model folder: ${p}`);
            buffers.push(toArrayBuffer(await readFile(file)));
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

const SEED_MANIFEST = 'seed.json';

interface SeedManifest {
  format: 'facepair-seed';
  version: 1;
  inputSize: number;
  embeddingDim: number;
  extractor: string;
  head: string;
  /** Optional: the linear map 500-d -> descriptor space learnt by distillation. */
  distill?: string;
  /** Optional: embed each face as the mean of its crop's and its mirror image's embeddings. */
  flipAverage?: boolean;
  /** Optional: pixels; embed each face as the mean over its crop and four copies moved this far diagonally. */
  shiftAverage?: number;
  /** Optional: the pair score fitted over the head and the embeddings (seed-pair-score.ts). */
  pairScore?: SeedPairScore;
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

/**
 * Saves the model to `dir`: `dir/extractor/{model.json,weights.bin}`,
 * `dir/head/{model.json,weights.bin}` and `dir/seed.json`. (The Siamese wrapper has
 * no weights of its own; loadSeedModel rebuilds it around the two parts.)
 */
export async function saveSeedModel(
  dir: string,
  model: Pick<SeedModel, 'extractor' | 'head' | 'distill' | 'flipAverage' | 'shiftAverage' | 'pairScore'>,
  tf?: Tf,
): Promise<void> {
  const t = tf ?? (await loadMlRuntime()).tf;
  await model.extractor.save(fileSystemHandler(t, path.join(dir, 'extractor')));
  await model.head.save(fileSystemHandler(t, path.join(dir, 'head')));
  if (model.distill !== undefined) await model.distill.save(fileSystemHandler(t, path.join(dir, 'distill')));
  const inputSize = model.extractor.inputs[0]!.shape[1] ?? SEED_INPUT_SIZE;
  const embeddingDim = model.head.inputs[0]!.shape[1] ?? SEED_EMBEDDING_DIM;
  const manifest: SeedManifest = {
    format: 'facepair-seed',
    version: 1,
    inputSize,
    embeddingDim,
    extractor: 'extractor',
    head: 'head',
    ...(model.distill !== undefined ? { distill: 'distill' } : {}),
    ...(model.flipAverage === true ? { flipAverage: true } : {}),
    ...(model.shiftAverage !== undefined && model.shiftAverage > 0 ? { shiftAverage: model.shiftAverage } : {}),
    ...(model.pairScore !== undefined ? { pairScore: model.pairScore } : {}),
  };
  await writeFile(path.join(dir, SEED_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
}

/** Loads a model saved by saveSeedModel. */
export async function loadSeedModel(dir: string, tf?: Tf): Promise<SeedModel> {
  const t = tf ?? (await loadMlRuntime()).tf;
  const manifest = JSON.parse(await readFile(path.join(dir, SEED_MANIFEST), 'utf8')) as SeedManifest;
  if (manifest.format !== 'facepair-seed' || manifest.version !== 1) {
    throw new Error(`${dir}: not a FacePair seed model (format ${manifest.format} v${manifest.version})`);
  }
  for (const part of [manifest.extractor, manifest.head, ...(manifest.distill !== undefined ? [manifest.distill] : [])]) {
    if (typeof part !== 'string' || !/^[\w.-]+$/.test(part) || part === '.' || part === '..') {
      throw new Error(`${dir}/${SEED_MANIFEST}: bad model folder name ${JSON.stringify(part)}`);
    }
  }
  const extractor = await t.loadLayersModel(fileSystemHandler(t, path.join(dir, manifest.extractor)));
  const head = await t.loadLayersModel(fileSystemHandler(t, path.join(dir, manifest.head)));
  if (manifest.flipAverage !== undefined && typeof manifest.flipAverage !== 'boolean') {
    throw new Error(`${dir}/${SEED_MANIFEST}: flipAverage must be true or false`);
  }
  const shift = manifest.shiftAverage;
  if (shift !== undefined && !(Number.isInteger(shift) && shift >= 1 && shift <= MAX_SHIFT_AVERAGE)) {
    throw new Error(`${dir}/${SEED_MANIFEST}: shiftAverage must be a whole number of pixels from 1 to ${MAX_SHIFT_AVERAGE}`);
  }
  const pairScore = manifest.pairScore !== undefined ? parseSeedPairScore(manifest.pairScore, `${dir}/${SEED_MANIFEST}`) : undefined;
  const distill = manifest.distill !== undefined ? await t.loadLayersModel(fileSystemHandler(t, path.join(dir, manifest.distill))) : undefined;
  return {
    extractor,
    head,
    siamese: buildSiamese(t, extractor, head),
    ...(distill !== undefined ? { distill } : {}),
    ...(manifest.flipAverage === true ? { flipAverage: true } : {}),
    ...(shift !== undefined ? { shiftAverage: shift } : {}),
    ...(pairScore !== undefined ? { pairScore } : {}),
  };
}

/** How a saved model embeds a face: flip-averaged or not, shift-averaged over how many pixels (0: not). */
export interface EmbeddingViews {
  flipAverage: boolean;
  shiftAverage: number;
}

/** A model's embedding views as seed.json says them. */
export function embeddingViewsOf(model: Pick<SeedModel, 'flipAverage' | 'shiftAverage'>): EmbeddingViews {
  return { flipAverage: model.flipAverage === true, shiftAverage: model.shiftAverage ?? 0 };
}

/**
 * Sets a saved model's embedding views in seed.json (its weights stay as they are). New views
 * remove the pair score: it was fitted on embeddings of the old ones.
 */
export async function setEmbeddingViews(dir: string, views: EmbeddingViews): Promise<void> {
  if (!(Number.isInteger(views.shiftAverage) && views.shiftAverage >= 0 && views.shiftAverage <= MAX_SHIFT_AVERAGE)) {
    throw new Error(`shiftAverage must be a whole number of pixels from 0 to ${MAX_SHIFT_AVERAGE} (got ${views.shiftAverage})`);
  }
  const file = path.join(dir, SEED_MANIFEST);
  const manifest = JSON.parse(await readFile(file, 'utf8')) as SeedManifest;
  if (views.flipAverage !== (manifest.flipAverage === true) || views.shiftAverage !== (manifest.shiftAverage ?? 0)) delete manifest.pairScore;
  if (views.flipAverage) manifest.flipAverage = true;
  else delete manifest.flipAverage;
  if (views.shiftAverage > 0) manifest.shiftAverage = views.shiftAverage;
  else delete manifest.shiftAverage;
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
}

/** Sets a saved model's pair score in seed.json, or removes it (null: pairs are scored by the head alone). */
export async function setPairScore(dir: string, score: SeedPairScore | null): Promise<void> {
  const file = path.join(dir, SEED_MANIFEST);
  const manifest = JSON.parse(await readFile(file, 'utf8')) as SeedManifest;
  if (score === null) delete manifest.pairScore;
  else manifest.pairScore = parseSeedPairScore(score, 'the new pair score');
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
}

/** Sets or clears a saved model's `flipAverage`, keeping its other settings. */
export async function setFlipAverage(dir: string, on: boolean): Promise<void> {
  const manifest = JSON.parse(await readFile(path.join(dir, SEED_MANIFEST), 'utf8')) as SeedManifest;
  await setEmbeddingViews(dir, { flipAverage: on, shiftAverage: manifest.shiftAverage ?? 0 });
}

/** The directions of the four moved copies a shift-averaged embedding takes in (times its pixels). */
export const SHIFT_AVERAGE_MOVES: ReadonlyArray<readonly [number, number]> = [[1, 1], [-1, -1], [1, -1], [-1, 1]];

/**
 * The images moved by (dx, dy) pixels with their edges repeated: out(x, y) = in(x + dx, y + dy),
 * coordinates clamped to the image (as the trainer's shifted views, `toSeedInputFloats`).
 */
export function shiftClamped(tf: Tf, x: Tensor, dx: number, dy: number): Tensor {
  const along = (t: Tensor, axis: 1 | 2, d: number): Tensor => {
    if (d === 0) return t;
    const size = t.shape[axis]!;
    if (Math.abs(d) >= size) throw new Error(`shift ${d} px does not fit an image of ${size} px`);
    const begin = [0, 0, 0, 0], len = [-1, -1, -1, -1], reps = [1, 1, 1, 1];
    const part = (from: number, n: number): Tensor => {
      const b = [...begin], l = [...len];
      b[axis] = from;
      l[axis] = n;
      return tf.slice(t, b, l);
    };
    reps[axis] = Math.abs(d);
    return d > 0
      ? tf.concat([part(d, size - d), tf.tile(part(size - 1, 1), reps)], axis)
      : tf.concat([tf.tile(part(0, 1), reps), part(0, size + d)], axis);
  };
  return tf.tidy(() => along(along(x, 2, dx), 1, dy));
}

/**
 * 500-d embeddings of a batch of inputs (n x 250 x 250 x 3) as the model's views say:
 *
 * - `flipAverage`: the mean of each image's and its mirror image's embeddings. A face and its
 *   mirror image are the same person, so the mean keeps what identifies the face and halves
 *   what the extractor reads from one-sided light, pose and background; a second pass.
 * - `shiftAverage` s > 0: the mean over the image and four copies moved by (±s, ±s) px (each
 *   flip-averaged too when set): the extractor's answer varies with where the aligned face
 *   sits by a few pixels, and the mean keeps what does not. Five times the passes. Diagonal
 *   moves, not left/right/up/down: on v5's held-out validation pairs, s = 6 diagonally raised
 *   the AUC 0.9421 → 0.9471, moves of 6 px along the axes to 0.9456 (8 px: 0.9446, 0.9439).
 */
export function extractEmbeddings(tf: Tf, extractor: LayersModel, x: Tensor, views: EmbeddingViews): Tensor {
  return tf.tidy(() => {
    const s = views.shiftAverage;
    const moved = s > 0 ? [x, ...SHIFT_AVERAGE_MOVES.map(([dx, dy]) => shiftClamped(tf, x, dx * s, dy * s))] : [x];
    const inputs = views.flipAverage ? moved.flatMap((m) => [m, tf.reverse(m, 2)]) : moved;
    if (inputs.length === 1) return extractor.predict(x) as Tensor;
    return tf.div(tf.addN(inputs.map((m) => extractor.predict(m) as Tensor)), inputs.length);
  });
}

// ---------------------------------------------------------------------------
// Fast pair scorer (plain JS / wasm SIMD, no tfjs): see pair-scorer.ts

export {
  projectFaces,
  scorePairs,
  scorePairsJs,
  wasmSimdAvailable,
  type FaceProjections,
  type HeadWeights,
} from './pair-scorer.js';

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
