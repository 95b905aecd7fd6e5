/**
 * Data-parallel gradients for the seed trainer: worker threads (grad.worker.ts), each with
 * its own tfjs backend, compute the gradients of their shards of a batch while the main
 * thread computes its own; the trainer averages them and takes one optimizer step. On wasm
 * (one thread per backend) this is how training uses more than one core.
 */
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../worker-script.js';
import type { GradReply, GradRequest } from './grad-protocol.js';
import type { LossSettings, Shard } from './seed-loss.js';

function workerFile(): string {
  return workerScript(import.meta.url, 'grad.worker.js');
}

export interface ShardGrads {
  grads: Float32Array[];
  loss: number;
  probs: Float32Array;
}

export class GradWorkers {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (g: ShardGrads) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  private constructor() {}

  static async start(count: number, settings: LossSettings): Promise<GradWorkers> {
    const pool = new GradWorkers();
    await Promise.all(
      Array.from({ length: count }, () => {
        const w = new Worker(workerFile());
        pool.workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.on('message', (m: GradReply) => {
            if (m.kind === 'ready') return resolve();
            const p = pool.pending.get(m.id);
            if (!p) return;
            pool.pending.delete(m.id);
            if (m.kind === 'error') p.reject(new Error(m.message));
            else p.resolve({ grads: m.grads, loss: m.loss, probs: m.probs });
          });
          w.on('error', (e) => {
            pool.failure = e;
            reject(e);
            for (const p of pool.pending.values()) p.reject(e);
            pool.pending.clear();
          });
          w.postMessage({ kind: 'init', settings } satisfies GradRequest);
        });
      }),
    );
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** Gradients of `shards[k]` on worker k, with these weights (in trainableVariables order). */
  grads(weights: Float32Array[], shards: Shard[]): Promise<ShardGrads[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (shards.length !== this.workers.length) throw new Error(`${shards.length} shards for ${this.workers.length} workers`);
    return Promise.all(
      shards.map(
        (shard, k) =>
          new Promise<ShardGrads>((resolve, reject) => {
            const id = this.nextId++;
            this.pending.set(id, { resolve, reject });
            // The shard's image buffer moves to the worker; the weights are copied (each worker gets its own).
            this.workers[k]!.postMessage({ kind: 'grads', id, weights, shard } satisfies GradRequest, [shard.x.buffer as ArrayBuffer]);
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
