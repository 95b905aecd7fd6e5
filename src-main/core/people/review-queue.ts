import { LibraryWorker } from '../db/library-worker.js';
import type { MergeRule } from '../grouping/merge-distance.js';
import { workerScript } from '../worker-script.js';
import type { ReviewHead, ReviewJobContext, ReviewJobInput } from './review.job.js';
import type { ReviewService } from './review.service.js';

/**
 * The review queue for the window, worked out in a library worker kept between looks
 * (review.job.ts): the kNN of every face after a scan, and the ranking after each answer, take
 * from tenths of a second to seconds on a large library, and the window's thread answers
 * other calls meanwhile. Where the worker cannot run, the same service runs here.
 */
export class ReviewQueue {
  private readonly worker: LibraryWorker<ReviewJobInput, ReviewHead> | null;

  constructor(
    dbFile: string,
    /** The service on this thread: its answers are the same, its cache is this thread's. */
    private readonly here: ReviewService,
    private readonly rule: () => Promise<MergeRule>,
    /** Where the worker finds the shipped pair head it scores the questions with. */
    context: ReviewJobContext,
  ) {
    let jobModule: string | null = null;
    try {
      jobModule = workerScript(import.meta.url, 'review.job.js');
    } catch {
      // Not built: the queue is worked out here.
    }
    this.worker = jobModule === null ? null : new LibraryWorker({ dbFile, jobModule, context }, true);
  }

  /** Where the last queue was worked out. */
  lastFrom: 'worker' | 'here' | null = null;

  /** The pair to ask about first, and how many are in the queue. */
  async next(): Promise<ReviewHead> {
    if (this.worker) {
      try {
        const head = await this.worker.run({ kind: 'candidates', rule: await this.rule() });
        this.lastFrom = 'worker';
        return head;
      } catch {
        // A worker that failed: worked out here this time, a new worker the next.
      }
    }
    this.lastFrom = 'here';
    const queue = await this.here.candidates();
    return { first: queue[0] ?? null, remaining: queue.length };
  }

  /** Call after a scan or a change of recognition: the faces changed. */
  invalidate(): void {
    this.here.invalidate();
    if (this.worker?.alive) void this.worker.run({ kind: 'invalidate' }).catch(() => undefined);
  }

  close(): void {
    this.worker?.close();
  }
}
