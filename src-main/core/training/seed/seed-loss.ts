/**
 * The seed model's training loss on one shard of a batch: `pairs` pairs laid out as
 * [a-images; b-images] (image k pairs with image pairs + k). The same function runs on the
 * main thread and in the gradient workers (grad-worker.ts), so a data-parallel step
 * computes exactly what a single-thread step does, shard by shard.
 */
import type { Tf } from '../../ml/runtime.js';
import { SEED_DISTILL_DIM, SEED_EMBEDDING_DIM, SEED_INPUT_SIZE } from '../../embedding/seed/seed-architecture.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;
type Scalar = import('@tensorflow/tfjs').Scalar;

export interface LossSettings {
  distill: boolean;
  distillWeight: number;
  /** 0: the distillation loss alone (the pair head is not run). */
  pairWeight: number;
  /**
   * Training mode (dropout on, batch-norm on the batch's statistics); the default. Off, two
   * threads given the same weights and shard compute the same gradients (tests).
   */
  training?: boolean;
}

/** One shard's inputs, as plain arrays (they cross thread boundaries). */
export interface Shard {
  pairs: number;
  /** 2 * pairs images, 250x250x3 floats in [0, 1]. */
  x: Float32Array;
  /** 1 where pair k is one person; for both orders (2 * pairs). */
  y: Float32Array;
  /** Distillation targets, 2 * pairs x 128. */
  target: Float32Array;
  /** 1 where the image has a target. */
  mask: Float32Array;
}

export interface SeedLossModels {
  extractor: LayersModel;
  head: LayersModel;
  distill: LayersModel;
}

/**
 * The loss of one shard (a scalar, to be differentiated), and the head's probabilities of
 * both orders of each pair (empty when the pair loss is off). Call inside a gradient scope.
 */
export function seedShardLoss(tf: Tf, m: SeedLossModels, s: LossSettings, shard: Shard): { loss: Scalar; probs: Float32Array } {
  const B = shard.pairs;
  const x = tf.tensor4d(shard.x, [2 * B, SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3]);
  const training = s.training ?? true;
  const e = m.extractor.apply(x, { training }) as Tensor;
  let loss: Tensor = tf.scalar(0);
  let probs: Float32Array = new Float32Array(0);
  if (s.pairWeight > 0) {
    const y = tf.tensor2d(shard.y, [2 * B, 1]);
    const ea = e.slice([0, 0], [B, SEED_EMBEDDING_DIM]);
    const eb = e.slice([B, 0], [B, SEED_EMBEDDING_DIM]);
    const pab = m.head.apply([ea, eb], { training }) as Tensor;
    const pba = m.head.apply([eb, ea], { training }) as Tensor;
    const p = tf.concat([pab, pba], 0);
    probs = p.dataSync() as Float32Array;
    loss = tf.mul(tf.losses.logLoss(y, p), s.pairWeight);
  }
  if (s.distill) {
    const tgt = tf.tensor2d(shard.target, [2 * B, SEED_DISTILL_DIM]);
    const mask = tf.tensor2d(shard.mask, [2 * B, 1]);
    const d = m.distill.apply(e, { training }) as Tensor;
    const perImage = tf.mean(tf.square(tf.sub(d, tgt)), 1, true);
    const mse = tf.div(tf.sum(tf.mul(perImage, mask)), tf.maximum(tf.sum(mask), 1));
    loss = tf.add(loss, tf.mul(mse, s.distillWeight));
  }
  return { loss: loss as Scalar, probs };
}

/** The variables a step trains, in a fixed order (the same in every thread). */
export function trainableVariables(m: SeedLossModels, s: LossSettings): Array<import('@tensorflow/tfjs').Variable> {
  return [...m.extractor.trainableWeights, ...(s.pairWeight > 0 ? m.head.trainableWeights : []), ...(s.distill ? m.distill.trainableWeights : [])].map(
    (w) => (w as unknown as { val: import('@tensorflow/tfjs').Variable }).val,
  );
}
