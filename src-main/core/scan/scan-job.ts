import type { ScanEvent, ScanSummary } from './scan-pipeline.js';
import type { ScanState } from '../contract/api.js';
import { ApiError, conflict } from '../contract/errors.js';

export interface ScanRunner {
  scan(folders: readonly string[], onEvent: (e: ScanEvent) => void, signal: AbortSignal, options?: { resume?: boolean }): Promise<ScanSummary>;
  /** Photos analysed (done or failed) so far, in the whole library. */
  analysedCount(): number;
  /** Faces on the library's read photos so far (the Library screen's "faces"). */
  faceCount(): number;
}

/**
 * Seconds left at the rate seen since `start` (items done then, and when); null until there is
 * a rate, or once stopping.
 */
function secondsLeft(start: { at: number; done: number }, done: number, total: number, signal: AbortSignal): number | null {
  const rate = (done - start.done) / ((performance.now() - start.at) / 1000);
  const left = total - done;
  return rate > 0 && !signal.aborted ? left / rate : left === 0 ? 0 : null;
}

/** How often progress is pushed to the window at most. */
const PROGRESS_EVERY_MS = 150;

/**
 * The window's scan: one at a time, in the background, with progress (photos done of total,
 * faces, errors, time left) pushed as it goes. Pause and cancel both stop the analysis after
 * the photos in flight (every stage resumes from what the database holds); a paused scan
 * resumes where it stopped, a cancelled one is simply idle.
 */
export class ScanJob {
  private current: ScanState = {
    status: 'idle',
    stage: null,
    done: 0,
    total: 0,
    faces: 0,
    errors: 0,
    etaSeconds: null,
    startedAt: null,
    last: null,
    elsewhere: null,
  };
  private controller?: AbortController;
  private running?: Promise<void>;
  private stopAs: 'paused' | 'cancelled' | null = null;
  /** The folders of the scan running or paused: a resumed scan goes on with them. */
  private scanning: readonly string[] = [];
  private lastPush = 0;

  constructor(
    private readonly runner: ScanRunner,
    /** The library's folders: a scan reads them all unless it is given some. */
    private readonly folders: () => readonly string[],
    private readonly emit: (state: ScanState) => void,
    private readonly onFinished: () => void,
  ) {}

  get state(): ScanState {
    return structuredClone(this.current);
  }

  /** True while faces are being grouped: edits of people wait for it (see `idle`). */
  get grouping(): boolean {
    return this.running !== undefined && this.current.stage === 'group';
  }

  /** Resolves once no scan runs. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** Scans `only` these folders, or every folder of the library; `resume` goes on from a paused scan's stage. */
  start(only?: readonly string[], resume = false): ScanState {
    if (this.running) throw conflict('A scan is already running');
    const folders = only ?? this.folders();
    if (folders.length === 0) throw new ApiError('conflict', 'Add a photo folder first');
    this.scanning = folders;
    this.controller = new AbortController();
    this.stopAs = null;
    // A resumed scan goes on where it stopped: no second "Looking for photos".
    const from: Partial<ScanState> = resume ? { stage: this.current.stage === 'index' ? 'analyze' : this.current.stage } : { stage: 'index', done: 0, total: 0 };
    this.set({ status: 'running', ...from, faces: 0, errors: 0, etaSeconds: null, startedAt: new Date().toISOString() });
    this.running = this.run(folders, this.controller.signal, resume).finally(() => {
      this.running = undefined;
      this.controller = undefined;
      // Told once the job is really idle: a listener may start the next scan.
      this.onFinished();
    });
    return this.state;
  }

  pause(): ScanState {
    return this.stop('paused');
  }

  resume(): ScanState {
    if (this.current.status !== 'paused') throw conflict('There is no paused scan to resume');
    // Paused while still looking for photos: the folders are looked through again.
    return this.start(this.scanning, this.current.stage !== 'index');
  }

  cancel(): ScanState {
    if (this.current.status === 'paused') {
      this.set({ status: 'idle' });
      return this.state;
    }
    return this.stop('cancelled');
  }

  private stop(as: 'paused' | 'cancelled'): ScanState {
    if (!this.running || !this.controller) throw conflict('No scan is running');
    this.stopAs = as;
    this.controller.abort();
    this.set({ status: as === 'paused' ? 'pausing' : 'cancelling', etaSeconds: null });
    return this.state;
  }

  private async run(folders: readonly string[], signal: AbortSignal, resume: boolean): Promise<void> {
    let analysisStart: { at: number; done: number } | undefined;
    let embedStart: { at: number; done: number } | undefined;
    let offset = 0;
    let faceOffset = 0;
    let stoppedIn: ScanState['stage'] | undefined;
    const t0 = performance.now();
    try {
      const summary = await this.runner.scan(
        folders,
        (e) => {
          if (e.stage === 'index') {
            this.progress({ stage: 'index', done: e.done, total: e.total });
          } else if (e.stage === 'group') {
            // Grouping what was read before a pause: the scan stopped in the stage before it.
            if (signal.aborted) stoppedIn ??= this.current.stage;
            this.set({ stage: 'group', etaSeconds: null });
          } else if (e.stage === 'embed') {
            embedStart ??= { at: performance.now(), done: e.done };
            this.progress({ stage: 'embed', done: e.done, total: e.total, etaSeconds: secondsLeft(embedStart, e.done, e.total, signal) });
          } else {
            if (!analysisStart) {
              // Photos analysed before this run count as done: the bar shows the whole library.
              offset = this.runner.analysedCount() - e.done;
              faceOffset = this.runner.faceCount() - e.faces;
              analysisStart = { at: performance.now(), done: e.done };
            }
            this.progress({
              stage: 'analyze',
              done: offset + e.done,
              total: offset + e.total,
              faces: faceOffset + e.faces,
              errors: e.errors,
              etaSeconds: secondsLeft(analysisStart, e.done, e.total, signal),
            });
          }
        },
        signal,
        { resume },
      );
      const outcome = this.stopAs ?? 'finished';
      this.set({
        status: outcome === 'paused' ? 'paused' : 'idle',
        // A paused scan says where it stopped (its progress counts photos or faces by stage).
        stage: outcome === 'paused' ? (stoppedIn ?? this.current.stage) : null,
        etaSeconds: null,
        last: {
          finishedAt: new Date().toISOString(),
          outcome,
          photos: summary.photos,
          faces: summary.faces,
          people: summary.people,
          errors: summary.errors,
          seconds: summary.seconds,
          message: null,
        },
      });
    } catch (err) {
      this.set({
        status: 'idle',
        stage: null,
        etaSeconds: null,
        last: {
          finishedAt: new Date().toISOString(),
          outcome: 'failed',
          photos: 0,
          faces: 0,
          people: 0,
          errors: 0,
          seconds: (performance.now() - t0) / 1000,
          message: (err as Error).message,
        },
      });
    }
  }

  private progress(patch: Partial<ScanState>): void {
    Object.assign(this.current, patch);
    const now = performance.now();
    if (now - this.lastPush < PROGRESS_EVERY_MS && patch.done !== patch.total) return;
    this.lastPush = now;
    this.emit(this.state);
  }

  private set(patch: Partial<ScanState>): void {
    Object.assign(this.current, patch);
    this.lastPush = performance.now();
    this.emit(this.state);
  }
}
