import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScanState } from '../../../src-main/core/contract/api.js';
import { ScanJob, type ScanRunner } from '../../../src-main/core/scan/scan-job.js';
import type { ScanEvent, ScanSummary } from '../../../src-main/core/scan/scan-pipeline.js';
import { thrown } from '../../support/errors.js';

// ScanJob with a fake runner whose scan the test drives step by step (its events, then its
// end), and a clock the test moves: no photo is read, no model loaded.

/** One call of the runner's scan, held open until the test finishes or fails it. */
interface Run {
  folders: readonly string[];
  resume: boolean;
  signal: AbortSignal;
  event(e: ScanEvent): void;
  finish(figures?: Partial<Pick<ScanSummary, 'photos' | 'faces' | 'people' | 'errors' | 'seconds'>>): void;
  fail(err: Error): void;
}

class FakeRunner implements ScanRunner {
  readonly runs: Run[] = [];
  /** Photos of the library analysed so far (done or failed). */
  analysed = 0;

  scan(folders: readonly string[], onEvent: (e: ScanEvent) => void, signal: AbortSignal, options: { resume?: boolean } = {}): Promise<ScanSummary> {
    return new Promise((resolve, reject) => {
      this.runs.push({ folders, resume: options.resume ?? false, signal, event: onEvent, finish: (figures = {}) => resolve(summary(folders, figures)), fail: reject });
    });
  }

  /** Faces on those photos. */
  faces = 0;

  analysedCount(): number {
    return this.analysed;
  }

  faceCount(): number {
    return this.faces;
  }

  get last(): Run {
    return this.runs.at(-1)!;
  }
}

function summary(folders: readonly string[], figures: Partial<ScanSummary>): ScanSummary {
  return {
    folder: folders[0]!,
    folders: [...folders],
    index: { files: 0, added: 0, changed: 0, moved: 0, unchanged: 0, gone: 0, ignored: 0, unreadableFolders: [], outside: [] },
    analysis: { done: 0, total: 0, faces: 0, errors: 0, copies: 0, backend: null, detector: null, workers: 0, stageMs: { decodeMs: 0, detectMs: 0, landmarksMs: 0, alignMs: 0, embedMs: 0, cropsMs: 0 } },
    grouping: { faces: 0, newFaces: 0, joinedExisting: 0, newPeople: 0, ms: 0 },
    seedEmbedding: { model: null, embedded: 0, failed: 0, ms: 0 },
    fingerprints: { done: 0, failed: 0, ms: 0 },
    photos: 0,
    faces: 0,
    people: 0,
    errors: 0,
    seconds: 0,
    ...figures,
  };
}

let clock: number;
let runner: FakeRunner;
let folders: string[];
let emitted: ScanState[];
let finished: number;
let job: ScanJob;

beforeEach(() => {
  clock = 10_000;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  runner = new FakeRunner();
  folders = ['/photos', '/more-photos'];
  emitted = [];
  finished = 0;
  job = new ScanJob(
    runner,
    () => folders,
    (s) => emitted.push(s),
    () => finished++,
  );
});

afterEach(() => {
  vi.restoreAllMocks();
});


const analyze = (done: number, total: number, faces = 0, errors = 0): ScanEvent => ({ stage: 'analyze', done, total, faces, errors });

describe('ScanJob', () => {
  it('starts idle, with no last scan', () => {
    expect(job.state).toMatchObject({ status: 'idle', stage: null, last: null, startedAt: null });
    expect(job.grouping).toBe(false);
  });

  it('runs one scan at a time, in the background: a second start is a conflict', () => {
    const state = job.start();
    expect(state).toMatchObject({ status: 'running', stage: 'index', done: 0, total: 0, etaSeconds: null });
    expect(Date.parse(state.startedAt!)).not.toBeNaN();
    expect(runner.runs).toHaveLength(1);
    expect(runner.last.folders).toEqual(['/photos', '/more-photos']);
    expect(emitted.at(-1)).toEqual(state);

    const second = thrown(() => job.start());
    expect(second.code).toBe('conflict');
    expect(second.message).toMatch(/already running/);
    expect(runner.runs).toHaveLength(1);
    expect(job.state.status).toBe('running');
  });

  it('refuses to start before a photo folder is added', () => {
    folders = [];
    expect(thrown(() => job.start())).toMatchObject({ code: 'conflict', message: 'Add a photo folder first' });
    expect(runner.runs).toEqual([]);
    expect(job.state.status).toBe('idle');
    expect(emitted).toEqual([]);
  });

  it('reports progress by stage, counting photos and faces found before this scan as done, with the time left', async () => {
    runner.analysed = 7; // 7 photos analysed by earlier scans, 20 pending now
    runner.faces = 9; // their faces: the progress counts the library's faces, as the Library screen's figures do
    job.start();
    const run = runner.last;
    run.event({ stage: 'index', done: 30, total: 30 });
    expect(job.state).toMatchObject({ stage: 'index', done: 30, total: 30 });

    run.event(analyze(0, 20));
    expect(job.state).toMatchObject({ stage: 'analyze', done: 7, total: 27, etaSeconds: null });
    clock += 2000;
    run.event(analyze(4, 20, 6, 1)); // 2 photos a second, 16 left
    expect(job.state).toMatchObject({ stage: 'analyze', done: 11, total: 27, faces: 15, errors: 1, etaSeconds: 8 });
    clock += 2000;
    run.event(analyze(12, 20, 15, 1)); // 3 a second since the start, 8 left
    expect(job.state.etaSeconds).toBeCloseTo(8 / 3, 6);

    run.event({ stage: 'embed', done: 0, total: 10 });
    expect(job.state).toMatchObject({ stage: 'embed', done: 0, total: 10, etaSeconds: null });
    clock += 1000;
    run.event({ stage: 'embed', done: 5, total: 10 });
    expect(job.state).toMatchObject({ done: 5, total: 10, etaSeconds: 1 });

    expect(job.grouping).toBe(false);
    run.event({ stage: 'group' });
    expect(job.state).toMatchObject({ status: 'running', stage: 'group', etaSeconds: null });
    expect(job.grouping).toBe(true);
    expect(finished).toBe(0);

    clock += 500;
    run.finish({ photos: 27, faces: 40, people: 9, errors: 1, seconds: 6.5 });
    await job.idle();
    expect(job.state).toMatchObject({
      status: 'idle',
      stage: null,
      etaSeconds: null,
      last: { outcome: 'finished', photos: 27, faces: 40, people: 9, errors: 1, seconds: 6.5, message: null },
    });
    expect(Date.parse(job.state.last!.finishedAt)).not.toBeNaN();
    expect(job.grouping).toBe(false);
    expect(finished).toBe(1);
    expect(emitted.at(-1)).toEqual(job.state);
  });

  it('pushes progress at most every 150 ms, but always the end of a stage; its state is always current', () => {
    job.start();
    const run = runner.last;
    const pushed = emitted.length;
    run.event({ stage: 'index', done: 1, total: 10 });
    run.event({ stage: 'index', done: 2, total: 10 });
    expect(emitted).toHaveLength(pushed);
    expect(job.state).toMatchObject({ done: 2, total: 10 });
    run.event({ stage: 'index', done: 10, total: 10 });
    expect(emitted).toHaveLength(pushed + 1);
    expect(emitted.at(-1)).toMatchObject({ done: 10, total: 10 });
    clock += 100;
    run.event({ stage: 'embed', done: 1, total: 5 });
    expect(emitted).toHaveLength(pushed + 1);
    clock += 60;
    run.event({ stage: 'embed', done: 2, total: 5 });
    expect(emitted).toHaveLength(pushed + 2);
    expect(emitted.at(-1)).toMatchObject({ stage: 'embed', done: 2, total: 5 });
  });

  it('pause stops the scan after the photos in flight; resume goes on where it stopped, without looking for photos again', async () => {
    job.start();
    const first = runner.last;
    first.event(analyze(0, 10));
    clock += 1000;
    first.event(analyze(2, 10));
    expect(job.state.etaSeconds).toBe(4);

    expect(job.pause()).toMatchObject({ status: 'pausing', etaSeconds: null });
    expect(first.signal.aborted).toBe(true);
    expect(thrown(() => job.start()).code).toBe('conflict'); // still winding down
    clock += 1000;
    first.event(analyze(3, 10)); // a photo that was in flight
    expect(job.state).toMatchObject({ status: 'pausing', done: 3, etaSeconds: null });
    first.event({ stage: 'group' }); // what was read is grouped before it stops
    first.finish({ photos: 3 });
    await job.idle();
    expect(job.state).toMatchObject({ status: 'paused', stage: 'analyze', done: 3, total: 10, last: { outcome: 'paused', photos: 3 } });
    expect(finished).toBe(1);
    expect(thrown(() => job.pause()).code).toBe('conflict');

    expect(job.resume()).toMatchObject({ status: 'running', stage: 'analyze', done: 3, total: 10 });
    expect(runner.runs).toHaveLength(2);
    expect(runner.runs.map((r) => r.resume)).toEqual([false, true]);
    expect(runner.last.signal.aborted).toBe(false);
    runner.last.finish();
    await job.idle();
    expect(job.state).toMatchObject({ status: 'idle', last: { outcome: 'finished' } });
    expect(finished).toBe(2);
  });

  it('scans one folder when asked, and a resumed scan goes on with that folder only', async () => {
    job.start(['/more-photos']);
    expect(runner.last.folders).toEqual(['/more-photos']);
    job.pause();
    runner.last.finish();
    await job.idle();
    job.resume();
    expect(runner.last.folders).toEqual(['/more-photos']);
    runner.last.finish();
    await job.idle();
    job.start();
    expect(runner.last.folders).toEqual(['/photos', '/more-photos']);
  });

  it('a scan paused while it still looked for photos looks through the folder again when resumed', async () => {
    job.start();
    runner.last.event({ stage: 'index', done: 4, total: 20 });
    job.pause();
    runner.last.finish();
    await job.idle();
    expect(job.state).toMatchObject({ status: 'paused', stage: 'index' });
    expect(job.resume()).toMatchObject({ status: 'running', stage: 'index', done: 0 });
    expect(runner.last.resume).toBe(false);
    runner.last.finish();
    await job.idle();
  });

  it('holds edits back only while it really groups: not once paused at the grouping stage', async () => {
    job.start();
    runner.last.event({ stage: 'group' });
    expect(job.grouping).toBe(true);
    job.pause();
    expect(job.grouping).toBe(true); // still writing the grouping
    runner.last.finish();
    await job.idle();
    expect(job.state).toMatchObject({ status: 'paused', stage: 'group' });
    expect(job.grouping).toBe(false);
  });

  it('resume refuses when no scan is paused', () => {
    expect(thrown(() => job.resume()).code).toBe('conflict');
    job.start();
    expect(thrown(() => job.resume()).code).toBe('conflict');
    expect(runner.runs).toHaveLength(1);
  });

  it('cancel stops a running scan and leaves the job idle', async () => {
    job.start();
    runner.last.event(analyze(1, 10));
    expect(job.cancel()).toMatchObject({ status: 'cancelling' });
    expect(runner.last.signal.aborted).toBe(true);
    runner.last.finish({ photos: 1 });
    await job.idle();
    expect(job.state).toMatchObject({ status: 'idle', stage: null, last: { outcome: 'cancelled', photos: 1 } });
    expect(thrown(() => job.resume()).code).toBe('conflict');
    expect(thrown(() => job.cancel()).code).toBe('conflict');
  });

  it('cancel of a paused scan makes it idle at once, and it cannot be resumed', async () => {
    job.start();
    job.pause();
    runner.last.finish();
    await job.idle();
    expect(job.state.status).toBe('paused');
    expect(job.cancel().status).toBe('idle');
    expect(runner.runs).toHaveLength(1);
    expect(thrown(() => job.resume()).code).toBe('conflict');
  });

  it('a scan that fails ends idle with outcome "failed" and the message; the next start works', async () => {
    job.start();
    clock += 3000;
    runner.last.fail(new Error('The disk is full'));
    await job.idle();
    expect(job.state).toMatchObject({
      status: 'idle',
      stage: null,
      last: { outcome: 'failed', message: 'The disk is full', photos: 0, seconds: 3 },
    });
    expect(finished).toBe(1);
    expect(emitted.at(-1)!.last!.outcome).toBe('failed');
    job.start();
    expect(job.state.status).toBe('running');
    expect(runner.runs).toHaveLength(2);
  });

  it('idle() resolves only once the scan is over', async () => {
    await job.idle(); // nothing running: at once
    job.start();
    let over = false;
    const waiting = job.idle().then(() => (over = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(over).toBe(false);
    runner.last.finish();
    await waiting;
    expect(over).toBe(true);
  });

  it('hands out copies of its state', () => {
    job.start();
    const state = job.state;
    state.status = 'idle';
    emitted.at(-1)!.done = 99;
    expect(job.state).toMatchObject({ status: 'running', done: 0 });
  });

  // Bug: onFinished runs while the job still counts itself running, so a listener told that
  // the scan is over (its state already says idle) cannot start the next scan: "A scan is
  // already running". No caller does that today (the API host's events reach windows later).
  it('lets the scan-finished listener start the next scan', async () => {
    let next: unknown;
    const chained = new ScanJob(
      runner,
      () => folders,
      () => undefined,
      () => {
        try {
          next = chained.start();
        } catch (err) {
          next = err;
        }
      },
    );
    chained.start();
    runner.last.finish();
    await chained.idle();
    expect(next).not.toBeInstanceOf(Error);
    expect(runner.runs).toHaveLength(2);
  });
});
