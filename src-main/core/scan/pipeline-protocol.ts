import type { PhotoAnalysis } from '../analysis/photo-analysis.js';
import type { SeedVectors } from '../embedding/seed/seed-face-embedder.js';

export type PipelineJob =
  | {
      kind: 'analyze';
      jobId: number;
      path: string;
      contentHash: string;
      cacheDir: string;
      /** The seed model to embed the photo's faces with as soon as they are found; null: none installed. */
      seedModelDir: string | null;
    }
  | { kind: 'embed'; jobId: number; files: string[]; seedModelDir: string }
  /** The pool is closing: end what the worker holds open (the ExifTool of RAW files), then answer `closed`. */
  | { kind: 'close'; jobId: number };

export type PipelineReply =
  | { jobId: number; ok: true; kind: 'analyze'; analysis: PhotoAnalysis; backend: string; seed: SeedVectors | null }
  | { jobId: number; ok: true; kind: 'embed'; seed: SeedVectors }
  | { jobId: number; ok: true; kind: 'closed' }
  | { jobId: number; ok: false; error: string };

/** What each pipeline worker is started with. */
export interface PipelineWorkerData {
  /** Where its onnxruntime sessions keep the models they optimised (null: nowhere). */
  optimizedModelsDir: string | null;
  /** Where its model weights' hashes are kept between scans (null: nowhere, see keepFileHashesIn). */
  fileHashesFile: string | null;
}
