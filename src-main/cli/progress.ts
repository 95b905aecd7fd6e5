import cliProgress from 'cli-progress';
import type { ScanEvent } from '../core/scan/scan-pipeline.js';

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
