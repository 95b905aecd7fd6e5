/**
 * Validation of a seed training run on fixed pairs of the held-out people: the pairs, the
 * figures an epoch is judged by, and when the best figures so far stop being comparable.
 */
import { createHash } from 'node:crypto';

import { SEED_DISTILL_DIM, SEED_EMBEDDING_DIM } from '../../embedding/seed/seed-architecture.js';
import { auc, binaryCrossEntropy } from '../../ml/pair-metrics.js';
import { Rng } from '../../ml/rng.js';
import type { Tf } from '../../ml/runtime.js';
import { embedCached } from './cached-embeddings.js';
import { recalibrate, type Calibration } from './calibration.js';
import { distillSpaceAuc } from './distill-space-auc.js';
import type { FaceImages } from './image-cache.js';
import type { CheckpointState, EpochRecord, Selection } from './run-state.js';
import type { TrainSeedOptions } from './train-options.js';
import { samplePairs, type Sample, type Split, type TrainingData } from './training-data.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;

export interface ValidationPairs {
  pairs: Array<[Sample, Sample, boolean]>;
  /** The images the pairs draw on (cache indices), and the person of each. */
  images: number[];
  imagePersons: number[];
  /** Pairs among `images`: those the distillation space's AUC is measured on. */
  imagePairs: number;
  /** Which pairs these are: a checkpoint's figures were measured on the pairs of its signature. */
  signature: string;
}

/** The same pairs in every run on the same images: half same person, half two people. */
export function validationPairs(val: Split, usable: TrainingData['usable'], count: number): ValidationPairs {
  const valRng = new Rng(12345);
  const valPairs = val.byPerson.length >= 2 ? samplePairs(val, valRng, count) : [];
  const valImages = [...new Set(valPairs.flatMap(([a, b]) => [a.i, b.i]))];
  const valPersonOf = new Map(val.byPerson.flatMap((imgs, p) => imgs.map((i) => [i, p] as const)));
  const valImagePersons = valImages.map((i) => valPersonOf.get(i)!);
  const valImagePairs = (valImages.length * (valImages.length - 1)) / 2;
  const signature = createHash('sha256')
    .update(valPairs.map(([a, b, same]) => `${usable[a.i]!.key}|${usable[b.i]!.key}|${same ? 1 : 0}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return { pairs: valPairs, images: valImages, imagePersons: valImagePersons, imagePairs: valImagePairs, signature };
}

/**
 * Records in `state` which pairs and which criterion select the model; where either changed
 * since the checkpoint, or the pair weight did, the old best is not comparable and selection
 * starts over from the current weights.
 */
export function keepSelectionComparable(
  state: CheckpointState,
  now: { signature: string; selection: Selection; pairWeight: number },
  log: (line: string) => void,
): void {
  const { signature, selection } = now;
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
  // A checkpoint without the field selected on the validation loss, or (distillation alone) on 600 sampled pairs.
  if ((state.selection ?? 'validation-loss') !== selection) startSelectionOver(`the selection criterion changed (${state.selection ?? 'earlier'} -> ${selection})`);
  state.selection = selection;
  // Resumed with another loss, and so another selection criterion.
  if ((state.config.pairWeight ?? 1) !== now.pairWeight) {
    startSelectionOver(`the pair weight changed (${state.config.pairWeight ?? 1} -> ${now.pairWeight})`);
    state.config.pairWeight = now.pairWeight;
  }
}

export type ValidationFigures = Omit<EpochRecord, 'epoch' | 'step' | 'seconds' | 'trainLoss' | 'trainAccuracy' | 'trainAuc'>;

export interface ValidationContext {
  tf: Tf;
  cache: FaceImages;
  extractor: LayersModel;
  head: LayersModel;
  distill: LayersModel;
  o: Pick<TrainSeedOptions, 'distill' | 'distillWeight' | 'pairWeight'>;
  targets: Float32Array;
  hasTarget: Uint8Array;
  validation: ValidationPairs;
  /** Re-estimates the batch-norm statistics before the figures are measured. */
  calibration: Calibration;
}

/** The held-out figures of the weights as they are: losses, accuracy and AUC on the validation pairs, live embedding units. */
export function validate(ctx: ValidationContext): ValidationFigures {
  const { tf, cache, extractor, head, distill, o, targets, hasTarget } = ctx;
  const { pairs: valPairs, images: valImages, imagePersons: valImagePersons } = ctx.validation;
  if (valPairs.length === 0) return { valLoss: NaN, valBce: NaN, valMse: NaN, valAccuracy: NaN, valAuc: NaN };
  recalibrate(ctx.calibration);
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
}

/** The pair head's P(same person) of each pair of cached images, the mean of both orders (inference mode; recalibrate first). */
export function pairHeadProbabilities(tf: Tf, cache: FaceImages, extractor: LayersModel, head: LayersModel, pairs: ReadonlyArray<readonly [number, number]>): Float32Array {
  if (pairs.length === 0) return new Float32Array(0);
  const images = [...new Set(pairs.flatMap(([a, b]) => [a, b]))];
  const { emb } = embedCached(tf, cache, images, extractor);
  const at = new Map(images.map((i, k) => [i, k]));
  const n = pairs.length;
  const ea = new Float32Array(n * SEED_EMBEDDING_DIM), eb = new Float32Array(n * SEED_EMBEDDING_DIM);
  pairs.forEach(([a, b], k) => {
    ea.set(emb.subarray(at.get(a)! * SEED_EMBEDDING_DIM, (at.get(a)! + 1) * SEED_EMBEDDING_DIM), k * SEED_EMBEDDING_DIM);
    eb.set(emb.subarray(at.get(b)! * SEED_EMBEDDING_DIM, (at.get(b)! + 1) * SEED_EMBEDDING_DIM), k * SEED_EMBEDDING_DIM);
  });
  const [pab, pba] = tf.tidy(() => {
    const ta = tf.tensor2d(ea, [n, SEED_EMBEDDING_DIM]), tb = tf.tensor2d(eb, [n, SEED_EMBEDDING_DIM]);
    return [(head.predict([ta, tb]) as Tensor).dataSync(), (head.predict([tb, ta]) as Tensor).dataSync()];
  });
  return Float32Array.from(pab!, (v, k) => (v + pba![k]!) / 2);
}
