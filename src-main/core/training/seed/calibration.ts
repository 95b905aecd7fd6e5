/**
 * Batch-norm statistics for inference, re-estimated before every validation (and so in every
 * exported model) from a fixed sample of training images: see recalibrate-batchnorm.ts.
 */
import { Rng } from '../../ml/rng.js';
import type { Tf } from '../../ml/runtime.js';
import { recalibrateBatchNorm } from '../kernels/recalibrate-batchnorm.js';
import { cachedBatches } from './cached-embeddings.js';
import type { FaceImages } from './image-cache.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;

export interface Calibration {
  tf: Tf;
  cache: FaceImages;
  /** Cache indices of the calibration images. */
  images: number[];
  /** The chain of models whose batch norms are recalibrated (the extractor, then the distillation head where trained). */
  chain: LayersModel[];
}

/** The calibration images: up to 256 training images, the same ones in every run. */
export function calibrationSample(trainIdx: readonly number[]): number[] {
  const calRng = new Rng(777);
  return Array.from({ length: Math.min(256, trainIdx.length) }, () => calRng.pick(trainIdx));
}

export function calibrationBatches(c: Calibration): Generator<Tensor> {
  return cachedBatches(c.tf, c.cache, c.images);
}

export function recalibrate(c: Calibration): void {
  if (c.images.length === 0) return;
  recalibrateBatchNorm(c.tf, c.chain, calibrationBatches(c));
}
