import { Worker } from 'node:worker_threads';

import { workerScript } from '../worker-script.js';
import type { Db } from './database.js';

/**
 * A job over the library in a worker thread (library.worker.ts): made once per worker on the
 * worker's own connection (read-only unless the job writes), then run for each request, one at
 * a time. A job module (`jobModule`) exports `createJob`.
 */
export interface LibraryJob<I, O> {
  run(input: I): Promise<O>;
}

export type CreateLibraryJob<C, I, O> = (db: Db, context: C) => LibraryJob<I, O>;

export interface LibraryWorkerData {
  dbFile: string;
  /** The compiled job module's path (see workerScript). */
  jobModule: string;
  /** Plain data the job is made with. */
  context: unknown;
  /** The job writes (on the worker's own read-write connection); else the connection is read-only. */
  writes?: boolean;
}

export type LibraryWorkerRequest = { id: number; input: unknown };
export type LibraryWorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/**
 * The main thread's side of a library worker: heavy reads of the library (a scan's grouping
 * plan, the review queue) run there, so the thread that answers the window stays free. The
 * worker starts at the first request; `keepAlive` keeps it (and what its job caches) between
 * requests, else it ends once it has nothing to do. A worker that fails rejects what it was
 * asked, and the next request starts a new one.
 */
export class LibraryWorker<I, O> {
  private worker?: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (o: O) => void; reject: (e: Error) => void; keepOpen: boolean }>();

  constructor(
    private readonly data: LibraryWorkerData,
    private readonly keepAlive: boolean,
  ) {}

  /** Whether a worker runs now (it holds what its job caches). */
  get alive(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Starts the worker now, ahead of the first request (its job loads what it needs meanwhile);
   * it does not hold the process open while it waits, and `close` ends it if never asked.
   */
  start(): void {
    if (this.worker) return;
    this.worker = this.spawn();
    this.worker.unref();
  }

  /** `keepOpen`: once answered, the worker waits for the next request as after start(), even without keepAlive. */
  run(input: I, keepOpen = false): Promise<O> {
    const worker = (this.worker ??= this.spawn());
    const id = ++this.nextId;
    // Held while it answers: a command waiting for it must not end for want of work.
    worker.ref();
    return new Promise<O>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, keepOpen });
      worker.postMessage({ id, input } satisfies LibraryWorkerRequest);
    });
  }

  /** Ends the worker; what it was asked and has not answered is rejected. */
  close(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the library worker was closed'));
    void worker?.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(workerScript(import.meta.url, 'library.worker.js'), { workerData: this.data });
    worker.on('message', (reply: LibraryWorkerReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiting?.resolve(reply.result as O);
      else waiting?.reject(new Error(reply.error));
      if (this.pending.size > 0 || this.worker !== worker) return;
      if (this.keepAlive || waiting?.keepOpen) worker.unref();
      else this.close();
    });
    const gone = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(err);
    };
    worker.once('error', gone);
    worker.once('exit', (code) => gone(new Error(`the library worker exited with code ${code}`)));
    return worker;
  }

  private failAll(err: Error): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const w of waiting) w.reject(err);
  }
}
