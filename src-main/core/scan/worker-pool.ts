import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerScript } from '../worker-script.js';
import sharp from 'sharp'; // loaded on the main thread first: libvips must not be first loaded by a worker.
import type { PipelineJob, PipelineReply, PipelineWorkerData } from './pipeline-protocol.js';

type Pending = { job: PipelineJob; resolve: (r: PipelineReply) => void };

function workerFile(): string {
  return workerScript(import.meta.url, 'pipeline.worker.js');
}

function closeWorker(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    // Ending includes waiting for models still loading (seconds on a busy machine).
    const timer = setTimeout(resolve, 15_000);
    worker.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.postMessage({ kind: 'close', jobId: -1 } satisfies PipelineJob);
  });
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

/**
 * The scan's worker threads (pipeline.worker.ts): analysis and seed embedding, one job per
 * worker at a time. A worker that dies fails only its own job and is replaced. Started
 * before indexing, so the workers load their models while the folder is walked and hashed.
 */
// A scan decodes each photo once: libvips's operation cache (up to 50 MB, for the process)
// would only hold pixels no one asks for again.
sharp.cache(false);

export class PipelinePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(
    private readonly size = defaultWorkerCount(),
    /** Where the workers keep the ONNX models they optimised (see keepOptimizedModelsIn); undefined: nowhere. */
    private readonly optimizedModelsDir?: string,
    /** Where the workers keep the hashes of the model weights they check (see keepFileHashesIn); undefined: nowhere. */
    private readonly fileHashesFile?: string,
  ) {
    for (let i = 0; i < size; i++) this.idle.push(this.spawn());
  }

  get workers(): number {
    return this.size;
  }

  run(job: PipelineJob): Promise<PipelineReply> {
    if (this.closed) return Promise.reject(new Error("the scan's worker pool is closed"));
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const idle = [...this.idle], busy = [...this.busy.keys()];
    this.idle.length = 0;
    // Each idle worker first ends what it holds open (the ExifTool that RAW files started: a
    // thread terminated outright leaves that process running) and its onnxruntime sessions.
    await Promise.all(idle.map((w) => closeWorker(w)));
    await Promise.all([...idle, ...busy].map((w) => w.terminate()));
  }

  private spawn(): Worker {
    const worker = new Worker(workerFile(), { workerData: { optimizedModelsDir: this.optimizedModelsDir ?? null, fileHashesFile: this.fileHashesFile ?? null } satisfies PipelineWorkerData });
    worker.on('message', (reply: PipelineReply) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      if (!this.closed) this.idle.push(worker);
      pending?.resolve(reply);
      this.pump();
    });
    let dead = false;
    const onDeath = (message: string): void => {
      if (dead) return;
      dead = true;
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      if (this.closed) return;
      pending?.resolve({ jobId: pending.job.jobId, ok: false, error: `${pending.job.kind === 'embed' ? 'embedding' : 'analysis'} crashed: ${message}` });
      this.idle.push(this.spawn());
      this.pump();
    };
    worker.on('error', (err) => onDeath(err.message));
    worker.on('exit', (code) => {
      if (!this.closed) onDeath(`worker exited with code ${code}`);
    });
    return worker;
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const next = this.queue.shift()!;
      this.busy.set(worker, next);
      worker.postMessage(next.job);
    }
  }
}
