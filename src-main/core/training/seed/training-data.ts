/**
 * The images a seed training run learns from: View 1 DevTrain people's faces split into
 * training and validation people, their distillation targets, the image cache they are
 * decoded into, and the pairs drawn from them.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

import { devTrainPeople, imageKey, imagePath, isValidationPerson, lfwDataset } from '../../benchmarks/lfw/lfw-protocol.js';
import { ensureLfwScanned } from '../../benchmarks/lfw/lfw-faces.js';
import { SEED_DISTILL_DIM } from '../../embedding/seed/seed-architecture.js';
import type { Rng } from '../../ml/rng.js';
import { ImageCache } from './image-cache.js';
import type { TrainSeedOptions } from './train-options.js';

export interface Sample {
  /** cache index */
  i: number;
  person: number;
}

export interface Split {
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
export function samplePairs(split: Split, rng: Rng, n: number): Array<[Sample, Sample, boolean]> {
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

/** A batch for the distillation target alone: 2n images drawn uniformly from `images`, as n pairs that only feed the log. */
export function uniformImagePairs(rng: Rng, images: readonly number[], n: number): Array<[Sample, Sample, boolean]> {
  return Array.from({ length: n }, (): [Sample, Sample, boolean] => [{ i: rng.pick(images), person: -1 }, { i: rng.pick(images), person: -1 }, false]);
}

const TARGET_NORM = Math.sqrt(SEED_DISTILL_DIM);

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

export type DataOptions = Pick<TrainSeedOptions, 'data' | 'cacheDb' | 'scan' | 'workDir' | 'validationFraction' | 'log'>;

export interface TrainingData {
  usable: Array<{ key: string; person: string; n: number }>;
  targets: Float32Array;
  hasTarget: Uint8Array;
  trainIdx: number[];
  valIdx: number[];
  train: Split;
  val: Split;
  cache: ImageCache;
}

/** DevTrain people's images (the central face's aligned crop and descriptor), split into training and validation people, decoded into the image cache. */
export async function prepareData(o: DataOptions): Promise<TrainingData> {
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
