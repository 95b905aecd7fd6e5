import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

import { embedCropFiles, SeedFaceEmbedder, type SeedVectors } from '../embedding/seed/seed-face-embedder.js';
import { PhotoDecodeError } from '../analysis/decode.js';
import { FaceAnalyzer } from '../analysis/face-analyzer.js';
import { analyzePhotoFile } from '../analysis/photo-analysis.js';
import { closeRawPreviews } from '../analysis/raw-preview.js';
import { keepOptimizedModelsIn } from '../ml/ort.js';
import { keepFileHashesIn } from '../ml/file-sha256.js';
import type { PipelineJob, PipelineReply, PipelineWorkerData } from './pipeline-protocol.js';
import { trace } from '../trace.js';
trace('worker started');

// One worker thread = one tfjs backend instance (the wasm backend is single-threaded in Node)
// and one single-threaded onnxruntime session: the pool runs one of these per core. Each
// photo's faces are embedded by the seed model right after analysis, so that stage never
// waits for the main thread.
const port = parentPort;
if (!port) throw new Error('pipeline.worker must run in a worker thread');

keepOptimizedModelsIn((workerData as PipelineWorkerData | undefined)?.optimizedModelsDir ?? null);
keepFileHashesIn((workerData as PipelineWorkerData | undefined)?.fileHashesFile ?? null);
// Loaded at once, while the main thread indexes; a failure reaches the first photo's job.
const analyzer = FaceAnalyzer.load();
analyzer.catch(() => undefined);
void analyzer.then(() => trace('analyzer loaded'));
const seedEmbedders = new Map<string, Promise<SeedFaceEmbedder>>();

function seedEmbedder(dir: string): Promise<SeedFaceEmbedder> {
  let e = seedEmbedders.get(dir);
  if (!e) {
    trace('seed load start');
    e = SeedFaceEmbedder.load(dir);
    void e.then(() => trace('seed loaded'));
    seedEmbedders.set(dir, e);
  }
  return e;
}

/**
 * Faces of one photo embedded right after its analysis; a crowd's other faces are left to the
 * embed stage after analysis, which shares them out among all the workers in small batches.
 * A crowd met at the end of the analysis otherwise kept one worker busy with its faces (27 x
 * ~16 ms) while the others had nothing left to do.
 */
const SEED_FACES_PER_PHOTO = 8;

async function embedFiles(dir: string, files: ReadonlyArray<string | Buffer>): Promise<SeedVectors> {
  return embedCropFiles(await seedEmbedder(dir), files);
}

async function handle(job: PipelineJob): Promise<PipelineReply> {
  if (job.kind === 'close') {
    // A thread terminated while onnxruntime creates a session takes the process down
    // (a scan with nothing to analyse closes its workers at once): the models finish loading first.
    await analyzer.catch(() => undefined);
    await closeRawPreviews();
    // onnxruntime's sessions are released before the thread ends: a thread terminated while one
    // is still being created (a rescan with nothing to analyse) takes the whole process down.
    await analyzer.then((a) => a.dispose(), () => undefined);
    await Promise.all([...seedEmbedders.values()].map((e) => e.then((x) => x.dispose(), () => undefined)));
    return { jobId: job.jobId, ok: true, kind: 'closed' };
  }
  if (job.kind === 'embed') return { jobId: job.jobId, ok: true, kind: 'embed', seed: await embedFiles(job.seedModelDir, job.files) };
  const a = await analyzer;
  const aligned: Buffer[] = [];
  const analysis = await analyzePhotoFile(a, job.path, job.contentHash, job.cacheDir, aligned);
  let seed: SeedVectors | null = null;
  if (job.seedModelDir !== null && analysis.faces.length > 0) {
    try {
      const now = analysis.faces.slice(0, SEED_FACES_PER_PHOTO);
      // The bytes just written to each aligned file, not read back.
      seed = await embedFiles(job.seedModelDir, now.map((f, i) => aligned[i] ?? path.join(job.cacheDir, f.alignedFile)));
      // null: not embedded here (the embed stage does it).
      seed.vectors.push(...analysis.faces.slice(now.length).map(() => null));
    } catch {
      // Left to the embed stage, which tries these faces again and counts what fails.
    }
  }
  return { jobId: job.jobId, ok: true, kind: 'analyze', analysis, backend: a.backend, seed };
}

port.on('message', (job: PipelineJob) => {
  trace(`job ${job.kind} ${job.jobId} start`);
  void handle(job)
    .catch((err: unknown): PipelineReply => {
      const expected = err instanceof PhotoDecodeError;
      return { jobId: job.jobId, ok: false, error: expected ? (err as Error).message : `${job.kind === 'analyze' ? 'analysis' : job.kind === 'embed' ? 'embedding' : 'closing'} failed: ${(err as Error).message}` };
    })
    .then((reply) => {
      trace(`job ${job.kind} ${job.jobId} end`);
      port.postMessage(reply);
    });
});
