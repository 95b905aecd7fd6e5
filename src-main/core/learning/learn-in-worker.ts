import { Worker } from 'node:worker_threads';

import { workerScript } from '../worker-script.js';
import type { LearnStage } from './learn-stages.js';
import { errorOf, type LearnWorkerData, type ToMain, type ToWorker } from './learn-protocol.js';
import type { LearnResult } from './learning.service.js';

export interface LearnInWorkerOptions {
  onStage?: (stage: LearnStage) => void;
  /** Awaited before the run writes; what it resolves to is called once the run has ended. */
  beforeWrite?: () => Promise<() => void>;
}

export interface RunningLearn {
  result: Promise<LearnResult>;
  /** Stops the run at its next stage, or inside its writing transaction (rolled back): nothing is written. */
  cancel(): void;
}

/**
 * Runs one learning of the library in `dbFile` on a worker thread (learn.worker.ts) with its
 * own database connection: this thread stays free to answer. Stages and the result come back
 * as messages; a cancel is a shared flag the worker reads synchronously between stages.
 */
export function learnInWorker(dbFile: string, options: LearnInWorkerOptions = {}): RunningLearn {
  const cancel = new SharedArrayBuffer(4);
  const flag = new Int32Array(cancel);
  const data: LearnWorkerData = { dbFile, cancel };
  const worker = new Worker(workerScript(import.meta.url, 'learn.worker.js'), { workerData: data });
  let release: (() => void) | null = null;
  const result = new Promise<LearnResult>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      release?.();
      release = null;
      fn();
      // Its result is in (or it failed): nothing it still holds is needed.
      void worker.terminate();
    };
    worker.on('message', (m: ToMain) => {
      if (m.type === 'stage') options.onStage?.(m.stage);
      else if (m.type === 'ready-to-write') {
        void (async () => {
          const done = (await options.beforeWrite?.()) ?? (() => undefined);
          if (settled) return done();
          release = done;
          worker.postMessage({ type: 'write' } satisfies ToWorker);
        })();
      } else if (m.type === 'done') settle(() => resolve(m.result));
      else settle(() => reject(errorOf(m.kind, m.message)));
    });
    worker.on('error', (err) => settle(() => reject(new Error(`Learning stopped unexpectedly: ${err.message}`))));
    worker.on('exit', (code) => settle(() => reject(new Error(`Learning stopped unexpectedly (its worker exited with code ${code})`))));
  });
  return {
    result,
    cancel: () => {
      Atomics.store(flag, 0, 1);
    },
  };
}
