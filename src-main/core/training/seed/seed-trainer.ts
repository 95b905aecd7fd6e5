/**
 * Trains the seed face-pair model (extractor + pair head, optionally with a distillation
 * head) on LFW View 1's DevTrain people, in TypeScript with tfjs: the same code runs on
 * tfjs-node and on the wasm backend (with the gradient kernels of wasm-grad-kernels.ts).
 *
 * - Pairs as in the study: half of every batch from one person, half from two different
 *   people; each image mirrored left-right at random.
 * - People never cross splits: about 10% of peopleDevTrain (chosen by a hash of the name,
 *   so the split does not depend on which images are present) are held out for validation
 *   and early stopping; the people of pairsDevTest are never read.
 * - Adam, binary cross-entropy on the pair head (both orders of each pair, so the head
 *   learns score(a, b) = score(b, a)); with `distill`, plus the mean squared error between
 *   a linear 128-d map of the 500-d embedding and the pretrained descriptor of the same
 *   face (unit-normalised, then standardised on the training images): a dense target per
 *   image learns far faster than one bit per pair. With `pairWeight` 0 the extractor learns
 *   from that target alone, on images drawn uniformly, and `refitPairHead` then fits the
 *   pair head on frozen embeddings, hundreds of pairs a step.
 * - Augmentation: random horizontal flips, and random shifts of up to `maxShift` pixels.
 * - Learning rate: constant, or a linear warm-up then cosine decay over `scheduleMinutes`.
 * - Data-parallel over `gradWorkers` worker threads (grad-workers.ts): on wasm, one thread
 *   per backend, this is how training uses both cores.
 * - An "epoch" is `stepsPerEpoch` steps (the study's 100,000 pairs would take a day here);
 *   after each, validation loss, accuracy and AUC on fixed pairs of the held-out people;
 *   the best weights are kept (and exported), training stops after `patience` epochs
 *   without improvement, or at `maxMinutes`.
 * - A checkpoint (all weights, Adam's state, step, epoch, the sampler's random state and
 *   the early-stopping state) is written every `checkpointMinutes` and on SIGINT/SIGTERM,
 *   atomically; the next run with the same work folder resumes from it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { auc, binaryCrossEntropy } from '../../ml/pair-metrics.js';
import { devTrainPeople, imageKey, imagePath, isValidationPerson, lfwDataset } from '../../benchmarks/lfw/lfw-protocol.js';
import { ensureLfwScanned } from '../../benchmarks/lfw/lfw-faces.js';
import { replaceCardSection } from '../../benchmarks/model-card.js';
import { loadMlRuntime, type Tf } from '../../ml/runtime.js';
import { embeddingViewsOf, extractEmbeddings, type EmbeddingViews } from '../../embedding/seed/embedding-views.js';
import { buildDistillHead, buildExtractor, buildPairHead, SEED_DISTILL_DIM, SEED_EMBEDDING_DIM, SEED_INPUT_SIZE } from '../../embedding/seed/seed-architecture.js';
import { setEmbeddingViews, setPairScore } from '../../embedding/seed/seed-manifest.js';
import { fileSystemHandler, loadSeedModel, saveSeedModel } from '../../embedding/seed/seed-model-files.js';
import { registerBatchNormGradient } from '../kernels/batchnorm-grad.js';
import { recalibrateBatchNorm } from '../kernels/recalibrate-batchnorm.js';
import { EMBEDDING_LAYER, reviveDeadUnits } from '../kernels/revive-units.js';
import { registerWasmGradKernels } from '../kernels/wasm-grad-kernels.js';
import { GradWorkers } from './grad-workers.js';
import { IMAGE_BYTES, ImageCache } from './image-cache.js';
import { seedShardLoss, trainableVariables, type LossSettings, type Shard } from './seed-loss.js';
import { Rng } from '../../ml/rng.js';
import { applyGradientsScaled } from './scaled-step.js';
import { distillSpaceAuc } from './distill-space-auc.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;
type Optimizer = import('@tensorflow/tfjs').AdamOptimizer;
type LayerVariable = LayersModel['weights'][number];

export interface TrainSeedOptions {
  /** The LFW folder (images/ and the protocol files). */
  data: string;
  /** Library database holding the scan of LFW's images (built when missing, resumable). */
  cacheDb: string;
  /** Checkpoints, the decoded image cache and the log of the run. */
  workDir: string;
  /** Where the best model so far is exported (TF.js format). */
  outDir: string;
  /** Scan LFW into cacheDb when images are missing (else train on what it holds). */
  scan: boolean;
  distill: boolean;
  distillWeight: number;
  /**
   * Weight of the pair loss. 0 trains the extractor on the distillation target alone, on
   * images drawn uniformly (every image as often, not the people with several images more
   * often as pairs do); the pair head is then fitted on frozen embeddings (`refitPairHead`).
   */
  pairWeight: number;
  /** Learning rate over training time: constant, or cosine decay to 2% over `scheduleMinutes`. */
  schedule: 'constant' | 'cosine';
  scheduleMinutes: number;
  /**
   * Linear warm-up of the learning rate over the first minutes. Without it, the first large
   * Adam steps can push every unit of the last relu layer below zero for good (seen at 2e-3:
   * all 500 features dead, loss stuck at the mean's).
   */
  warmupMinutes: number;
  /** Largest random shift of a training image, in pixels (augmentation beside the flips). */
  maxShift: number;
  /**
   * Learning-rate multiplier for the embedding layer (seed_conv6). Its 3,200 inputs are the
   * last block's pooled relu outputs, all ≥ 0, and it is the only layer without a batch norm
   * in front: Adam's near-unit steps then move every weight of a unit the same way, shifting
   * its pre-activation by about lr × the sum of its inputs in one step, and a unit pushed
   * below zero for every face is dead for good. A smaller rate there keeps units alive.
   */
  embeddingLrScale: number;
  /** Worker threads that compute gradients of shards of each batch beside the main thread. */
  gradWorkers: number;
  batchPairs: number;
  stepsPerEpoch: number;
  patience: number;
  maxEpochs: number;
  /** Stop (with a checkpoint) after this much training time in this run. */
  maxMinutes: number;
  learningRate: number;
  checkpointMinutes: number;
  validationFraction: number;
  validationPairs: number;
  seed: number;
  /** Ignore an existing checkpoint. */
  fresh: boolean;
  /**
   * Start a run without a checkpoint from a saved model's weights (extractor, head, and the
   * distillation head where it has one) instead of random ones: continues training a
   * committed model on another machine or in a later session (Adam starts afresh).
   */
  initFrom?: string;
  /** With initFrom: give the saved model's dead embedding units a fresh start (revive-units.ts). */
  reviveDeadUnits?: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
}

export const DEFAULT_TRAIN_SEED: Omit<TrainSeedOptions, 'data' | 'cacheDb' | 'workDir' | 'outDir' | 'log'> = {
  scan: true,
  distill: true,
  distillWeight: 1,
  pairWeight: 1,
  schedule: 'constant',
  scheduleMinutes: Infinity,
  warmupMinutes: 0,
  maxShift: 0,
  embeddingLrScale: 1,
  gradWorkers: 0,
  batchPairs: 8,
  stepsPerEpoch: 250,
  patience: 10,
  maxEpochs: 1000,
  maxMinutes: Infinity,
  learningRate: 1e-3,
  checkpointMinutes: 5,
  validationFraction: 0.1,
  validationPairs: 600,
  seed: 1,
  fresh: false,
};

interface EpochRecord {
  epoch: number;
  step: number;
  seconds: number;
  trainLoss: number;
  trainAccuracy: number;
  trainAuc: number;
  valLoss: number;
  valBce: number;
  valMse: number;
  valAccuracy: number;
  valAuc: number;
  /**
   * AUC of (minus) the Euclidean distance in the distillation space (with distill): on every
   * pair of the images that the validation pairs draw on (531 of 1,077 on all of LFW) since
   * selection "distill-auc-all-pairs", on the validation pairs alone before.
   */
  valDistillAuc?: number;
  /** Units of the 500-d embedding that are above zero for at least one validation image (a dead relu unit never is). */
  liveUnits?: number;
  learningRate?: number;
}

/**
 * The model-selection criterion: the validation loss, or, on the distillation target alone,
 * 1 − the distillation space's AUC on every pair of the validation pairs' images.
 */
type Selection = 'validation-loss' | 'distill-auc-all-pairs';

interface CheckpointState {
  format: 'facepair-seed-checkpoint';
  version: 1;
  step: number;
  epoch: number;
  rng: number;
  /**
   * The best value of the selection criterion so far (lower is better): the validation loss,
   * or, when training on the distillation target alone, 1 − the distillation space's
   * validation AUC (the inference-mode MSE lags while batch-norm's moving averages catch up
   * with fast-changing weights, and it is the pair ranking that the model is for).
   */
  bestValLoss: number;
  /** What bestValLoss measures (absent: the criterion of checkpoints before this field). */
  selection?: Selection;
  bestEpoch: number;
  badEpochs: number;
  trainSeconds: number;
  /** Which validation pairs the early-stopping figures were measured on. */
  validationSignature?: string;
  /** Dead embedding units given a fresh start when this run began from a saved model. */
  revivedUnits?: number;
  history: EpochRecord[];
  config: {
    distill: boolean;
    distillWeight: number;
    pairWeight?: number;
    schedule?: 'constant' | 'cosine';
    scheduleMinutes?: number;
    warmupMinutes?: number;
    maxShift?: number;
    embeddingLrScale?: number;
    batchPairs: number;
    learningRate: number;
    stepsPerEpoch: number;
    /** The saved model this run started from, if any. */
    initFrom?: string;
  };
  tensors: Array<{ group: 'model' | 'optimizer'; name: string; shape: number[]; offset: number; length: number }>;
  savedAt: string;
}

export interface TrainSeedResult {
  stopped: 'early-stopping' | 'max-epochs' | 'time-limit' | 'interrupted';
  epochs: number;
  steps: number;
  trainSeconds: number;
  best: EpochRecord | null;
  trainImages: number;
  trainPeople: number;
  validationImages: number;
  validationPeople: number;
}

interface Sample {
  /** cache index */
  i: number;
  person: number;
}

interface Split {
  cacheIndex: number[];
  byPerson: number[][];
  multi: number[];
}

function makeSplit(indices: number[], personOf: number[]): Split {
  const map = new Map<number, number[]>();
  for (const i of indices) {
    const p = personOf[i]!;
    const l = map.get(p) ?? [];
    l.push(i);
    map.set(p, l);
  }
  const byPerson = [...map.values()];
  return { cacheIndex: indices, byPerson, multi: byPerson.flatMap((l, k) => (l.length >= 2 ? [k] : [])) };
}

/** Half same-person pairs, half two-person pairs. */
function samplePairs(split: Split, rng: Rng, n: number): Array<[Sample, Sample, boolean]> {
  const out: Array<[Sample, Sample, boolean]> = [];
  for (let k = 0; k < n; k++) {
    if (k < n / 2 && split.multi.length > 0) {
      const p = rng.pick(split.multi);
      const imgs = split.byPerson[p]!;
      const a = rng.int(imgs.length);
      let b = rng.int(imgs.length - 1);
      if (b >= a) b++;
      out.push([{ i: imgs[a]!, person: p }, { i: imgs[b]!, person: p }, true]);
    } else {
      const p = rng.int(split.byPerson.length);
      let q = rng.int(split.byPerson.length - 1);
      if (q >= p) q++;
      out.push([{ i: rng.pick(split.byPerson[p]!), person: p }, { i: rng.pick(split.byPerson[q]!), person: q }, false]);
    }
  }
  return out;
}

const TARGET_NORM = Math.sqrt(SEED_DISTILL_DIM);

/** The learning rate after `minutes` of training (over all resumed runs). */
export function learningRateAt(
  o: Pick<TrainSeedOptions, 'learningRate' | 'schedule' | 'scheduleMinutes'> & { warmupMinutes?: number },
  minutes: number,
): number {
  const warm = o.warmupMinutes !== undefined && o.warmupMinutes > 0 ? Math.min(1, (minutes + 0.05) / o.warmupMinutes) : 1;
  if (o.schedule === 'constant') return o.learningRate * warm;
  const t = Math.min(1, Math.max(0, minutes / o.scheduleMinutes));
  return o.learningRate * warm * (0.02 + 0.98 * 0.5 * (1 + Math.cos(Math.PI * t)));
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${file}.tmp`, data);
  await rename(`${file}.tmp`, file);
}

/**
 * Centres the distillation targets on the training images' mean and scales them to unit
 * variance per dimension, in place. Raw unit-norm descriptors share a large common part:
 * predicting their mean already leaves only ~16% of their mean square, so a plain MSE on
 * them is mostly spent on the mean (the v1 run never got below that baseline). Distances
 * between targets only shrink by a constant, so the space still mirrors the descriptor's.
 */
export function standardizeTargets(targets: Float32Array, hasTarget: Uint8Array, trainIdx: readonly number[]): { std: number; meanShare: number } {
  const d = SEED_DISTILL_DIM;
  const mean = new Float64Array(d);
  let n = 0, meanSquare = 0;
  for (const i of trainIdx) {
    if (!hasTarget[i]) continue;
    n++;
    for (let k = 0; k < d; k++) {
      const v = targets[i * d + k]!;
      mean[k]! += v;
      meanSquare += v * v;
    }
  }
  if (n === 0) return { std: 1, meanShare: 1 };
  for (let k = 0; k < d; k++) mean[k]! /= n;
  let variance = 0;
  for (const i of trainIdx) {
    if (!hasTarget[i]) continue;
    for (let k = 0; k < d; k++) variance += (targets[i * d + k]! - mean[k]!) ** 2;
  }
  const std = Math.sqrt(variance / (n * d)) || 1;
  for (let i = 0; i < hasTarget.length; i++) {
    if (!hasTarget[i]) continue;
    for (let k = 0; k < d; k++) targets[i * d + k] = (targets[i * d + k]! - mean[k]!) / std;
  }
  return { std, meanShare: variance / meanSquare };
}

/** How one view of a cached image is drawn: mirrored, and moved by (dx, dy) pixels. */
export interface ImageView {
  flip: boolean;
  dx: number;
  dy: number;
}

/**
 * 500-d embeddings (inference mode) of cached images, and their distillation-head outputs
 * when `distill` is given (else `proj` is empty). `view(k)` draws the k-th image another way
 * than as it is; `embedding` says how a face is embedded (seed.json's flip and shift averages;
 * default: the crop alone).
 */
function embedCached(
  tf: Tf,
  cache: ImageCache,
  indices: readonly number[],
  extractor: LayersModel,
  distill?: LayersModel,
  log?: (line: string) => void,
  options: { view?: (k: number) => ImageView; embedding?: EmbeddingViews } = {},
): { emb: Float32Array; proj: Float32Array } {
  const emb = new Float32Array(indices.length * SEED_EMBEDDING_DIM);
  const proj = new Float32Array(distill ? indices.length * SEED_DISTILL_DIM : 0);
  let batch = 0;
  for (const x of cachedBatches(tf, cache, indices, options.view)) {
    const s = batch * CACHED_BATCH;
    tf.tidy(() => {
      const e = extractEmbeddings(tf, extractor, x, options.embedding ?? { flipAverage: false, shiftAverage: 0 });
      emb.set(e.dataSync(), s * SEED_EMBEDDING_DIM);
      if (distill) proj.set((distill.predict(e) as Tensor).dataSync(), s * SEED_DISTILL_DIM);
    });
    x.dispose();
    if (log && batch % 50 === 0) log(`  embedded ${s + x.shape[0]!}/${indices.length} images`);
    batch++;
  }
  return { emb, proj };
}

/** How faces are embedded, in words for the log. */
function describeViews(v: EmbeddingViews): string {
  const parts = [v.flipAverage ? 'flip-averaged' : '', v.shiftAverage > 0 ? `shift-averaged over ${v.shiftAverage} px` : ''].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(', ') : 'plain';
}

const CACHED_BATCH = 32;

/** Cached images as inference input batches, in order (as they are unless `view` says otherwise); the caller disposes them. */
function* cachedBatches(tf: Tf, cache: ImageCache, indices: readonly number[], view?: (k: number) => ImageView): Generator<Tensor> {
  const buf = new Float32Array(CACHED_BATCH * IMAGE_BYTES);
  const scratch = Buffer.allocUnsafe(IMAGE_BYTES);
  for (let s = 0; s < indices.length; s += CACHED_BATCH) {
    const m = Math.min(CACHED_BATCH, indices.length - s);
    for (let k = 0; k < m; k++) {
      const v = view?.(s + k);
      cache.readFloat(indices[s + k]!, buf, k * IMAGE_BYTES, v?.flip ?? false, scratch, v?.dx ?? 0, v?.dy ?? 0);
    }
    // A copy: a consumer may keep every batch (the batch-norm recalibration does).
    yield tf.tensor4d(buf.slice(0, m * IMAGE_BYTES), [m, SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3]);
  }
}

type DataOptions = Pick<TrainSeedOptions, 'data' | 'cacheDb' | 'scan' | 'workDir' | 'validationFraction' | 'log'>;

/** DevTrain people's images (the central face's aligned crop and descriptor), split into training and validation people, decoded into the image cache. */
async function prepareData(o: DataOptions): Promise<{
  usable: Array<{ key: string; person: string; n: number }>;
  targets: Float32Array;
  hasTarget: Uint8Array;
  trainIdx: number[];
  valIdx: number[];
  train: Split;
  val: Split;
  cache: ImageCache;
}> {
  const log = o.log;
  const ds = lfwDataset(o.data);
  const people = devTrainPeople(ds);
  const wanted: Array<{ key: string; person: string; n: number }> = [];
  for (const p of people) for (let n = 1; n <= p.images; n++) wanted.push({ key: imageKey({ name: p.name, n }), person: p.name, n });
  const faces = await ensureLfwScanned(o.cacheDb, ds.imagesDir, wanted.map((w) => w.key), { scan: o.scan, log });
  const usable = wanted.filter((w) => faces.has(w.key));
  const personNames = [...new Set(usable.map((w) => w.person))];
  const personIndex = new Map(personNames.map((n, i) => [n, i]));
  const sources = usable.map((w) => {
    const f = faces.get(w.key)!;
    return { key: w.key, file: f.alignedFile ?? imagePath(ds.imagesDir, { name: w.person, n: w.n }) };
  });
  const targets = new Float32Array(usable.length * SEED_DISTILL_DIM);
  const hasTarget = new Uint8Array(usable.length);
  usable.forEach((w, i) => {
    const d = faces.get(w.key)!.descriptor;
    if (d === null) return;
    const norm = Math.hypot(...d) || 1;
    for (let k = 0; k < SEED_DISTILL_DIM; k++) targets[i * SEED_DISTILL_DIM + k] = (d[k]! / norm) * TARGET_NORM;
    hasTarget[i] = 1;
  });
  const personOf = usable.map((w) => personIndex.get(w.person)!);
  const trainIdx: number[] = [], valIdx: number[] = [];
  usable.forEach((w, i) => (isValidationPerson(w.person, o.validationFraction) ? valIdx : trainIdx).push(i));
  const spread = standardizeTargets(targets, hasTarget, trainIdx);
  const train = makeSplit(trainIdx, personOf);
  const val = makeSplit(valIdx, personOf);
  log(
    `distillation targets standardised: minus the training mean, divided by ${spread.std.toFixed(4)} ` +
      `(the mean alone left ${(spread.meanShare * 100).toFixed(0)}% of the raw targets' mean square unexplained)`,
  );
  log(
    `DevTrain: ${people.length} people, ${wanted.length} images; usable here ${usable.length} ` +
      `(${usable.length - hasTarget.reduce((s, v) => s + v, 0)} without a detected face); ` +
      `training ${train.byPerson.length} people / ${trainIdx.length} images, validation ${val.byPerson.length} people / ${valIdx.length} images`,
  );
  await mkdir(o.workDir, { recursive: true });
  const cache = await ImageCache.build(path.join(o.workDir, 'cache'), sources, log);

  return { usable, targets, hasTarget, trainIdx, valIdx, train, val, cache };
}

export async function trainSeed(options: TrainSeedOptions): Promise<TrainSeedResult> {
  const o = options;
  const log = o.log;
  const { tf, backend } = await loadMlRuntime();
  if (backend === 'wasm') registerWasmGradKernels(tf);
  registerBatchNormGradient(tf);
  log(`tfjs backend: ${backend}`);

  const distillOnly = o.pairWeight === 0;
  if (distillOnly && !o.distill) throw new Error('pairWeight 0 needs the distillation loss: nothing would be trained');
  if (o.schedule === 'cosine' && !Number.isFinite(o.scheduleMinutes)) throw new Error('the cosine schedule needs scheduleMinutes');
  const { usable, targets, hasTarget, trainIdx, valIdx, train, val, cache } = await prepareData(o);
  const trainWithTarget = trainIdx.filter((i) => hasTarget[i] === 1);

  // --- model
  const extractor = buildExtractor(tf);
  const head = buildPairHead(tf);
  const distill = buildDistillHead(tf);
  const optimizer = tf.train.adam(o.learningRate) as Optimizer;
  // Adam reads its (protected) learningRate on every update: the schedule sets it.
  const adam = optimizer as unknown as { learningRate: number };
  const modelWeights: LayerVariable[] = [...extractor.weights, ...head.weights, ...(o.distill ? distill.weights : [])];
  const lossModels = { extractor, head, distill };
  const lossSettings: LossSettings = { distill: o.distill, distillWeight: o.distillWeight, pairWeight: o.pairWeight };
  const trainable = trainableVariables(lossModels, lossSettings);
  if (!(o.embeddingLrScale > 0)) throw new Error(`embeddingLrScale must be above 0, got ${o.embeddingLrScale}`);
  const slowVariables = o.embeddingLrScale === 1 ? [] : trainable.filter((v) => v.name.startsWith(`${EMBEDDING_LAYER}/`));
  if (o.embeddingLrScale !== 1 && slowVariables.length !== 2) throw new Error(`expected the kernel and bias of ${EMBEDDING_LAYER} among the trained variables, found ${slowVariables.length}`);

  let state: CheckpointState = {
    format: 'facepair-seed-checkpoint',
    version: 1,
    step: 0,
    epoch: 0,
    rng: o.seed,
    bestValLoss: Infinity,
    bestEpoch: -1,
    badEpochs: 0,
    trainSeconds: 0,
    history: [],
    config: {
      distill: o.distill,
      distillWeight: o.distillWeight,
      pairWeight: o.pairWeight,
      schedule: o.schedule,
      scheduleMinutes: Number.isFinite(o.scheduleMinutes) ? o.scheduleMinutes : undefined,
      warmupMinutes: o.warmupMinutes,
      maxShift: o.maxShift,
      embeddingLrScale: o.embeddingLrScale,
      batchPairs: o.batchPairs,
      learningRate: o.learningRate,
      stepsPerEpoch: o.stepsPerEpoch,
      ...(o.initFrom !== undefined ? { initFrom: o.initFrom } : {}),
    },
    tensors: [],
    savedAt: '',
  };
  const ckptJson = path.join(o.workDir, 'checkpoint.json');
  const ckptBin = path.join(o.workDir, 'checkpoint.bin');
  if (!o.fresh && existsSync(ckptJson) && existsSync(ckptBin)) {
    state = JSON.parse(await readFile(ckptJson, 'utf8')) as CheckpointState;
    if (state.format !== 'facepair-seed-checkpoint' || state.version !== 1) throw new Error(`${ckptJson}: not a seed training checkpoint`);
    if (state.config.distill !== o.distill) throw new Error(`${ckptJson} was trained with distill=${state.config.distill}; pass the same setting or --fresh`);
    const bin = await readFile(ckptBin);
    const f32 = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
    const modelT = state.tensors.filter((t) => t.group === 'model');
    if (modelT.length !== modelWeights.length) throw new Error(`${ckptJson}: ${modelT.length} model tensors, the model has ${modelWeights.length}`);
    modelT.forEach((t, k) => {
      const w = modelWeights[k]!;
      if (w.shape.join(',') !== t.shape.join(',')) throw new Error(`${ckptJson}: ${t.name} has shape ${t.shape}, the model ${w.shape}`);
      w.write(tf.tensor(f32.subarray(t.offset, t.offset + t.length), t.shape));
    });
    const optT = state.tensors.filter((t) => t.group === 'optimizer');
    if (optT.length > 0) {
      await optimizer.setWeights(optT.map((t) => ({ name: t.name, tensor: tf.tensor(f32.slice(t.offset, t.offset + t.length), t.shape) })));
    }
    log(`resumed from ${ckptJson}: epoch ${state.epoch}, step ${state.step}, ${(state.trainSeconds / 60).toFixed(1)} min trained, best selection value ${state.bestValLoss.toFixed(4)} (epoch ${state.bestEpoch})`);
  } else if (!o.fresh && existsSync(ckptJson)) {
    throw new Error(`${ckptJson} exists without its checkpoint.bin`);
  } else if (o.initFrom !== undefined) {
    const from = await loadSeedModel(o.initFrom, tf);
    extractor.setWeights(from.extractor.getWeights());
    head.setWeights(from.head.getWeights());
    if (from.distill !== undefined) distill.setWeights(from.distill.getWeights());
    log(`initialised from ${o.initFrom}${from.distill === undefined ? ' (no distillation head there: that one starts at zero)' : ''}`);
    from.siamese.dispose();
    from.distill?.dispose();
  }
  const rng = new Rng(state.rng);

  const saveCheckpoint = async (): Promise<void> => {
    const opt = await optimizer.getWeights();
    const parts: Array<{ group: 'model' | 'optimizer'; name: string; shape: number[]; data: Float32Array }> = [
      ...modelWeights.map((w) => ({ group: 'model' as const, name: w.name, shape: w.shape as number[], data: w.read().dataSync() as Float32Array })),
      ...opt.map((n) => ({ group: 'optimizer' as const, name: n.name, shape: n.tensor.shape, data: n.tensor.dataSync() as Float32Array })),
    ];
    let offset = 0;
    state.tensors = parts.map((p) => {
      const t = { group: p.group, name: p.name, shape: p.shape, offset, length: p.data.length };
      offset += p.data.length;
      return t;
    });
    const all = new Float32Array(offset);
    parts.forEach((p, k) => all.set(p.data, state.tensors[k]!.offset));
    state.rng = rng.state;
    state.savedAt = new Date().toISOString();
    await writeAtomic(ckptBin, new Uint8Array(all.buffer));
    await writeAtomic(ckptJson, JSON.stringify(state, null, 1));
  };

  // --- validation: fixed pairs of held-out people
  const valRng = new Rng(12345);
  const valPairs = val.byPerson.length >= 2 ? samplePairs(val, valRng, o.validationPairs) : [];
  const valImages = [...new Set(valPairs.flatMap(([a, b]) => [a.i, b.i]))];
  const valPersonOf = new Map(val.byPerson.flatMap((imgs, p) => imgs.map((i) => [i, p] as const)));
  const valImagePersons = valImages.map((i) => valPersonOf.get(i)!);
  const valImagePairs = (valImages.length * (valImages.length - 1)) / 2;
  const signature = createHash('sha256')
    .update(valPairs.map(([a, b, same]) => `${usable[a.i]!.key}|${usable[b.i]!.key}|${same ? 1 : 0}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  // The old best is not comparable: selection starts over from the current weights.
  const startSelectionOver = (why: string): void => {
    if (state.history.length > 0) log(`${why}: model selection starts over from the current weights`);
    state.bestValLoss = Infinity;
    state.badEpochs = 0;
  };
  // More images became available (a scan finished).
  if (state.validationSignature !== undefined && state.validationSignature !== signature) {
    startSelectionOver(`the validation pairs changed (${state.validationSignature} -> ${signature})`);
  }
  state.validationSignature = signature;
  const selection: Selection = distillOnly ? 'distill-auc-all-pairs' : 'validation-loss';
  // A checkpoint without the field selected on the validation loss, or (distillation alone) on 600 sampled pairs.
  if ((state.selection ?? 'validation-loss') !== selection) startSelectionOver(`the selection criterion changed (${state.selection ?? 'earlier'} -> ${selection})`);
  state.selection = selection;
  // Resumed with another loss, and so another selection criterion.
  if ((state.config.pairWeight ?? 1) !== o.pairWeight) {
    startSelectionOver(`the pair weight changed (${state.config.pairWeight ?? 1} -> ${o.pairWeight})`);
    state.config.pairWeight = o.pairWeight;
  }


  // Batch-norm statistics for inference, re-estimated before every validation (and so in
  // every exported model) from a fixed sample of training images: see recalibrate-batchnorm.ts.
  const calRng = new Rng(777);
  const calibration = Array.from({ length: Math.min(256, trainIdx.length) }, () => calRng.pick(trainIdx));
  const calibrationBatches = (): Generator<Tensor> => cachedBatches(tf, cache, calibration);
  const recalibrate = (): void => {
    if (calibration.length === 0) return;
    recalibrateBatchNorm(tf, o.distill ? [extractor, distill] : [extractor], calibrationBatches());
  };
  if (o.reviveDeadUnits && state.step === 0) {
    if (o.initFrom === undefined) throw new Error('reviving dead units needs a saved model to start from (initFrom)');
    if (calibration.length < 2) throw new Error('reviving dead units needs at least two training images');
    const normalRng = new Rng(o.seed ^ 0x5eed);
    const { dead, activeAfter } = reviveDeadUnits(tf, extractor, calibrationBatches(), { normal: () => normalRng.normal() }, o.distill ? distill : undefined, head);
    const meanActive = activeAfter.reduce((s, v) => s + v, 0) / Math.max(1, activeAfter.length);
    log(`revived ${dead.length} dead embedding units of ${SEED_EMBEDDING_DIM} (each now active on ${(100 * meanActive).toFixed(0)}% of ${calibration.length} calibration faces on average)`);
    state.revivedUnits = dead.length;
  }

  const validate = (): Omit<EpochRecord, 'epoch' | 'step' | 'seconds' | 'trainLoss' | 'trainAccuracy' | 'trainAuc'> => {
    if (valPairs.length === 0) return { valLoss: NaN, valBce: NaN, valMse: NaN, valAccuracy: NaN, valAuc: NaN };
    recalibrate();
    const { emb, proj } = embedCached(tf, cache, valImages, extractor, o.distill ? distill : undefined);
    const at = new Map(valImages.map((i, k) => [i, k]));
    const n = valPairs.length;
    const ea = new Float32Array(n * SEED_EMBEDDING_DIM), eb = new Float32Array(n * SEED_EMBEDDING_DIM);
    valPairs.forEach(([a, b], k) => {
      ea.set(emb.subarray(at.get(a.i)! * SEED_EMBEDDING_DIM, (at.get(a.i)! + 1) * SEED_EMBEDDING_DIM), k * SEED_EMBEDDING_DIM);
      eb.set(emb.subarray(at.get(b.i)! * SEED_EMBEDDING_DIM, (at.get(b.i)! + 1) * SEED_EMBEDDING_DIM), k * SEED_EMBEDDING_DIM);
    });
    const [pab, pba] = tf.tidy(() => {
      const ta = tf.tensor2d(ea, [n, SEED_EMBEDDING_DIM]), tb = tf.tensor2d(eb, [n, SEED_EMBEDDING_DIM]);
      return [(head.predict([ta, tb]) as Tensor).dataSync(), (head.predict([tb, ta]) as Tensor).dataSync()];
    });
    const same = valPairs.map((p) => p[2]);
    const both = Float32Array.from([...pab!, ...pba!]);
    const valBce = binaryCrossEntropy(both, [...same, ...same]);
    const prob = Float32Array.from(pab!, (v, k) => (v + pba![k]!) / 2);
    let right = 0;
    prob.forEach((p, k) => (right += (p >= 0.5) === same[k] ? 1 : 0));
    let mse = 0, cnt = 0;
    if (o.distill) {
      valImages.forEach((i, k) => {
        if (!hasTarget[i]) return;
        for (let d = 0; d < SEED_DISTILL_DIM; d++) mse += (proj[k * SEED_DISTILL_DIM + d]! - targets[i * SEED_DISTILL_DIM + d]!) ** 2;
        cnt += SEED_DISTILL_DIM;
      });
    }
    const valMse = cnt > 0 ? mse / cnt : 0;
    let liveUnits = 0;
    for (let d = 0; d < SEED_EMBEDDING_DIM; d++) {
      for (let k = 0; k < valImages.length; k++) {
        if (emb[k * SEED_EMBEDDING_DIM + d]! > 0) {
          liveUnits++;
          break;
        }
      }
    }
    // Closer in the distillation space = more likely one person (as with the descriptor).
    const valDistillAuc = o.distill ? distillSpaceAuc(proj, SEED_DISTILL_DIM, valImagePersons) : undefined;
    return {
      valLoss: o.pairWeight * valBce + (o.distill ? o.distillWeight * valMse : 0),
      valBce,
      valMse,
      valAccuracy: right / n,
      valAuc: auc(prob, same),
      ...(valDistillAuc !== undefined ? { valDistillAuc } : {}),
      liveUnits,
    };
  };

  const exportBest = async (): Promise<void> => {
    const tmp = path.join(o.workDir, 'best.tmp');
    await rm(tmp, { recursive: true, force: true });
    await saveSeedModel(tmp, { extractor, head, ...(o.distill ? { distill } : {}) }, tf);
    const best = path.join(o.workDir, 'best');
    await rm(best, { recursive: true, force: true });
    await rename(tmp, best);
    await mkdir(o.outDir, { recursive: true });
    for (const part of ['extractor', 'head', 'distill']) await rm(path.join(o.outDir, part), { recursive: true, force: true });
    await cp(best, o.outDir, { recursive: true });
  };

  const writeTrainingReport = async (stopped: TrainSeedResult['stopped'] | 'running'): Promise<void> => {
    const best = state.history.find((h) => h.epoch === state.bestEpoch) ?? null;
    const report = {
      stopped,
      backend,
      data: 'LFW View 1 peopleDevTrain (people of pairsDevTest never used)',
      trainPeople: train.byPerson.length,
      trainImages: trainIdx.length,
      validationPeople: val.byPerson.length,
      validationImages: valIdx.length,
      validationPairs: valPairs.length,
      settings: { ...state.config, patience: o.patience, optimizer: 'adam', loss: o.distill ? 'pairWeight * bce + distillWeight * mse(distill(e), standardised(descriptor/|descriptor|*sqrt(128)))' : 'bce', flips: 'random horizontal, p = 0.5', shifts: `up to ${o.maxShift} px`, threads: 1 + o.gradWorkers, input: '250x250 RGB / 255, LFW-template-aligned crop of the most central face' },
      steps: state.step,
      epochs: state.epoch,
      trainMinutes: state.trainSeconds / 60,
      best,
      history: state.history,
      updatedAt: new Date().toISOString(),
    };
    await writeAtomic(path.join(o.workDir, 'training.json'), JSON.stringify(report, null, 1) + '\n');
    if (existsSync(path.join(o.outDir, 'seed.json'))) {
      await writeAtomic(path.join(o.outDir, 'training.json'), JSON.stringify(report, null, 1) + '\n');
      const f = (v: number | undefined, d = 4): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
      await replaceCardSection(
        path.join(o.outDir, 'MODEL_CARD.md'),
        'training',
        [
          `- State: ${stopped === 'running' ? 'training in progress (these are the best weights so far)' : `stopped (${stopped})`}; updated ${report.updatedAt.slice(0, 16).replace('T', ' ')} UTC.`,
          `- Backend: tfjs ${backend}. ${state.step} steps of ${o.batchPairs} pairs (${state.step * o.batchPairs * 2} face images), ${state.epoch} epochs of ${o.stepsPerEpoch} steps, ${(state.trainSeconds / 3600).toFixed(2)} h of training.`,
          ...(state.config.initFrom !== undefined
            ? [`- Started from the saved model ${state.config.initFrom} (its weights; Adam and the schedule afresh)${state.revivedUnits ? `, with its ${state.revivedUnits} dead embedding units given a fresh start (revive-units.ts)` : ''}; the figures below are this run's alone.`]
            : []),
          `- Data: ${train.byPerson.length} DevTrain people / ${trainIdx.length} images for training; ${val.byPerson.length} held-out DevTrain people / ${valIdx.length} images for validation (${valPairs.length} fixed pairs).`,
          `- Settings: Adam (learning rate ${o.learningRate}${o.embeddingLrScale !== 1 ? `, ${o.embeddingLrScale} x that for the embedding layer seed_conv6` : ''}${o.schedule === 'cosine' ? `, ${o.warmupMinutes > 0 ? `${o.warmupMinutes} min linear warm-up, ` : ''}cosine decay to 2% over ${o.scheduleMinutes} min` : ''}), ` +
            `${o.pairWeight > 0 ? `${o.pairWeight} x binary cross-entropy on both orders of each pair (pairs half same person)` : 'no pair loss (images drawn uniformly; the pair head is refitted afterwards on frozen embeddings)'}` +
            `${o.distill ? `, plus ${o.distillWeight} x mean squared error of the distillation head against the descriptor (unit-normalised, standardised on the training images)` : ''}; ` +
            `random horizontal flips${o.maxShift > 0 ? ` and shifts of up to ${o.maxShift} px` : ''}; ${2 * o.batchPairs} images a step on ${1 + o.gradWorkers} thread(s); model selection and early stopping on ${o.pairWeight === 0 ? `the distillation space's AUC on all ${valImagePairs} pairs of the ${valImages.length} images in the validation pairs` : 'validation loss'}, patience ${o.patience}; batch-norm statistics re-estimated at inference before every validation.`,
          `- Best epoch: ${best ? `${best.epoch} (step ${best.step}): validation loss ${f(best.valLoss)}, accuracy ${f(best.valAccuracy, 3)}, AUC ${f(best.valAuc, 3)}${best.valDistillAuc !== undefined ? `, distillation-space AUC ${f(best.valDistillAuc, 3)}` : ''}` : '-'}` +
            `${o.pairWeight === 0 ? ` (the head's figures are those of the ${state.config.initFrom !== undefined ? 'head it started with' : 'untrained head'}: it is fitted after training, see head-refit.json)` : ''}.`,
          '',
          '| epoch | step | hours | learning rate | train loss | train acc | val loss | val bce | val mse | val acc | val AUC (head) | val AUC (distillation space) | live units |',
          '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
          ...state.history.map(
            (h) =>
              `| ${h.epoch} | ${h.step} | ${(h.seconds / 3600).toFixed(2)} | ${h.learningRate === undefined ? '-' : h.learningRate.toExponential(2)} | ${f(h.trainLoss)} | ${f(h.trainAccuracy, 3)} | ` +
              `${f(h.valLoss)} | ${f(h.valBce)} | ${f(h.valMse)} | ${f(h.valAccuracy, 3)} | ${f(h.valAuc, 3)} | ${f(h.valDistillAuc, 3)} | ${h.liveUnits ?? '-'} |`,
          ),
        ].join('\n'),
      );
    }
  };

  // --- the loop
  const B = o.batchPairs;
  const P = 1 + o.gradWorkers;
  if (B % P !== 0) throw new Error(`--batch-pairs ${B} must be a multiple of the ${P} threads that share each batch`);
  const Bp = B / P;
  const xBuf = new Float32Array(2 * Bp * IMAGE_BYTES);
  const scratch = Buffer.allocUnsafe(IMAGE_BYTES);
  const gradWorkers = o.gradWorkers > 0 ? await GradWorkers.start(o.gradWorkers, lossSettings) : undefined;
  if (gradWorkers) log(`data-parallel: ${P} threads, ${Bp} pairs each per step`);
  const recent: Array<{ p: number; same: boolean; loss: number }> = [];
  let lastCkpt = performance.now();
  const runStart = performance.now();
  let stepTimeSum = 0, stepCount = 0;
  let stopped: TrainSeedResult['stopped'] | null = null;
  const trainSecondsAtStart = state.trainSeconds;

  while (stopped === null) {
    // The step is synchronous tensor work: yield so that signals (Ctrl-C) get handled.
    await new Promise((resolve) => setImmediate(resolve));
    if (o.signal?.aborted) {
      stopped = 'interrupted';
      break;
    }
    if ((performance.now() - runStart) / 60_000 >= o.maxMinutes) {
      stopped = 'time-limit';
      break;
    }
    const t0 = performance.now();
    adam.learningRate = learningRateAt(o, state.trainSeconds / 60);
    // Distillation alone: 2B images drawn uniformly; the "pairs" (k, B + k) only feed the log.
    const pairs: Array<[Sample, Sample, boolean]> = distillOnly
      ? Array.from({ length: B }, (): [Sample, Sample, boolean] => [{ i: rng.pick(trainWithTarget), person: -1 }, { i: rng.pick(trainWithTarget), person: -1 }, false])
      : samplePairs(train, rng, B);
    // Shard s holds pairs [s*Bp, (s+1)*Bp): the main thread computes shard 0, worker s-1 shard s.
    const makeShard = (sh: number): Shard => {
      const part = pairs.slice(sh * Bp, (sh + 1) * Bp);
      const x = sh === 0 ? xBuf : new Float32Array(2 * Bp * IMAGE_BYTES);
      const shard: Shard = { pairs: Bp, x, y: new Float32Array(2 * Bp), target: new Float32Array(2 * Bp * SEED_DISTILL_DIM), mask: new Float32Array(2 * Bp) };
      [...part.map((p) => p[0]), ...part.map((p) => p[1])].forEach((img, k) => {
        const flip = rng.next() < 0.5;
        const dx = o.maxShift > 0 ? rng.int(2 * o.maxShift + 1) - o.maxShift : 0;
        const dy = o.maxShift > 0 ? rng.int(2 * o.maxShift + 1) - o.maxShift : 0;
        cache.readFloat(img.i, x, k * IMAGE_BYTES, flip, scratch, dx, dy);
        shard.mask[k] = hasTarget[img.i]!;
        shard.target.set(targets.subarray(img.i * SEED_DISTILL_DIM, (img.i + 1) * SEED_DISTILL_DIM), k * SEED_DISTILL_DIM);
      });
      part.forEach((p, k) => {
        shard.y[k] = p[2] ? 1 : 0;
        shard.y[Bp + k] = p[2] ? 1 : 0;
      });
      return shard;
    };
    // The workers' shards first, so that they start while the main thread reads its own.
    const remote = gradWorkers
      ? gradWorkers.grads(
          trainable.map((v) => (v.dataSync() as Float32Array).slice()),
          Array.from({ length: P - 1 }, (_, k) => makeShard(k + 1)),
        )
      : Promise.resolve([]);
    const mainShard = makeShard(0);
    let localProbs: Float32Array = new Float32Array(0);
    const local = tf.variableGrads(() => {
      const r = seedShardLoss(tf, lossModels, lossSettings, mainShard);
      localProbs = r.probs;
      return r.loss;
    }, trainable);
    const others = await remote;
    let lossValue = local.value.dataSync()[0]!;
    for (const other of others) lossValue += other.loss;
    lossValue /= P;
    tf.tidy(() => {
      const averaged: Record<string, Tensor> = {};
      trainable.forEach((v, k) => {
        const mine = local.grads[v.name];
        if (mine === undefined) return;
        let g: Tensor = mine;
        for (const other of others) g = tf.add(g, tf.tensor(other.grads[k]!, v.shape));
        averaged[v.name] = P > 1 ? tf.div(g, P) : g;
      });
      applyGradientsScaled(tf, optimizer, averaged, slowVariables, o.embeddingLrScale);
    });
    local.value.dispose();
    Object.values(local.grads).forEach((g) => g.dispose());
    // Per pair, the mean of both orders' probabilities, in the batch's pair order.
    const probs = [localProbs, ...others.map((r) => r.probs)];
    if (!Number.isFinite(lossValue)) throw new Error(`loss became ${lossValue} at step ${state.step}`);
    for (let k = 0; k < B; k++) {
      const pr = probs[Math.floor(k / Bp)]!;
      const j = k % Bp;
      recent.push({ p: distillOnly ? NaN : (pr[j]! + pr[Bp + j]!) / 2, same: pairs[k]![2], loss: lossValue });
    }
    while (recent.length > 400) recent.shift();
    state.step++;
    const dt = (performance.now() - t0) / 1000;
    state.trainSeconds += dt;
    stepTimeSum += dt;
    stepCount++;

    if (state.step % 25 === 0) {
      const acc = recent.filter((r) => (r.p >= 0.5) === r.same).length / recent.length;
      const meanLoss = recent.reduce((s, r) => s + r.loss, 0) / recent.length;
      log(
        `epoch ${state.epoch + 1} step ${state.step}: loss ${meanLoss.toFixed(4)} ` +
          (distillOnly ? '' : `acc ${acc.toFixed(3)} auc ${auc(recent.map((r) => r.p), recent.map((r) => r.same)).toFixed(3)} `) +
          `(last ${recent.length} ${distillOnly ? 'image pairs' : 'pairs'}), lr ${adam.learningRate.toExponential(2)}, ` +
          `${(stepTimeSum / stepCount).toFixed(2)} s/step, ${(state.trainSeconds / 60).toFixed(1)} min trained`,
      );
      stepTimeSum = 0;
      stepCount = 0;
    }

    if (state.step % o.stepsPerEpoch === 0) {
      state.epoch++;
      const tv = performance.now();
      const v = validate();
      const rec: EpochRecord = {
        epoch: state.epoch,
        step: state.step,
        seconds: state.trainSeconds,
        trainLoss: recent.reduce((s, r) => s + r.loss, 0) / Math.max(1, recent.length),
        trainAccuracy: distillOnly ? NaN : recent.filter((r) => (r.p >= 0.5) === r.same).length / Math.max(1, recent.length),
        trainAuc: distillOnly ? NaN : auc(recent.map((r) => r.p), recent.map((r) => r.same)),
        ...v,
        learningRate: adam.learningRate,
      };
      state.history.push(rec);
      const criterion = distillOnly ? 1 - (rec.valDistillAuc ?? 0) : rec.valLoss;
      const improved = criterion < state.bestValLoss;
      if (improved) {
        state.bestValLoss = criterion;
        state.bestEpoch = state.epoch;
        state.badEpochs = 0;
        await exportBest();
      } else state.badEpochs++;
      log(
        `epoch ${state.epoch} done: val loss ${rec.valLoss.toFixed(4)} (bce ${rec.valBce.toFixed(4)}, mse ${rec.valMse.toFixed(4)}) ` +
          `acc ${rec.valAccuracy.toFixed(3)} auc ${rec.valAuc.toFixed(3)}` +
          (rec.valDistillAuc !== undefined ? ` distill-space auc ${rec.valDistillAuc.toFixed(4)} (all ${valImagePairs} pairs of ${valImages.length} images)` : '') +
          `, ${rec.liveUnits ?? '-'}/${SEED_EMBEDDING_DIM} live units` +
          ` on ${valPairs.length} pairs of ${val.byPerson.length} held-out people ` +
          `${improved ? '(best so far: exported to ' + o.outDir + ')' : `(no better for ${state.badEpochs})`} [${((performance.now() - tv) / 1000).toFixed(0)} s]`,
      );
      await saveCheckpoint();
      await writeTrainingReport('running');
      lastCkpt = performance.now();
      if (state.badEpochs >= o.patience) stopped = 'early-stopping';
      else if (state.epoch >= o.maxEpochs) stopped = 'max-epochs';
    } else if ((performance.now() - lastCkpt) / 60_000 >= o.checkpointMinutes) {
      await saveCheckpoint();
      lastCkpt = performance.now();
      log(`checkpoint at step ${state.step} -> ${ckptJson}`);
    }
  }
  await gradWorkers?.close();
  await saveCheckpoint();
  await writeTrainingReport(stopped);
  cache.close();
  log(`stopped (${stopped}) at epoch ${state.epoch}, step ${state.step}; ${((state.trainSeconds - trainSecondsAtStart) / 60).toFixed(1)} min in this run, ${(state.trainSeconds / 60).toFixed(1)} min in all`);
  const best = state.history.find((h) => h.epoch === state.bestEpoch) ?? null;
  return {
    stopped,
    epochs: state.epoch,
    steps: state.step,
    trainSeconds: state.trainSeconds,
    best,
    trainImages: trainIdx.length,
    trainPeople: train.byPerson.length,
    validationImages: valIdx.length,
    validationPeople: val.byPerson.length,
  };
}

export type { Tf };

// ---------------------------------------------------------------------------
// Head refit: the pair head alone, on frozen embeddings

export interface RefitHeadOptions extends DataOptions {
  /** The trained model folder (its head is replaced by the refit one when that is better on validation). */
  modelDir: string;
  steps: number;
  batchPairs: number;
  learningRate: number;
  validationPairs: number;
  evalEvery: number;
  patience: number;
  seed: number;
  /**
   * Embeddings per training image the head learns from: the image as it is, and views - 1
   * more drawn at random (mirrored, moved by up to `viewShift` px), once each.
   */
  views: number;
  viewShift: number;
  /** Embed flip-averaged (and write that to seed.json with the head); default: the model's setting. */
  flipAverage?: boolean;
  /** Embed shift-averaged over this many pixels, 0 for not (written likewise); default: the model's setting. */
  shiftAverage?: number;
}
export interface HeadFigures {
  valBce: number;
  valAccuracy: number;
  valAuc: number;
}

export interface RefitHeadResult {
  before: HeadFigures;
  after: HeadFigures;
  steps: number;
  seconds: number;
  /** The model was changed: a refit head, new embedding views, or both. */
  replaced: boolean;
  /** A refit head was written (false: the head stayed, at most the embedding views changed). */
  headRefit: boolean;
}

/**
 * With the extractor trained, every training image is embedded once and the pair head is
 * trained alone on many random pairs of those embeddings (hundreds per step, milliseconds
 * a step) instead of the 8 pairs a full step affords: the head gets far more pairs for the
 * same time. Early stopping on the same validation pairs as the full training; the head is
 * written back only if its validation AUC is higher than the one it replaces. AUC, not the
 * cross-entropy: the head fits the training people's embeddings (which the extractor has
 * seen) and grows overconfident on new people well before it stops ranking their pairs
 * better (v3: validation AUC 0.924 → 0.940 while the cross-entropy rose 0.41 → 0.82), and
 * the evaluation chooses its threshold on held-out pairs, so calibration is not what counts.
 */
export async function refitPairHead(o: RefitHeadOptions): Promise<RefitHeadResult> {
  const t0 = performance.now();
  const log = o.log;
  if (!Number.isInteger(o.views) || o.views < 1) throw new Error(`views must be a whole number ≥ 1 (got ${o.views})`);
  const { tf } = await loadMlRuntime();
  const { trainIdx, valIdx, train, val, cache } = await prepareData(o);
  const model = await loadSeedModel(o.modelDir, tf);
  const { extractor, head } = model;
  const current = embeddingViewsOf(model);
  const embedding: EmbeddingViews = { flipAverage: o.flipAverage ?? current.flipAverage, shiftAverage: o.shiftAverage ?? current.shiftAverage };
  const { flipAverage } = embedding;
  const sameViews = embedding.flipAverage === current.flipAverage && embedding.shiftAverage === current.shiftAverage;
  const valEmb = embedCached(tf, cache, valIdx, extractor, undefined, log, { embedding }).emb;
  // The model as it is (its own embedding setting) is what a refit head has to beat.
  const valEmbNow = sameViews ? valEmb : embedCached(tf, cache, valIdx, extractor, undefined, log, { embedding: current }).emb;
  const trainEmb: Float32Array[] = [];
  const S = Math.round(o.viewShift);
  for (let v = 0; v < o.views; v++) {
    const vr = new Rng(o.seed + 7919 * (v + 1));
    // A mirrored view of a flip-averaged embedding is the same embedding: only shifts then.
    const view = (): ImageView => ({ flip: !flipAverage && vr.next() < 0.5, dx: vr.int(2 * S + 1) - S, dy: vr.int(2 * S + 1) - S });
    trainEmb.push(embedCached(tf, cache, trainIdx, extractor, undefined, log, { embedding, ...(v > 0 ? { view } : {}) }).emb);
    log(`embedded view ${v + 1}/${o.views} of ${trainIdx.length} training images${v > 0 ? ` (${flipAverage ? 'flip-averaged' : 'random flips'}, random shifts up to ${S} px)` : ''}`);
  }
  cache.close();
  log(`embedded in ${((performance.now() - t0) / 1000).toFixed(0)} s (${describeViews(embedding)})`);
  const trainRow = new Map(trainIdx.map((i, k) => [i, k]));
  const valRow = new Map(valIdx.map((i, k) => [i, k]));

  const rng = new Rng(o.seed);
  const gather = (
    pairs: ReadonlyArray<[Sample, Sample, boolean]>,
    source: (i: number) => Float32Array,
    rowOf: ReadonlyMap<number, number>,
  ): [Float32Array, Float32Array, Float32Array] => {
    const a = new Float32Array(pairs.length * SEED_EMBEDDING_DIM), b = new Float32Array(pairs.length * SEED_EMBEDDING_DIM);
    const y = new Float32Array(pairs.length);
    const put = (dst: Float32Array, s: Sample, k: number): void => {
      const r = rowOf.get(s.i)!;
      dst.set(source(s.i).subarray(r * SEED_EMBEDDING_DIM, (r + 1) * SEED_EMBEDDING_DIM), k * SEED_EMBEDDING_DIM);
    };
    pairs.forEach(([p, q, same], k) => {
      put(a, p, k);
      put(b, q, k);
      y[k] = same ? 1 : 0;
    });
    return [a, b, y];
  };
  const valPairs = samplePairs(val, new Rng(12345), o.validationPairs);
  if (valPairs.length === 0) throw new Error('no validation people with images: cannot refit the head');
  const [va, vb] = gather(valPairs, () => valEmb, valRow);
  const vSame = valPairs.map((p) => p[2]);
  const figures = (ea: Float32Array, eb: Float32Array): HeadFigures => {
    const n = valPairs.length;
    const [pab, pba] = tf.tidy(() => {
      const ta = tf.tensor2d(ea, [n, SEED_EMBEDDING_DIM]), tb = tf.tensor2d(eb, [n, SEED_EMBEDDING_DIM]);
      return [(head.predict([ta, tb]) as Tensor).dataSync(), (head.predict([tb, ta]) as Tensor).dataSync()];
    });
    const prob = Float32Array.from(pab!, (v, k) => (v + pba![k]!) / 2);
    let right = 0;
    prob.forEach((p, k) => (right += (p >= 0.5) === vSame[k] ? 1 : 0));
    return { valBce: binaryCrossEntropy(Float32Array.from([...pab!, ...pba!]), [...vSame, ...vSame]), valAccuracy: right / n, valAuc: auc(prob, vSame) };
  };
  const show = (f: HeadFigures): string => `val bce ${f.valBce.toFixed(4)} acc ${f.valAccuracy.toFixed(3)} auc ${f.valAuc.toFixed(4)}`;
  const [na, nb] = valEmbNow === valEmb ? [va, vb] : gather(valPairs, () => valEmbNow, valRow);
  const before = figures(na, nb);
  log(`model as it is (${describeViews(current)}): ${show(before)}`);
  // Its head on the new embeddings: what the refit head has to beat for a new head to be written.
  const start = sameViews ? before : figures(va, vb);
  if (!sameViews) log(`its head on embeddings ${describeViews(embedding)}: ${show(start)}`);
  const startWeights = head.getWeights().map((w) => w.clone());
  let best: HeadFigures | null = null;
  let bestWeights = head.getWeights().map((w) => w.clone());
  let bad = 0, step = 0;
  const optimizer = tf.train.adam(o.learningRate);
  const vars = head.trainableWeights.map((w) => (w as unknown as { val: import('@tensorflow/tfjs').Variable }).val);
  const B = o.batchPairs;
  const trainSource = (): Float32Array => trainEmb[rng.int(trainEmb.length)]!;
  for (step = 1; step <= o.steps; step++) {
    const [a, b, y] = gather(samplePairs(train, rng, B), trainSource, trainRow);
    tf.tidy(() => {
      const ta = tf.tensor2d(a, [B, SEED_EMBEDDING_DIM]), tb = tf.tensor2d(b, [B, SEED_EMBEDDING_DIM]);
      const ty = tf.tensor2d(y, [B, 1]);
      const yy = tf.concat([ty, ty], 0);
      optimizer.minimize(() => {
        const p = tf.concat([head.apply([ta, tb], { training: true }) as Tensor, head.apply([tb, ta], { training: true }) as Tensor], 0);
        return tf.losses.logLoss(yy, p) as import('@tensorflow/tfjs').Scalar;
      }, false, vars);
    });
    if (step % o.evalEvery === 0) {
      const f = figures(va, vb);
      const better = best === null || f.valAuc > best.valAuc;
      if (better) {
        best = f;
        bestWeights.forEach((w) => w.dispose());
        bestWeights = head.getWeights().map((w) => w.clone());
        bad = 0;
      } else bad++;
      log(`head step ${step}: ${show(f)}${better ? ' (best)' : ''}`);
      if (bad >= o.patience) break;
    }
  }
  if (best === null) {
    // Fewer steps than one evaluation: the head as trained is the candidate.
    bestWeights.forEach((w) => w.dispose());
    bestWeights = head.getWeights().map((w) => w.clone());
  }
  let after = best ?? figures(va, vb);
  // New embedding views can beat the model as it is with its head unchanged.
  const headRefit = after.valAuc > start.valAuc;
  if (!headRefit) {
    after = start;
    bestWeights.forEach((w) => w.dispose());
    bestWeights = startWeights;
  } else startWeights.forEach((w) => w.dispose());
  head.setWeights(bestWeights);
  const replaced = after.valAuc > before.valAuc;
  if (replaced) {
    if (headRefit) await head.save(fileSystemHandler(tf, path.join(o.modelDir, 'head')));
    if (!sameViews) await setEmbeddingViews(o.modelDir, embedding);
    // A pair score is fitted on the old head's scores and embeddings: `train-seed-score` fits it anew.
    await setPairScore(o.modelDir, null);
    await writeFile(
      path.join(o.modelDir, 'head-refit.json'),
      JSON.stringify(
        {
          before: { ...before, ...current },
          after: { ...after, ...embedding },
          head: headRefit ? 'refit' : 'kept',
          steps: step,
          batchPairs: B,
          learningRate: o.learningRate,
          views: o.views,
          viewShift: o.viewShift,
          validationPairs: valPairs.length,
          images: trainIdx.length,
          people: train.byPerson.length,
          seconds: Math.round((performance.now() - t0) / 1000),
          date: new Date().toISOString(),
        },
        null,
        1,
      ) + '\n',
    );
  }
  const what = !replaced ? 'kept the model as it was' : headRefit ? `replaced the head${sameViews ? '' : ` and embedded faces ${describeViews(embedding)}`}` : `kept the head and embedded faces ${describeViews(embedding)}`;
  log(`${what}: validation AUC ${before.valAuc.toFixed(4)} → ${after.valAuc.toFixed(4)}`);
  bestWeights.forEach((w) => w.dispose());
  model.siamese.dispose();
  model.distill?.dispose();
  return { before, after, steps: Math.min(step, o.steps), seconds: (performance.now() - t0) / 1000, replaced, headRefit: replaced && headRefit };
}
