import os from 'node:os';
import { Worker } from 'node:worker_threads';

import { workerScript } from '../worker-script.js';
import type { HashAt, PairThreads } from './find-duplicates.js';
import type { PairReply, PairRequest } from './pair-protocol.js';
import type { PairSide, PairVerdict } from './verify-pair.js';

type Pending = { resolve: (reply: PairReply & { ok: true }) => void; reject: (err: Error) => void };
type Thread = { worker: Worker; pending: Map<number, Pending> };

/** The threads a machine gives the duplicates search: two where it has two cores or more, else none. */
export function pairThreadCount(): number {
  return os.availableParallelism() >= 2 ? 2 : 0;
}

/**
 * Whether the machine has a core to spare: the load average of the last minute (which counts
 * this process too) below the cores less one half. Where none is spare, threads cost more than
 * they give: the threads' own start and warm-up come on top of the same work, shared out by the
 * scheduler with whatever else runs (measured on 2 cores at load 10: 4.5-9.6 s in threads
 * against 2.7-5.7 s on one thread for 100,000 photos).
 */
export function coreToSpare(load = os.loadavg()[0]!, cores = os.availableParallelism()): boolean {
  return load < cores - 0.5;
}

/**
 * The duplicates search's worker threads (pair-check.worker.ts): the two hash searches side by
 * side, then the finer checks of the candidate pairs in batches shared between them. Started at the first request (or by `start`, so that they load while the library
 * is read); between listings they stay, not holding the process open, and end after `idleMs`
 * without work. A thread that fails rejects what it was asked, and the next request starts
 * new ones.
 */
export class PairWorkers implements PairThreads {
  private threads: Thread[] = [];
  private nextId = 0;
  private turn = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly count = 2,
    private readonly idleMs = 30_000,
  ) {
    if (!Number.isInteger(count) || count < 1) throw new Error('the duplicates search needs at least one thread');
  }

  /** Starts the threads if they are not running; throws when the compiled worker is missing. */
  start(): void {
    if (this.threads.length > 0) return;
    const file = workerScript(import.meta.url, 'pair-check.worker.js');
    for (let k = 0; k < this.count; k++) {
      const thread: Thread = { worker: new Worker(file), pending: new Map() };
      const fail = (err: Error): void => {
        for (const p of thread.pending.values()) p.reject(err);
        thread.pending.clear();
        // The others may be sound, but a new start is simpler than a partial pool.
        if (this.threads.includes(thread)) this.close();
      };
      thread.worker.on('message', (reply: PairReply) => {
        const waiting = thread.pending.get(reply.id);
        thread.pending.delete(reply.id);
        if (reply.ok) waiting?.resolve(reply);
        else waiting?.reject(new Error(reply.error));
        this.settle();
      });
      thread.worker.on('error', fail);
      thread.worker.on('exit', (code) => fail(new Error(`a duplicates thread ended (exit code ${code})`)));
      this.threads.push(thread);
    }
    this.settle();
  }

  get running(): number {
    return this.threads.length;
  }

  search(at: Uint32Array, words: Uint32Array, on: HashAt, skip: HashAt | null): Promise<Float64Array> {
    return this.ask(this.turn++ % this.count, (id) => ({ id, kind: 'search', at, words, on, skip })).then((r) => (r.kind === 'search' ? r.keys : Float64Array.of()));
  }

  /**
   * Each batch to the threads in turn, posted as soon as it is made (not when a thread comes
   * free: on a busy machine each wait for an answer would cost the main thread a turn of the
   * scheduler); the batches are small and mixed enough for the threads to share the work.
   */
  verify(batches: Iterator<PairSide[]>): Promise<Array<Array<PairVerdict['class']>>> {
    const replies: Array<Promise<Array<PairVerdict['class']>>> = [];
    this.start();
    for (let next = batches.next(); !next.done; next = batches.next()) {
      const sides = next.value;
      replies.push(this.ask(replies.length % this.count, (id) => ({ id, kind: 'verify', sides })).then((r) => (r.kind === 'verify' ? r.classes : [])));
    }
    return Promise.all(replies);
  }

  /** Ends the threads; what they were asked and have not answered is rejected. */
  close(): void {
    clearTimeout(this.idleTimer);
    const threads = this.threads;
    this.threads = [];
    for (const t of threads) {
      for (const p of t.pending.values()) p.reject(new Error('the duplicates threads were closed'));
      t.pending.clear();
      t.worker.removeAllListeners('exit');
      void t.worker.terminate();
    }
  }

  private ask(k: number, request: (id: number) => PairRequest): Promise<PairReply & { ok: true }> {
    this.start();
    const thread = this.threads[k % this.threads.length]!;
    const id = ++this.nextId;
    clearTimeout(this.idleTimer);
    // Held while it answers: a command waiting for it must not end for want of work.
    for (const t of this.threads) t.worker.ref();
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage(request(id));
    });
  }

  /** With nothing asked, the threads do not hold the process open, and end after idleMs. */
  private settle(): void {
    if (this.threads.some((t) => t.pending.size > 0)) return;
    for (const t of this.threads) t.worker.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.close(), this.idleMs).unref();
  }
}
