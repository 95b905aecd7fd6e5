import type { GroupingSummary } from '../grouping/grouping.service.js';
import { LEARN_STAGES, LearningCancelledError, type LearnStage } from './learn-stages.js';
import type { LearnInWorkerOptions, RunningLearn } from './learn-in-worker.js';
import { LearningBusyError } from './learning.service.js';

export interface LearningJobState {
  status: 'idle' | 'running' | 'cancelling';
  stage: LearnStage | null;
  /** The stage's place, 1 to `steps` (0 before the first). */
  step: number;
  steps: number;
  startedAt: string | null;
  /** The last run that ended. */
  last: {
    outcome: 'finished' | 'cancelled' | 'failed';
    finishedAt: string;
    /** The version's reason, or why the run stopped, in a sentence. */
    message: string;
    versionId: number | null;
    promoted: boolean;
    regrouped: GroupingSummary | null;
  } | null;
}

/**
 * "Improve recognition" as a background job for the window: one run at a time, its stage as
 * it goes, cancel, and how the last one ended. The run itself is `start`'s (a worker thread).
 */
export class LearningJob {
  private current: { state: LearningJobState; run: RunningLearn | null; done: Promise<void> } | null = null;
  private lastState: LearningJobState = { status: 'idle', stage: null, step: 0, steps: LEARN_STAGES.length, startedAt: null, last: null };

  constructor(
    private readonly start: (options: LearnInWorkerOptions) => RunningLearn,
    private readonly onChange: (state: LearningJobState) => void,
  ) {}

  get state(): LearningJobState {
    return this.current?.state ?? this.lastState;
  }

  get running(): boolean {
    return this.current !== null;
  }

  /** Starts a run in the background and answers at once; a second run while one is on its way is refused. */
  run(beforeWrite?: () => Promise<() => void>): LearningJobState {
    if (this.current) throw new LearningBusyError('Recognition is already being improved: wait until it is done, or cancel it');
    const state: LearningJobState = { ...this.lastState, status: 'running', stage: null, step: 0, startedAt: new Date().toISOString() };
    const job: { state: LearningJobState; run: RunningLearn | null; done: Promise<void> } = { state, run: null, done: Promise.resolve() };
    this.current = job;
    const update = (patch: Partial<LearningJobState>): void => {
      job.state = { ...job.state, ...patch };
      this.onChange(job.state);
    };
    try {
      job.run = this.start({
        onStage: (stage) => update({ stage, step: LEARN_STAGES.indexOf(stage) + 1 }),
        beforeWrite,
      });
    } catch (err) {
      this.current = null; // it never started (its worker could not be made)
      throw err;
    }
    job.done = job.run.result.then(
      (r) => this.end(job, { outcome: 'finished', message: r.version.record.reason, versionId: r.version.id, promoted: r.version.promoted, regrouped: r.regrouped }),
      (err: unknown) =>
        this.end(job, {
          outcome: err instanceof LearningCancelledError ? 'cancelled' : 'failed',
          message: (err as Error)?.message ?? String(err),
          versionId: null,
          promoted: false,
          regrouped: null,
        }),
    );
    this.onChange(job.state);
    return job.state;
  }

  /** Asks the run on its way to stop; nothing it learned is written. */
  cancel(): LearningJobState {
    const job = this.current;
    if (!job || job.state.status === 'cancelling') return this.state;
    job.run?.cancel();
    job.state = { ...job.state, status: 'cancelling' };
    this.onChange(job.state);
    return job.state;
  }

  /** Resolves once no run is on its way. */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
  }

  private end(job: { state: LearningJobState }, last: Omit<NonNullable<LearningJobState['last']>, 'finishedAt'>): void {
    this.lastState = { status: 'idle', stage: null, step: 0, steps: LEARN_STAGES.length, startedAt: job.state.startedAt, last: { ...last, finishedAt: new Date().toISOString() } };
    this.current = null;
    this.onChange(this.lastState);
  }
}
