// The messages between a learning run's worker (learn.worker.ts) and the thread that started it.
import type { LearnStage } from './learn-stages.js';
import { LearningCancelledError } from './learn-stages.js';
import type { LearnResult } from './learning.service.js';
import { LearningBusyError, LearningUnavailableError } from './learning.service.js';
import { NotEnoughAnswersError } from './library-learner.js';

export interface LearnWorkerData {
  dbFile: string;
  /** One Int32: set to 1 to cancel (read by the worker between stages, synchronously). */
  cancel: SharedArrayBuffer;
}

export type ToMain =
  | { type: 'stage'; stage: LearnStage }
  /** The run is about to write: it waits for `write`. */
  | { type: 'ready-to-write' }
  | { type: 'done'; result: LearnResult }
  | { type: 'failed'; kind: ErrorKind; message: string };

export type ToWorker = { type: 'write' };

/** Milliseconds a run waits inside its writing transaction (tests only: to kill a process there). */
export const STALL_ENV = 'FACEPAIR_TEST_STALL_LEARN_WRITE_MS';

type ErrorKind = 'not-enough' | 'unavailable' | 'busy' | 'cancelled' | 'other';

export function errorKind(err: unknown): ErrorKind {
  if (err instanceof NotEnoughAnswersError) return 'not-enough';
  if (err instanceof LearningUnavailableError) return 'unavailable';
  if (err instanceof LearningBusyError) return 'busy';
  if (err instanceof LearningCancelledError) return 'cancelled';
  return 'other';
}

/** The error a worker reported, as its class again. */
export function errorOf(kind: ErrorKind, message: string): Error {
  switch (kind) {
    case 'not-enough':
      return new NotEnoughAnswersError(message);
    case 'unavailable':
      return new LearningUnavailableError(message);
    case 'busy':
      return new LearningBusyError(message);
    case 'cancelled':
      return new LearningCancelledError();
    default:
      return new Error(message);
  }
}
