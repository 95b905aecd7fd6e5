/**
 * `facepair train-seed`: trains the seed model on LFW View 1's DevTrain people, or with
 * --refit-head refits its pair head on frozen embeddings.
 */
import os from 'node:os';
import path from 'node:path';

import { Option, type Command } from 'commander';

import { defaultLfwCacheDb } from '../core/benchmarks/lfw/lfw-faces.js';
import { defaultSeedModelDir } from '../core/embedding/seed/seed-embedder.js';
import { defaultDataDir } from '../core/paths.js';
import { refitPairHead, type RefitHeadOptions } from '../core/training/seed/refit-head.js';
import { trainSeed } from '../core/training/seed/seed-trainer.js';
import { DEFAULT_TRAIN_SEED, type TrainSeedOptions } from '../core/training/seed/train-options.js';
import { nonNegativeNumber, positiveNumber, shareOfBatch, shiftPixels, wholeNumber, wholeOrZero } from './option-values.js';

/**
 * The trainer's options as commander parses them from the flags: under the flags' names
 * (--cache, --work, --out, --lr), and optional where a flag has no default.
 */
type TrainerFlags = Pick<
  TrainSeedOptions,
  | 'data'
  | 'scan'
  | 'distill'
  | 'distillWeight'
  | 'pairWeight'
  | 'schedule'
  | 'warmupMinutes'
  | 'maxShift'
  | 'embeddingLrScale'
  | 'batchPairs'
  | 'stepsPerEpoch'
  | 'patience'
  | 'maxEpochs'
  | 'checkpointMinutes'
  | 'seed'
  | 'initFrom'
  | 'reviveDeadUnits'
  | 'extraShare'
> &
  Partial<Pick<TrainSeedOptions, 'scheduleMinutes' | 'gradWorkers' | 'maxMinutes' | 'fresh' | 'extraLabels'>> & {
    cache: TrainSeedOptions['cacheDb'];
    work: TrainSeedOptions['workDir'];
    out: TrainSeedOptions['outDir'];
    lr: TrainSeedOptions['learningRate'];
  };

/** The flags of --refit-head alone. */
interface RefitFlags {
  refitHead?: boolean;
  refitSteps: RefitHeadOptions['steps'];
  refitViews: RefitHeadOptions['views'];
  refitValidationPairs: RefitHeadOptions['validationPairs'];
  flipAverage?: 'on' | 'off';
  shiftAverage?: RefitHeadOptions['shiftAverage'];
}

/** The trainer's options from its flags: defaults for what no flag sets, unset time limits infinite. */
export function trainSeedOptions(flags: TrainerFlags, log: (line: string) => void, signal: AbortSignal): TrainSeedOptions {
  const { cache, work, out, lr, scheduleMinutes, maxMinutes, gradWorkers, maxShift, fresh, extraLabels, initFrom, ...sameNamed } = flags;
  // Imported labels fine-tune the shipped model unless told otherwise; never into its own folder.
  const from = extraLabels !== undefined ? (initFrom ?? defaultSeedModelDir()) : initFrom;
  if (extraLabels !== undefined && from !== undefined && path.resolve(from) === path.resolve(out)) {
    throw new Error(`--extra-labels fine-tunes ${from}: write the result elsewhere with --out <folder> (compare it, then replace the model)`);
  }
  return {
    ...DEFAULT_TRAIN_SEED,
    ...sameNamed,
    ...(from !== undefined ? { initFrom: from } : {}),
    ...(extraLabels !== undefined ? { extraLabels } : {}),
    cacheDb: cache,
    workDir: work,
    outDir: out,
    learningRate: lr,
    scheduleMinutes: scheduleMinutes ?? maxMinutes ?? Infinity,
    maxShift: Math.round(maxShift),
    gradWorkers: gradWorkers ?? Math.max(0, Math.min(3, os.availableParallelism() - 1)),
    maxMinutes: maxMinutes ?? Infinity,
    fresh: fresh ?? false,
    log,
    signal,
  };
}

export function registerTrainSeed(program: Command): void {
  program
    .command('train-seed')
    .description("train the seed face-pair model on LFW View 1's DevTrain people (resumes from its checkpoint)")
    .requiredOption('--data <folder>', 'the LFW folder (images/ and the protocol files)')
    .option('--cache <db>', 'library database holding the scan of LFW (built when missing: about 70 min for all of LFW on 2 cores; resumable)', defaultLfwCacheDb())
    .option('--no-scan', 'train on the images the cache already holds instead of scanning the rest')
    .option('--work <folder>', 'checkpoints, decoded images and the run log', path.join(defaultDataDir(), 'training', 'seed'))
    // Never the app's own model unless asked: a run in progress must not replace what scans use.
    .option('--out <folder>', `where the best model so far is exported (the app's own model, ${defaultSeedModelDir()}, only when given here)`, path.join(defaultDataDir(), 'training', 'seed-model'))
    .option('--no-distill', 'train the pair head alone (the study), without the descriptor distillation target')
    .option('--distill-weight <w>', 'weight of the distillation loss', positiveNumber, DEFAULT_TRAIN_SEED.distillWeight)
    .option('--pair-weight <w>', 'weight of the pair loss; 0 trains on the distillation target alone, images drawn uniformly (then --refit-head)', nonNegativeNumber, DEFAULT_TRAIN_SEED.pairWeight)
    .addOption(new Option('--schedule <kind>', 'learning rate over time: constant, or cosine decay to 2% over --schedule-minutes').choices(['constant', 'cosine']).default(DEFAULT_TRAIN_SEED.schedule))
    .option('--schedule-minutes <m>', 'training minutes the cosine schedule spans (default: --max-minutes)', positiveNumber)
    .option('--warmup-minutes <m>', 'linear learning-rate warm-up over the first minutes of training', nonNegativeNumber, DEFAULT_TRAIN_SEED.warmupMinutes)
    .option('--max-shift <px>', 'largest random shift of a training image, in pixels', nonNegativeNumber, DEFAULT_TRAIN_SEED.maxShift)
    .option('--embedding-lr-scale <f>', 'learning-rate multiplier for the embedding layer (seed_conv6), whose inputs are all ≥ 0: below 1 keeps its relu units from dying', positiveNumber, DEFAULT_TRAIN_SEED.embeddingLrScale)
    .option('--grad-workers <n>', 'worker threads computing gradients beside the main thread (default: cores - 1)', wholeOrZero)
    .option('--batch-pairs <n>', 'pairs per step (half same, half different)', wholeNumber, DEFAULT_TRAIN_SEED.batchPairs)
    .option('--steps-per-epoch <n>', 'steps between validations', wholeNumber, DEFAULT_TRAIN_SEED.stepsPerEpoch)
    .option('--patience <n>', 'epochs without a better validation loss before stopping', wholeNumber, DEFAULT_TRAIN_SEED.patience)
    .option('--max-epochs <n>', 'stop after this many epochs', wholeNumber, DEFAULT_TRAIN_SEED.maxEpochs)
    .option('--max-minutes <m>', 'stop (with a checkpoint) after this much time in this run', positiveNumber)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber, DEFAULT_TRAIN_SEED.learningRate)
    .option('--checkpoint-minutes <m>', 'minutes between checkpoints', positiveNumber, DEFAULT_TRAIN_SEED.checkpointMinutes)
    .option('--seed <n>', 'random seed of a fresh run', wholeNumber, DEFAULT_TRAIN_SEED.seed)
    .option('--fresh', 'start over, ignoring a checkpoint in --work')
    .option('--init-from <folder>', 'without a checkpoint: start from this saved model\'s weights (e.g. models/seed/v6) instead of random ones')
    .option('--revive-dead-units', 'with --init-from: give the saved model\'s dead embedding units (never above zero) new weights that make them active on half the faces')
    .option('--extra-labels <folder>', 'also train on imported labels (`facepair labels import --into <folder>`), their people kept apart from LFW\'s; a part held out by person is evaluated beside LFW (starts from the shipped model unless --init-from says otherwise)')
    .option('--extra-share <f>', 'with --extra-labels: share of each batch drawn from the imported labels', shareOfBatch, DEFAULT_TRAIN_SEED.extraShare)
    .option('--refit-head', 'instead of training: refit the pair head of the model in --out on frozen embeddings of the training images (many pairs per step)')
    .option('--refit-steps <n>', 'most head-refit steps', wholeNumber, 5000)
    .option('--refit-views <n>', 'head refit: embeddings per training image, the image as it is and n - 1 random views (flips, shifts up to --max-shift px)', wholeNumber, 1)
    .option('--refit-validation-pairs <n>', 'head refit: validation pairs that choose the head', wholeNumber, DEFAULT_TRAIN_SEED.validationPairs)
    .addOption(new Option('--flip-average <on|off>', "head refit: embed faces as the mean of the crop's and its mirror image's embeddings (twice the cost per face); written to the model with the head when that is better on validation (default: the model's setting)").choices(['on', 'off']))
    .option('--shift-average <px>', 'head refit: embed faces as the mean over the crop and four copies moved this many pixels diagonally (five times the cost per face; 0: the crop alone); written like --flip-average (default: the model\'s setting)', shiftPixels)
    .action(async (flags: TrainerFlags & RefitFlags) => {
      const { refitHead, refitSteps, refitViews, refitValidationPairs, flipAverage, shiftAverage, ...trainer } = flags;
      const controller = new AbortController();
      const stop = (): void => {
        process.stderr.write('stopping after this step (checkpoint follows)...\n');
        controller.abort();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const log = (line: string): void => {
        process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
      };
      if (refitHead !== true && (flipAverage !== undefined || shiftAverage !== undefined || refitViews !== 1 || refitValidationPairs !== DEFAULT_TRAIN_SEED.validationPairs)) {
        throw new Error('--flip-average, --shift-average, --refit-views and --refit-validation-pairs belong to --refit-head');
      }
      if (refitHead === true && trainer.extraLabels !== undefined) throw new Error('--extra-labels belongs to training, not to --refit-head');
      if (refitHead) {
        const r = await refitPairHead({
          data: trainer.data,
          cacheDb: trainer.cache,
          scan: trainer.scan,
          workDir: trainer.work,
          validationFraction: DEFAULT_TRAIN_SEED.validationFraction,
          validationPairs: refitValidationPairs,
          modelDir: trainer.out,
          steps: refitSteps,
          batchPairs: 256,
          learningRate: trainer.lr,
          evalEvery: 100,
          patience: 10,
          seed: trainer.seed,
          views: refitViews,
          viewShift: trainer.maxShift,
          ...(flipAverage !== undefined ? { flipAverage: flipAverage === 'on' } : {}),
          ...(shiftAverage !== undefined ? { shiftAverage } : {}),
          log,
        });
        log(JSON.stringify(r));
        return;
      }
      if (trainer.reviveDeadUnits === true && trainer.initFrom === undefined) throw new Error('--revive-dead-units needs --init-from <model folder>: only a saved model has dead units to revive');
      try {
        const r = await trainSeed(trainSeedOptions(trainer, log, controller.signal));
        log(JSON.stringify(r));
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
