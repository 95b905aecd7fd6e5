/**
 * A loaded seed model: its parts (seed-architecture.ts) and the settings seed.json gives
 * them (seed-manifest.ts). Saved and loaded by seed-model-files.ts.
 */
import type { SeedPairScore } from './seed-pair-score.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;

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
