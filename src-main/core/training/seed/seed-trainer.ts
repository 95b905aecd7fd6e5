/**
 * Trains the seed face-pair model (extractor + pair head, optionally with a distillation
 * head) on LFW View 1's DevTrain people, in TypeScript with tfjs: the same code runs on
 * tfjs-node and on the wasm backend (with the gradient kernels of wasm-grad-kernels.ts).
 *
 * - Pairs as in the study: half of every batch from one person, half from two different
 *   people; each image mirrored left-right at random.
 * - People never cross splits: about 10% of peopleDevTrain (chosen by a hash of the name,
 *   so the split does not depend on which images are present) are held out for validation
 *   and early stopping; the people of pairsDevTest are never read.
 * - Adam, binary cross-entropy on the pair head (both orders of each pair, so the head
 *   learns score(a, b) = score(b, a)); with `distill`, plus the mean squared error between
 *   a linear 128-d map of the 500-d embedding and the pretrained descriptor of the same
 *   face (unit-normalised, then standardised on the training images): a dense target per
 *   image learns far faster than one bit per pair. With `pairWeight` 0 the extractor learns
 *   from that target alone, on images drawn uniformly, and `refitPairHead` then fits the
 *   pair head on frozen embeddings, hundreds of pairs a step.
 * - Augmentation: random horizontal flips, and random shifts of up to `maxShift` pixels.
 * - Learning rate: constant, or a linear warm-up then cosine decay over `scheduleMinutes`.
 * - Data-parallel over `gradWorkers` worker threads (grad-workers.ts): on wasm, one thread
 *   per backend, this is how training uses both cores.
 * - An "epoch" is `stepsPerEpoch` steps (the study's 100,000 pairs would take a day here);
 *   after each, validation loss, accuracy and AUC on fixed pairs of the held-out people;
 *   the best weights are kept (and exported), training stops after `patience` epochs
 *   without improvement, or at `maxMinutes`.
 * - A checkpoint (all weights, Adam's state, step, epoch, the sampler's random state and
 *   the early-stopping state) is written every `checkpointMinutes` and on SIGINT/SIGTERM,
 *   atomically; the next run with the same work folder resumes from it.
 */
import { SEED_EMBEDDING_DIM } from '../../embedding/seed/seed-architecture.js';
import { auc } from '../../ml/pair-metrics.js';
import { Rng } from '../../ml/rng.js';
import { loadMlRuntime, type Tf } from '../../ml/runtime.js';
import { registerBatchNormGradient } from '../kernels/batchnorm-grad.js';
import { registerWasmGradKernels } from '../kernels/wasm-grad-kernels.js';
import { exportBest, type BestModelExport } from './best-model-export.js';
import { calibrationSample, type Calibration } from './calibration.js';
import { checkpointFiles, newCheckpointState, resumeFromCheckpoint, saveCheckpoint, type CheckpointContext } from './checkpoint.js';
import { GradWorkers } from './grad-workers.js';
import { IMAGE_BYTES } from './image-cache.js';
import { learningRateAt } from './learning-rate.js';
import type { CheckpointState, EpochRecord } from './run-state.js';
import { trainStep, type BatchSource, type StepContext } from './train-step.js';
import type { TrainSeedOptions, TrainSeedResult } from './train-options.js';
import { prepareData, samplePairs, uniformImagePairs, type Sample } from './training-data.js';
import { buildTrainingModels, initFromSavedModel, reviveSavedModelUnits } from './training-models.js';
import { writeTrainingReport, type TrainingReportContext } from './training-report.js';
import { keepSelectionComparable, validate, validationPairs, type ValidationContext } from './validation.js';

/** One pair of the last steps: the mean of both orders' probabilities (NaN on the distillation target alone), whether it is one person, and its step's loss. */
interface RecentPair {
  p: number;
  same: boolean;
  loss: number;
}

/** What the loop's steps between the optimizer steps share: the run's state and where its figures and files go. */
interface Run {
  o: TrainSeedOptions;
  state: CheckpointState;
  /** Training on the distillation target alone (pairWeight 0). */
  distillOnly: boolean;
  adam: { learningRate: number };
  recent: RecentPair[];
  rng: Rng;
  validating: ValidationContext;
  bestExport: BestModelExport;
  checkpoint: CheckpointContext;
  report: TrainingReportContext;
  /** Held-out people the validation pairs come from. */
  validationPeople: number;
}

/** The training figures of the last pairs, every 25 steps. */
function logProgress(run: Run, secondsPerStep: number): void {
  const { o, state, distillOnly, adam, recent } = run;
  const acc = recent.filter((r) => (r.p >= 0.5) === r.same).length / recent.length;
  const meanLoss = recent.reduce((s, r) => s + r.loss, 0) / recent.length;
  o.log(
    `epoch ${state.epoch + 1} step ${state.step}: loss ${meanLoss.toFixed(4)} ` +
      (distillOnly ? '' : `acc ${acc.toFixed(3)} auc ${auc(recent.map((r) => r.p), recent.map((r) => r.same)).toFixed(3)} `) +
      `(last ${recent.length} ${distillOnly ? 'image pairs' : 'pairs'}), lr ${adam.learningRate.toExponential(2)}, ` +
      `${secondsPerStep.toFixed(2)} s/step, ${(state.trainSeconds / 60).toFixed(1)} min trained`,
  );
}

/**
 * The end of an epoch: validation, model selection (a better model is exported), checkpoint
 * and report. Returns why training stops now, or null to go on.
 */
async function endEpoch(run: Run): Promise<TrainSeedResult['stopped'] | null> {
  const { o, state, distillOnly, adam, recent } = run;
  const validation = run.validating.validation;
  state.epoch++;
  const tv = performance.now();
  const v = validate(run.validating);
  const rec: EpochRecord = {
    epoch: state.epoch,
    step: state.step,
    seconds: state.trainSeconds,
    trainLoss: recent.reduce((s, r) => s + r.loss, 0) / Math.max(1, recent.length),
    trainAccuracy: distillOnly ? NaN : recent.filter((r) => (r.p >= 0.5) === r.same).length / Math.max(1, recent.length),
    trainAuc: distillOnly ? NaN : auc(recent.map((r) => r.p), recent.map((r) => r.same)),
    ...v,
    learningRate: adam.learningRate,
  };
  state.history.push(rec);
  const criterion = distillOnly ? 1 - (rec.valDistillAuc ?? 0) : rec.valLoss;
  const improved = criterion < state.bestValLoss;
  if (improved) {
    state.bestValLoss = criterion;
    state.bestEpoch = state.epoch;
    state.badEpochs = 0;
    await exportBest(run.bestExport);
  } else state.badEpochs++;
  o.log(
    `epoch ${state.epoch} done: val loss ${rec.valLoss.toFixed(4)} (bce ${rec.valBce.toFixed(4)}, mse ${rec.valMse.toFixed(4)}) ` +
      `acc ${rec.valAccuracy.toFixed(3)} auc ${rec.valAuc.toFixed(3)}` +
      (rec.valDistillAuc !== undefined ? ` distill-space auc ${rec.valDistillAuc.toFixed(4)} (all ${validation.imagePairs} pairs of ${validation.images.length} images)` : '') +
      `, ${rec.liveUnits ?? '-'}/${SEED_EMBEDDING_DIM} live units` +
      ` on ${validation.pairs.length} pairs of ${run.validationPeople} held-out people ` +
      `${improved ? '(best so far: exported to ' + o.outDir + ')' : `(no better for ${state.badEpochs})`} [${((performance.now() - tv) / 1000).toFixed(0)} s]`,
  );
  await saveCheckpoint(run.checkpoint, state, run.rng);
  await writeTrainingReport(run.report, 'running');
  if (state.badEpochs >= o.patience) return 'early-stopping';
  if (state.epoch >= o.maxEpochs) return 'max-epochs';
  return null;
}

export async function trainSeed(options: TrainSeedOptions): Promise<TrainSeedResult> {
  const o = options;
  const log = o.log;
  const { tf, backend } = await loadMlRuntime();
  if (backend === 'wasm') registerWasmGradKernels(tf);
  registerBatchNormGradient(tf);
  log(`tfjs backend: ${backend}`);

  const distillOnly = o.pairWeight === 0;
  if (distillOnly && !o.distill) throw new Error('pairWeight 0 needs the distillation loss: nothing would be trained');
  if (o.schedule === 'cosine' && !Number.isFinite(o.scheduleMinutes)) throw new Error('the cosine schedule needs scheduleMinutes');
  const data = await prepareData(o);
  const { usable, targets, hasTarget, trainIdx, valIdx, train, val, cache } = data;
  const trainWithTarget = trainIdx.filter((i) => hasTarget[i] === 1);

  const models = buildTrainingModels(tf, o);
  const { extractor, head, distill, adam } = models;
  const checkpoint: CheckpointContext = { tf, files: checkpointFiles(o.workDir), optimizer: models.optimizer, modelWeights: models.modelWeights };
  const resumed = await resumeFromCheckpoint(checkpoint, o);
  if (resumed === null && o.initFrom !== undefined) await initFromSavedModel(tf, models, o.initFrom, log);
  const state: CheckpointState = resumed ?? newCheckpointState(o);
  const rng = new Rng(state.rng);

  // --- validation: fixed pairs of held-out people
  const validation = validationPairs(val, usable, o.validationPairs);
  keepSelectionComparable(state, { signature: validation.signature, selection: distillOnly ? 'distill-auc-all-pairs' : 'validation-loss', pairWeight: o.pairWeight }, log);

  const calibration: Calibration = { tf, cache, images: calibrationSample(trainIdx), chain: o.distill ? [extractor, distill] : [extractor] };
  if (o.reviveDeadUnits && state.step === 0) state.revivedUnits = reviveSavedModelUnits(models, calibration, o);

  // --- the loop
  const B = o.batchPairs;
  const P = 1 + o.gradWorkers;
  if (B % P !== 0) throw new Error(`--batch-pairs ${B} must be a multiple of the ${P} threads that share each batch`);
  const Bp = B / P;
  const batch: BatchSource = { rng, cache, targets, hasTarget, maxShift: o.maxShift, shardPairs: Bp, xBuf: new Float32Array(2 * Bp * IMAGE_BYTES), scratch: Buffer.allocUnsafe(IMAGE_BYTES) };
  const gradWorkers = o.gradWorkers > 0 ? await GradWorkers.start(o.gradWorkers, models.lossSettings) : undefined;
  if (gradWorkers) log(`data-parallel: ${P} threads, ${Bp} pairs each per step`);
  const step: StepContext = { tf, models, gradWorkers, threads: P, embeddingLrScale: o.embeddingLrScale };
  const recent: RecentPair[] = [];
  const run: Run = {
    o,
    state,
    distillOnly,
    adam,
    recent,
    rng,
    validating: { tf, cache, extractor, head, distill, o, targets, hasTarget, validation, calibration },
    bestExport: { tf, workDir: o.workDir, outDir: o.outDir, extractor, head, ...(o.distill ? { distill } : {}) },
    checkpoint,
    report: { o, backend, state, data, validation },
    validationPeople: val.byPerson.length,
  };
  let lastCkpt = performance.now();
  const runStart = performance.now();
  let stepTimeSum = 0, stepCount = 0;
  let stopped: TrainSeedResult['stopped'] | null = null;
  const trainSecondsAtStart = state.trainSeconds;

  while (stopped === null) {
    // The step is synchronous tensor work: yield so that signals (Ctrl-C) get handled.
    await new Promise((resolve) => setImmediate(resolve));
    if (o.signal?.aborted) {
      stopped = 'interrupted';
      break;
    }
    if ((performance.now() - runStart) / 60_000 >= o.maxMinutes) {
      stopped = 'time-limit';
      break;
    }
    const t0 = performance.now();
    adam.learningRate = learningRateAt(o, state.trainSeconds / 60);
    // Distillation alone: 2B images drawn uniformly; the "pairs" (k, B + k) only feed the log.
    const pairs: Array<[Sample, Sample, boolean]> = distillOnly ? uniformImagePairs(rng, trainWithTarget, B) : samplePairs(train, rng, B);
    const { lossValue, probs } = await trainStep(step, batch, pairs);
    if (!Number.isFinite(lossValue)) throw new Error(`loss became ${lossValue} at step ${state.step}`);
    // Per pair, the mean of both orders' probabilities, in the batch's pair order.
    for (let k = 0; k < B; k++) {
      const pr = probs[Math.floor(k / Bp)]!;
      const j = k % Bp;
      recent.push({ p: distillOnly ? NaN : (pr[j]! + pr[Bp + j]!) / 2, same: pairs[k]![2], loss: lossValue });
    }
    while (recent.length > 400) recent.shift();
    state.step++;
    const dt = (performance.now() - t0) / 1000;
    state.trainSeconds += dt;
    stepTimeSum += dt;
    stepCount++;

    if (state.step % 25 === 0) {
      logProgress(run, stepTimeSum / stepCount);
      stepTimeSum = 0;
      stepCount = 0;
    }

    if (state.step % o.stepsPerEpoch === 0) {
      stopped = await endEpoch(run);
      lastCkpt = performance.now();
    } else if ((performance.now() - lastCkpt) / 60_000 >= o.checkpointMinutes) {
      await saveCheckpoint(checkpoint, state, rng);
      lastCkpt = performance.now();
      log(`checkpoint at step ${state.step} -> ${checkpoint.files.json}`);
    }
  }
  await gradWorkers?.close();
  await saveCheckpoint(checkpoint, state, rng);
  await writeTrainingReport(run.report, stopped);
  cache.close();
  log(`stopped (${stopped}) at epoch ${state.epoch}, step ${state.step}; ${((state.trainSeconds - trainSecondsAtStart) / 60).toFixed(1)} min in this run, ${(state.trainSeconds / 60).toFixed(1)} min in all`);
  const best = state.history.find((h) => h.epoch === state.bestEpoch) ?? null;
  return {
    stopped,
    epochs: state.epoch,
    steps: state.step,
    trainSeconds: state.trainSeconds,
    best,
    trainImages: trainIdx.length,
    trainPeople: train.byPerson.length,
    validationImages: valIdx.length,
    validationPeople: val.byPerson.length,
  };
}

export type { Tf };
