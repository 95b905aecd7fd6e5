/**
 * The models a seed training run trains (extractor, pair head, distillation head), Adam, and
 * the variables each step updates; and where their first weights come from when the run has
 * no checkpoint: random, or a saved model (optionally with its dead units revived).
 */
import { buildDistillHead, buildExtractor, buildPairHead, SEED_EMBEDDING_DIM } from '../../embedding/seed/seed-architecture.js';
import { loadSeedModel } from '../../embedding/seed/seed-model-files.js';
import { Rng } from '../../ml/rng.js';
import type { Tf } from '../../ml/runtime.js';
import { EMBEDDING_LAYER, reviveDeadUnits } from '../kernels/revive-units.js';
import { calibrationBatches, type Calibration } from './calibration.js';
import { trainableVariables, type LossSettings } from './seed-loss.js';
import type { TrainSeedOptions } from './train-options.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Optimizer = import('@tensorflow/tfjs').AdamOptimizer;
type Variable = import('@tensorflow/tfjs').Variable;
type LayerVariable = LayersModel['weights'][number];

export interface TrainingModels {
  extractor: LayersModel;
  head: LayersModel;
  distill: LayersModel;
  optimizer: Optimizer;
  /** Adam reads its (protected) learningRate on every update: the schedule sets it. */
  adam: { learningRate: number };
  /** What a checkpoint holds: the extractor's and the head's weights, and the distillation head's where it is trained. */
  modelWeights: LayerVariable[];
  lossModels: { extractor: LayersModel; head: LayersModel; distill: LayersModel };
  lossSettings: LossSettings;
  trainable: Variable[];
  /** The embedding layer's kernel and bias where `embeddingLrScale` slows them down (else none). */
  slowVariables: Variable[];
}

export function buildTrainingModels(tf: Tf, o: TrainSeedOptions): TrainingModels {
  const extractor = buildExtractor(tf);
  const head = buildPairHead(tf);
  const distill = buildDistillHead(tf);
  const optimizer = tf.train.adam(o.learningRate) as Optimizer;
  const adam = optimizer as unknown as { learningRate: number };
  const modelWeights: LayerVariable[] = [...extractor.weights, ...head.weights, ...(o.distill ? distill.weights : [])];
  const lossModels = { extractor, head, distill };
  const lossSettings: LossSettings = { distill: o.distill, distillWeight: o.distillWeight, pairWeight: o.pairWeight };
  const trainable = trainableVariables(lossModels, lossSettings);
  if (!(o.embeddingLrScale > 0)) throw new Error(`embeddingLrScale must be above 0, got ${o.embeddingLrScale}`);
  const slowVariables = o.embeddingLrScale === 1 ? [] : trainable.filter((v) => v.name.startsWith(`${EMBEDDING_LAYER}/`));
  if (o.embeddingLrScale !== 1 && slowVariables.length !== 2) throw new Error(`expected the kernel and bias of ${EMBEDDING_LAYER} among the trained variables, found ${slowVariables.length}`);
  return { extractor, head, distill, optimizer, adam, modelWeights, lossModels, lossSettings, trainable, slowVariables };
}

/** Sets the models' weights to those of the saved model in `initFrom` (a distillation head it lacks stays as built). */
export async function initFromSavedModel(tf: Tf, models: TrainingModels, initFrom: string, log: (line: string) => void): Promise<void> {
  const { extractor, head, distill } = models;
  const from = await loadSeedModel(initFrom, tf);
  extractor.setWeights(from.extractor.getWeights());
  head.setWeights(from.head.getWeights());
  if (from.distill !== undefined) distill.setWeights(from.distill.getWeights());
  log(`initialised from ${initFrom}${from.distill === undefined ? ' (no distillation head there: that one starts at zero)' : ''}`);
  from.siamese.dispose();
  from.distill?.dispose();
}

/** Gives the saved model's dead embedding units a fresh start (revive-units.ts); returns how many there were. */
export function reviveSavedModelUnits(
  models: TrainingModels,
  calibration: Calibration,
  o: Pick<TrainSeedOptions, 'initFrom' | 'seed' | 'distill' | 'log'>,
): number {
  const { extractor, head, distill } = models;
  if (o.initFrom === undefined) throw new Error('reviving dead units needs a saved model to start from (initFrom)');
  if (calibration.images.length < 2) throw new Error('reviving dead units needs at least two training images');
  const normalRng = new Rng(o.seed ^ 0x5eed);
  const { dead, activeAfter } = reviveDeadUnits(calibration.tf, extractor, calibrationBatches(calibration), { normal: () => normalRng.normal() }, o.distill ? distill : undefined, head);
  const meanActive = activeAfter.reduce((s, v) => s + v, 0) / Math.max(1, activeAfter.length);
  o.log(`revived ${dead.length} dead embedding units of ${SEED_EMBEDDING_DIM} (each now active on ${(100 * meanActive).toFixed(0)}% of ${calibration.images.length} calibration faces on average)`);
  return dead.length;
}
