/**
 * The state of a training run that outlives it: where it stands, the early-stopping state and
 * the history of its epochs. A checkpoint saves it beside the tensors (checkpoint.ts).
 */

export interface EpochRecord {
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
  /** With imported labels: the pair head's AUC and accuracy on the held-out imported pairs. */
  extraAuc?: number;
  extraAccuracy?: number;
}

/**
 * The model-selection criterion: the validation loss, or, on the distillation target alone,
 * 1 − the distillation space's AUC on every pair of the validation pairs' images.
 */
export type Selection = 'validation-loss' | 'distill-auc-all-pairs';

export interface CheckpointState {
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
  /** With imported labels: the held-out imported pairs' figures of the weights training started from. */
  extraBefore?: { pairs: number; auc: number; accuracy: number };
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
    /** With imported labels: their share of each batch. */
    extraShare?: number;
    /** The saved model this run started from, if any. */
    initFrom?: string;
  };
  tensors: Array<{ group: 'model' | 'optimizer'; name: string; shape: number[]; offset: number; length: number }>;
  savedAt: string;
}
