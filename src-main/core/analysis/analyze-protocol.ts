import type { PhotoAnalysis } from './photo-analysis.js';

export interface AnalyzeJob {
  jobId: number;
  path: string;
  contentHash: string;
  cacheDir: string;
}

export type AnalyzeReply =
  | { jobId: number; ok: true; analysis: PhotoAnalysis; backend: string }
  | { jobId: number; ok: false; error: string };
