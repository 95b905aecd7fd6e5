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
import path from 'node:path';

import { SEED_DISTILL_DIM, SEED_EMBEDDING_DIM } from '../../embedding/seed/seed-architecture.js';
import { auc } from '../../ml/pair-metrics.js';
import { Rng } from '../../ml/rng.js';
import { loadMlRuntime, type Tf } from '../../ml/runtime.js';
import { registerBatchNormGradient } from '../kernels/batchnorm-grad.js';
import { registerWasmGradKernels } from '../kernels/wasm-grad-kernels.js';
import { exportBest, type BestModelExport } from './best-model-export.js';
import { calibrationSample, recalibrate, type Calibration } from './calibration.js';
import { checkpointFiles, newCheckpointState, resumeFromCheckpoint, saveCheckpoint, type CheckpointContext } from './checkpoint.js';
import { GradWorkers } from './grad-workers.js';
import { extraFigures, loadExtraLabels, sampleExtraPairs, type ExtraFigures, type ExtraLabels } from './extra-labels.js';
import { IMAGE_BYTES, ImageCache, JoinedImages, type FaceImages } from './image-cache.js';
import { learningRateAt } from './learning-rate.js';
import type { CheckpointState, EpochRecord } from './run-state.js';
import { trainStep, type BatchSource, type StepContext } from './train-step.js';
import type { TrainSeedOptions, TrainSeedResult } from './train-options.js';
import { prepareData, samplePairs, uniformImagePairs, type Sample, type TrainingData } from './training-data.js';
import { buildTrainingModels, initFromSavedModel, reviveSavedModelUnits } from './training-models.js';
import { writeTrainingReport, type TrainingReportContext } from './training-report.js';
import { keepSelectionComparable, pairHeadProbabilities, validate, validationPairs, type ValidationContext } from './validation.js';

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
  /** With imported labels: the figures of the weights as they are on the held-out imported pairs. */
  evaluateExtra?: () => ExtraFigures;
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
  // After validate: the batch-norm statistics are the recalibrated ones.
  const x = run.evaluateExtra?.();
  const rec: EpochRecord = {
    epoch: state.epoch,
    step: state.step,
    seconds: state.trainSeconds,
    trainLoss: recent.reduce((s, r) => s + r.loss, 0) / Math.max(1, recent.length),
    trainAccuracy: distillOnly ? NaN : recent.filter((r) => (r.p >= 0.5) === r.same).length / Math.max(1, recent.length),
    trainAuc: distillOnly ? NaN : auc(recent.map((r) => r.p), recent.map((r) => r.same)),
    ...v,
    learningRate: adam.learningRate,
    ...(x ? { extraAuc: x.auc, extraAccuracy: x.accuracy } : {}),
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
      (x ? `; held-out imported labels: auc ${x.auc.toFixed(3)} acc ${x.accuracy.toFixed(3)} on ${x.pairs} pairs` : '') +
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
  const extra = o.extraLabels !== undefined ? loadExtraLabels(o.extraLabels) : null;
  if (extra !== null && distillOnly) throw new Error('imported labels train the pair loss: they need a pair weight above 0');
  const data = await prepareData(o);
  const { usable, trainIdx, valIdx, train, val } = data;
  // Imported labels' crops follow LFW's images in the cache, without distillation targets.
  const extraOffset = data.cache.count;
  const { cache, targets, hasTarget } = extra === null ? data : await withExtraImages(data, extra, o);
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
  const evaluateExtra = extra === null ? undefined : (): ExtraFigures => extraFigures(pairHeadProbabilities(tf, cache, extractor, head, extra.heldOut.map((p) => [extraOffset + p.a, extraOffset + p.b] as const)), extra.heldOut);
  if (evaluateExtra && state.step === 0 && state.extraBefore === undefined) {
    recalibrate(calibration);
    state.extraBefore = evaluateExtra();
    log(`held-out imported labels before training: auc ${state.extraBefore.auc.toFixed(3)} acc ${state.extraBefore.accuracy.toFixed(3)} on ${state.extraBefore.pairs} pairs`);
  }
  const extraPerStep = extra === null ? 0 : Math.min(o.batchPairs - 1, Math.max(1, Math.round(o.batchPairs * o.extraShare)));

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
    report: { o, backend, state, data, validation, extra },
    validationPeople: val.byPerson.length,
    ...(evaluateExtra ? { evaluateExtra } : {}),
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
    const pairs: Array<[Sample, Sample, boolean]> = distillOnly
      ? uniformImagePairs(rng, trainWithTarget, B)
      : extra === null
        ? samplePairs(train, rng, B)
        : [...samplePairs(train, rng, B - extraPerStep), ...sampleExtraPairs(extra, rng, extraPerStep, extraOffset)];
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
    ...(extra !== null
      ? {
          extraLabels: {
            fitPairs: extra.fit.length,
            heldOutPairs: extra.heldOut.length,
            heldOutAnswered: extra.heldOutAnswered,
            dropped: extra.dropped,
            splitBy: extra.splitBy,
            before: state.extraBefore ?? null,
            best: best?.extraAuc !== undefined ? { pairs: extra.heldOut.length, auc: best.extraAuc, accuracy: best.extraAccuracy ?? NaN } : null,
          },
        }
      : {}),
  };
}

/** The image cache with the imported labels' crops after LFW's (decoded into a cache of their own), and targets for them (none). */
async function withExtraImages(data: TrainingData, extra: ExtraLabels, o: TrainSeedOptions): Promise<{ cache: FaceImages; targets: Float32Array; hasTarget: Uint8Array }> {
  const extraCache = await ImageCache.build(path.join(o.workDir, 'extra-cache'), extra.sources, o.log);
  const n = data.cache.count + extraCache.count;
  const targets = new Float32Array(n * SEED_DISTILL_DIM);
  targets.set(data.targets);
  const hasTarget = new Uint8Array(n);
  hasTarget.set(data.hasTarget);
  o.log(
    `imported labels from ${extra.dir} (${extra.imports} imports): ${extra.fit.length} pairs to train on (and "different" pairs drawn across its ${extra.fitUnits.length} known people), ${extra.heldOut.length} held out (${extra.heldOutAnswered} answered, the rest drawn across people) ` +
      `(split by ${extra.splitBy === 'identity' ? 'person' : 'crop'}: ${extra.units.fit} / ${extra.units.heldOut} units; ${extra.dropped} pairs across the split left out), ${extra.sources.length} crops`,
  );
  return { cache: new JoinedImages([data.cache, extraCache]), targets, hasTarget };
}

export type { Tf };
