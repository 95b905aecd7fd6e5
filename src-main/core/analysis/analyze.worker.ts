import { parentPort } from 'node:worker_threads';
import { FaceAnalyzer } from './face-analyzer.js';
import { analyzePhotoFile } from './photo-analysis.js';
import { PhotoDecodeError } from './decode.js';
import type { AnalyzeJob, AnalyzeReply } from './analyze-protocol.js';

// One worker thread = one tfjs backend instance: the wasm backend is single-threaded in Node,
// so the pool runs one of these per core.
const port = parentPort;
if (!port) throw new Error('analyze.worker must run in a worker thread');

const analyzerReady = FaceAnalyzer.load();

port.on('message', (job: AnalyzeJob) => {
  void (async () => {
    let reply: AnalyzeReply;
    try {
      const analyzer = await analyzerReady;
      const analysis = await analyzePhotoFile(analyzer, job.path, job.contentHash, job.cacheDir);
      reply = { jobId: job.jobId, ok: true, analysis, backend: analyzer.backend };
    } catch (err) {
      const expected = err instanceof PhotoDecodeError;
      reply = {
        jobId: job.jobId,
        ok: false,
        error: expected ? (err as Error).message : `analysis failed: ${(err as Error).message}`,
      };
    }
    port.postMessage(reply);
  })();
});
