/**
 * What trainSeed is told (its options, and the defaults of those a caller may leave out) and
 * what it answers.
 */
import type { ExtraFigures } from './extra-labels.js';
import type { EpochRecord } from './run-state.js';

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
  /**
   * A training-set folder of imported labels (`facepair labels import`): its pairs join
   * training (their people kept apart from LFW's), a part held out by person is evaluated
   * beside LFW's validation (extra-labels.ts).
   */
  extraLabels?: string;
  /** With extraLabels: the share of each batch's pairs drawn from the imported labels. */
  extraShare: number;
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
  extraShare: 0.25,
};

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
  /** With extraLabels: the imported pairs trained on and held out, and the held-out figures before training and of the best epoch. */
  extraLabels?: { fitPairs: number; heldOutPairs: number; heldOutAnswered: number; dropped: number; splitBy: 'identity' | 'crop'; before: ExtraFigures | null; best: ExtraFigures | null };
}
