/**
 * One training step: a batch of pairs read from the image cache (random flips and shifts),
 * split into shards that the main thread and the gradient workers compute at once, their
 * gradients averaged into one Adam step.
 */
import { SEED_DISTILL_DIM } from '../../embedding/seed/seed-architecture.js';
import type { Rng } from '../../ml/rng.js';
import type { Tf } from '../../ml/runtime.js';
import type { GradWorkers } from './grad-workers.js';
import { IMAGE_BYTES, type FaceImages } from './image-cache.js';
import { applyGradientsScaled } from './scaled-step.js';
import { seedShardLoss, type Shard } from './seed-loss.js';
import type { TrainingModels } from './training-models.js';
import type { Sample } from './training-data.js';

type Tensor = import('@tensorflow/tfjs').Tensor;

/** Where a step's images come from and how they are drawn. */
export interface BatchSource {
  /** The sampler's random state: flips and shifts are drawn from it too. */
  rng: Rng;
  cache: FaceImages;
  targets: Float32Array;
  hasTarget: Uint8Array;
  maxShift: number;
  /** Pairs per shard. */
  shardPairs: number;
  /** The main thread's shard's images, the same buffer every step. */
  xBuf: Float32Array;
  scratch: Buffer<ArrayBuffer>;
}

/** Shard s holds pairs [s*Bp, (s+1)*Bp): the main thread computes shard 0, worker s-1 shard s. */
function makeShard(src: BatchSource, pairs: ReadonlyArray<[Sample, Sample, boolean]>, sh: number): Shard {
  const { rng, cache, targets, hasTarget, scratch } = src;
  const Bp = src.shardPairs;
  const part = pairs.slice(sh * Bp, (sh + 1) * Bp);
  const x = sh === 0 ? src.xBuf : new Float32Array(2 * Bp * IMAGE_BYTES);
  const shard: Shard = { pairs: Bp, x, y: new Float32Array(2 * Bp), target: new Float32Array(2 * Bp * SEED_DISTILL_DIM), mask: new Float32Array(2 * Bp) };
  [...part.map((p) => p[0]), ...part.map((p) => p[1])].forEach((img, k) => {
    const flip = rng.next() < 0.5;
    const dx = src.maxShift > 0 ? rng.int(2 * src.maxShift + 1) - src.maxShift : 0;
    const dy = src.maxShift > 0 ? rng.int(2 * src.maxShift + 1) - src.maxShift : 0;
    cache.readFloat(img.i, x, k * IMAGE_BYTES, flip, scratch, dx, dy);
    shard.mask[k] = hasTarget[img.i]!;
    shard.target.set(targets.subarray(img.i * SEED_DISTILL_DIM, (img.i + 1) * SEED_DISTILL_DIM), k * SEED_DISTILL_DIM);
  });
  part.forEach((p, k) => {
    shard.y[k] = p[2] ? 1 : 0;
    shard.y[Bp + k] = p[2] ? 1 : 0;
  });
  return shard;
}

export interface StepContext {
  tf: Tf;
  models: TrainingModels;
  gradWorkers: GradWorkers | undefined;
  /** The main thread and the workers: the shards each batch is split into. */
  threads: number;
  embeddingLrScale: number;
}

/**
 * Takes one optimizer step on `pairs`. Returns the mean loss over the shards and, per shard,
 * both orders' probabilities of its pairs (pair j's at j and shardPairs + j).
 */
export async function trainStep(
  ctx: StepContext,
  src: BatchSource,
  pairs: ReadonlyArray<[Sample, Sample, boolean]>,
): Promise<{ lossValue: number; probs: Float32Array[] }> {
  const { tf, gradWorkers } = ctx;
  const { optimizer, lossModels, lossSettings, trainable, slowVariables } = ctx.models;
  const P = ctx.threads;
  // The workers' shards first, so that they start while the main thread reads its own.
  const remote = gradWorkers
    ? gradWorkers.grads(
        trainable.map((v) => (v.dataSync() as Float32Array).slice()),
        Array.from({ length: P - 1 }, (_, k) => makeShard(src, pairs, k + 1)),
      )
    : Promise.resolve([]);
  const mainShard = makeShard(src, pairs, 0);
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
    applyGradientsScaled(tf, optimizer, averaged, slowVariables, ctx.embeddingLrScale);
  });
  local.value.dispose();
  Object.values(local.grads).forEach((g) => g.dispose());
  return { lossValue, probs: [localProbs, ...others.map((r) => r.probs)] };
}
