import cliProgress from 'cli-progress';
import { LEARN_STAGE_WORDS, LEARN_STAGES, type LearnStage } from '../core/learning/learn-stages.js';
import type { ScanEvent } from '../core/scan/scan-pipeline.js';
import { plural, timeLeft } from './words.js';

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

const STAGES = {
  index: { title: 'Looking for photos', unit: 'photo', verb: 'checked' },
  analyze: { title: 'Finding faces', unit: 'photo', verb: 'read' },
  embed: { title: 'Describing faces for matching', unit: 'face', verb: 'done' },
} as const;

const BAR_WIDTH = 24;

/**
 * A progress bar on stderr for the scan's stages, in words ("12 of 80 photos read · 30 faces ·
 * about 2 min left"): the time left only once there is a rate to go by. Silent when stderr is
 * not a terminal.
 */
export function scanProgressBar(): { onEvent: (e: ScanEvent) => void; stop: () => void } {
  let stage: ScanEvent['stage'] | undefined;
  let start = { at: 0, done: 0 };
  let extra = { faces: 0, errors: 0 };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      format: (_options, params) => {
        if (!stage || stage === 'group') return '';
        const s = STAGES[stage];
        const filled = Math.round(Math.min(1, Math.max(0, params.progress)) * BAR_WIDTH);
        const parts = [`${s.title} ${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${params.value.toLocaleString('en')} of ${plural(params.total, s.unit)} ${s.verb}`];
        if (stage === 'analyze') {
          parts.push(plural(extra.faces, 'face'));
          if (extra.errors > 0) parts.push(`${extra.errors.toLocaleString('en')} failed`);
        }
        const seconds = (performance.now() - start.at) / 1000;
        const rate = (params.value - start.done) / seconds;
        const left = rate > 0 && seconds >= 2 ? timeLeft((params.total - params.value) / rate) : null;
        if (left && params.value < params.total) parts.push(`about ${left} left`);
        return parts.join(' · ');
      },
    },
    cliProgress.Presets.shades_classic,
  );
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
        start = { at: performance.now(), done: e.done };
        extra = { faces: 0, errors: 0 };
        bar.start(e.total, e.done);
      }
      if (e.stage === 'analyze') extra = { faces: e.faces, errors: e.errors };
      bar.setTotal(e.total);
      bar.update(e.done);
    },
    stop() {
      if (stage && stage !== 'group') bar.stop();
    },
  };
}
