/**
 * The report of a seed training run: `training.json` in the work folder and, once a model
 * has been exported, in the output folder too, with the training section of its model card.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { replaceCardSection } from '../../benchmarks/model-card.js';
import type { BackendName } from '../../ml/runtime.js';
import { writeAtomic } from './checkpoint.js';
import type { ExtraLabels } from './extra-labels.js';
import type { CheckpointState } from './run-state.js';
import type { TrainSeedOptions, TrainSeedResult } from './train-options.js';
import type { TrainingData } from './training-data.js';
import type { ValidationPairs } from './validation.js';

export interface TrainingReportContext {
  o: TrainSeedOptions;
  backend: BackendName;
  state: CheckpointState;
  data: Pick<TrainingData, 'train' | 'val' | 'trainIdx' | 'valIdx'>;
  validation: ValidationPairs;
  /** Imported labels trained on beside LFW (null: LFW alone). */
  extra?: ExtraLabels | null;
}

type Stopped = TrainSeedResult['stopped'] | 'running';

/** Writes the report of the run as it stands (`running` while it goes on). */
export async function writeTrainingReport(ctx: TrainingReportContext, stopped: Stopped): Promise<void> {
  const { o } = ctx;
  const report = trainingReport(ctx, stopped);
  await writeAtomic(path.join(o.workDir, 'training.json'), JSON.stringify(report, null, 1) + '\n');
  if (existsSync(path.join(o.outDir, 'seed.json'))) {
    await writeAtomic(path.join(o.outDir, 'training.json'), JSON.stringify(report, null, 1) + '\n');
    await replaceCardSection(path.join(o.outDir, 'MODEL_CARD.md'), 'training', trainingCardSection(ctx, report));
  }
}

type TrainingReport = ReturnType<typeof trainingReport>;

/** The imported labels' part of the report: what was trained on and held out, and the held-out figures before and at the best epoch. */
function extraLabelsReport(extra: ExtraLabels, state: CheckpointState, best: CheckpointState['history'][number] | null) {
  return {
    dir: extra.dir,
    imports: extra.imports,
    crops: extra.sources.length,
    fitPairs: extra.fit.length,
    heldOutPairs: extra.heldOut.length,
    heldOutSame: extra.heldOut.filter((p) => p.same).length,
    heldOutAnswered: extra.heldOutAnswered,
    fitPeople: extra.fitUnits.length,
    droppedAcrossSplit: extra.dropped,
    splitBy: extra.splitBy === 'identity' ? 'person (the library\'s people and "same" answers; no person on both sides)' : 'crop (no people in the export: crops linked by "same" answers, none on both sides)',
    units: extra.units,
    share: state.config.extraShare ?? null,
    before: state.extraBefore ?? null,
    best: best?.extraAuc !== undefined ? { auc: best.extraAuc, accuracy: best.extraAccuracy ?? null } : null,
  };
}

function trainingReport(ctx: TrainingReportContext, stopped: Stopped) {
  const { o, backend, state } = ctx;
  const { train, val, trainIdx, valIdx } = ctx.data;
  const best = state.history.find((h) => h.epoch === state.bestEpoch) ?? null;
  return {
    stopped,
    backend,
    data: `LFW View 1 peopleDevTrain (people of pairsDevTest never used)${ctx.extra ? ', plus imported labels (their people kept apart from LFW\'s)' : ''}`,
    trainPeople: train.byPerson.length,
    trainImages: trainIdx.length,
    validationPeople: val.byPerson.length,
    validationImages: valIdx.length,
    validationPairs: ctx.validation.pairs.length,
    ...(ctx.extra ? { extraLabels: extraLabelsReport(ctx.extra, state, best) } : {}),
    settings: { ...state.config, patience: o.patience, optimizer: 'adam', loss: o.distill ? 'pairWeight * bce + distillWeight * mse(distill(e), standardised(descriptor/|descriptor|*sqrt(128)))' : 'bce', flips: 'random horizontal, p = 0.5', shifts: `up to ${o.maxShift} px`, threads: 1 + o.gradWorkers, input: '250x250 RGB / 255, LFW-template-aligned crop of the most central face' },
    steps: state.step,
    epochs: state.epoch,
    trainMinutes: state.trainSeconds / 60,
    best,
    history: state.history,
    updatedAt: new Date().toISOString(),
  };
}

/** The model card's training section: the run in words, then its epochs as a table. */
function trainingCardSection(ctx: TrainingReportContext, report: TrainingReport): string {
  const { o, backend, state } = ctx;
  const { train, val, trainIdx, valIdx } = ctx.data;
  const valPairs = ctx.validation.pairs, valImages = ctx.validation.images, valImagePairs = ctx.validation.imagePairs;
  const { stopped, best } = report;
  const f = (v: number | undefined, d = 4): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));
  return [
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
    ...(report.extraLabels
      ? [
          `- Imported labels (${report.extraLabels.dir}, ${report.extraLabels.imports} imports): ${report.extraLabels.fitPairs} pairs trained on (${o.extraShare} of each batch), ` +
            `${report.extraLabels.heldOutPairs} held out (${report.extraLabels.heldOutSame} same; ${report.extraLabels.heldOutAnswered} answered, the rest "different" pairs drawn across two held-out people, as LFW's are) by ${report.extraLabels.splitBy}; ${report.extraLabels.droppedAcrossSplit} pairs across the split left out.`,
          `- Second evaluation, held-out imported labels (beside LFW's validation and View 1): pair-head AUC ${f(report.extraLabels.before?.auc, 3)} / accuracy ${f(report.extraLabels.before?.accuracy, 3)} before training, ` +
            `${f(report.extraLabels.best?.auc, 3)} / ${f(report.extraLabels.best?.accuracy ?? undefined, 3)} at the best epoch, on ${report.extraLabels.heldOutPairs} pairs.`,
        ]
      : []),
    `- Best epoch: ${best ? `${best.epoch} (step ${best.step}): validation loss ${f(best.valLoss)}, accuracy ${f(best.valAccuracy, 3)}, AUC ${f(best.valAuc, 3)}${best.valDistillAuc !== undefined ? `, distillation-space AUC ${f(best.valDistillAuc, 3)}` : ''}` : '-'}` +
      `${o.pairWeight === 0 ? ` (the head's figures are those of the ${state.config.initFrom !== undefined ? 'head it started with' : 'untrained head'}: it is fitted after training, see head-refit.json)` : ''}.`,
    '',
    `| epoch | step | hours | learning rate | train loss | train acc | val loss | val bce | val mse | val acc | val AUC (head) | val AUC (distillation space) | live units |${ctx.extra ? ' imported held-out AUC | imported held-out acc |' : ''}`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |${ctx.extra ? ' --- | --- |' : ''}`,
    ...state.history.map(
      (h) =>
        `| ${h.epoch} | ${h.step} | ${(h.seconds / 3600).toFixed(2)} | ${h.learningRate === undefined ? '-' : h.learningRate.toExponential(2)} | ${f(h.trainLoss)} | ${f(h.trainAccuracy, 3)} | ` +
        `${f(h.valLoss)} | ${f(h.valBce)} | ${f(h.valMse)} | ${f(h.valAccuracy, 3)} | ${f(h.valAuc, 3)} | ${f(h.valDistillAuc, 3)} | ${h.liveUnits ?? '-'} |` +
        (ctx.extra ? ` ${f(h.extraAuc, 3)} | ${f(h.extraAccuracy, 3)} |` : ''),
    ),
  ].join('\n');
}
