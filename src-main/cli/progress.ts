import cliProgress from 'cli-progress';
import { LEARN_STAGE_WORDS, LEARN_STAGES, type LearnStage } from '../core/learning/learn-stages.js';
import type { ScanEvent } from '../core/scan/scan-pipeline.js';

/**
 * The stages of a learning run on stderr: a bar on a terminal, else one line per stage (so
 * that a log, or a test, sees where it is).
 */
export function learnProgressBar(): { onStage: (stage: LearnStage) => void; stop: () => void } {
  if (!process.stderr.isTTY) {
    return { onStage: (stage) => process.stderr.write(`Learning: ${LEARN_STAGE_WORDS[stage].toLowerCase()}…\n`), stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'Learning |{bar}| {value}/{total} {stage}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onStage(stage) {
      const step = LEARN_STAGES.indexOf(stage);
      if (!started) bar.start(LEARN_STAGES.length, step, { stage: LEARN_STAGE_WORDS[stage] });
      else bar.update(step, { stage: LEARN_STAGE_WORDS[stage] });
      started = true;
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/** A progress bar on stderr for the scan's stages; silent when stderr is not a terminal. */
export function scanProgressBar(): { onEvent: (e: ScanEvent) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{stage} |{bar}| {value}/{total} {unit} | {faces} faces | {errors} errors | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let stage: ScanEvent['stage'] | undefined;
  return {
    onEvent(e) {
      if (e.stage === 'group') {
        if (stage) bar.stop();
        stage = e.stage;
        process.stderr.write('Grouping faces into people…\n');
        return;
      }
      if (e.stage !== stage) {
        if (stage) bar.stop();
        stage = e.stage;
        const start = { index: { stage: 'Indexing ', unit: 'files' }, analyze: { stage: 'Analysing', unit: 'photos' }, embed: { stage: 'Embedding', unit: 'faces' } }[e.stage];
        bar.start(e.total, e.done, { ...start, faces: 0, errors: 0 });
      }
      bar.setTotal(e.total);
      bar.update(e.done, e.stage === 'analyze' ? { faces: e.faces, errors: e.errors } : e.stage === 'embed' ? { faces: e.total } : {});
    },
    stop() {
      if (stage && stage !== 'group') bar.stop();
    },
  };
}
