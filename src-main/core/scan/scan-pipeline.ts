import path from 'node:path';

import type { AnalysisProgress, AnalysisService, AnalysisSummary, PhotoAnalyzer } from '../analysis/analysis.service.js';
import type { SeedVectors } from '../embedding/seed/seed-face-embedder.js';
import type { SeedCropEmbedder, SeedEmbeddingService, SeedEmbeddingSummary } from '../embedding/seed-embedding.service.js';
import type { GroupingService, GroupingSummary } from '../grouping/grouping.service.js';
import type { LibraryService, ReconcileSummary } from '../library/library.service.js';
import type { LibraryStatus } from '../library/library-status.js';
import { PipelinePool } from './worker-pool.js';

export type ScanEvent =
  | { stage: 'index'; done: number; total: number }
  | ({ stage: 'analyze' } & AnalysisProgress)
  /** Faces given their seed embedding, of those that need one. */
  | { stage: 'embed'; done: number; total: number }
  | { stage: 'group' };

export interface ScanSummary {
  folder: string;
  index: ReconcileSummary;
  analysis: AnalysisSummary;
  grouping: GroupingSummary;
  /** What the seed embedding stage did (faces the workers embedded during analysis count in `embedded`). */
  seedEmbedding: SeedEmbeddingSummary;
  photos: number;
  faces: number;
  people: number;
  errors: number;
  seconds: number;
}

/**
 * The pipeline runner: index → analyse → embed → group. Every stage resumes from what the
 * database already holds, so a stopped scan costs only the work that is really left.
 */
export class ScanPipeline {
  constructor(
    private readonly library: LibraryService,
    private readonly analysis: AnalysisService,
    private readonly seedEmbedding: SeedEmbeddingService,
    private readonly grouping: GroupingService,
    private readonly status: LibraryStatus,
    private readonly cacheDir: string,
    private readonly workers?: number,
  ) {}

  /**
   * `resume`: the folder was indexed by the scan that was paused; the photos it left pending
   * are analysed without looking for photos again.
   */
  async scan(folder: string, onEvent?: (e: ScanEvent) => void, signal?: AbortSignal, options: { resume?: boolean } = {}): Promise<ScanSummary> {
    const t0 = performance.now();
    // Started first: the workers load their models while the folder is walked and hashed.
    const pool = new PipelinePool(this.workers);
    try {
      const index = options.resume
        ? { files: 0, added: 0, changed: 0, moved: 0, unchanged: 0, gone: 0, ignored: 0, unreadableFolders: [] }
        : await this.library.reconcile(folder, (done, total) => onEvent?.({ stage: 'index', done, total }));
      const seedKeys = await this.seedEmbedding.modelKeys();
      const duringAnalysis = { embedded: 0, ms: 0, runtime: null as string | null };
      const analysis = await this.analysis.analyzePending({
        analyzer: this.analyzerOn(pool, seedKeys !== null),
        saveExtra: (faceIds, photo) => {
          if (photo.seed === null || seedKeys === null) return;
          duringAnalysis.embedded += this.seedEmbedding.saveVectors(faceIds, photo.seed, seedKeys);
          duringAnalysis.ms += photo.seed.ms;
          duringAnalysis.runtime = photo.seed.runtime;
        },
        onProgress: (p) => onEvent?.({ stage: 'analyze', ...p }),
        signal,
      });
      const rest = await this.seedEmbedding.embedPending({
        embedder: this.embedderOn(pool),
        signal,
        onProgress: (done, total) => onEvent?.({ stage: 'embed', done, total }),
      });
      const seedEmbedding: SeedEmbeddingSummary = {
        ...rest,
        runtime: rest.runtime ?? duringAnalysis.runtime,
        embedded: rest.embedded + duringAnalysis.embedded,
        workerMs: rest.workerMs + duringAnalysis.ms,
      };
      return await this.groupAndSum(folder, t0, index, analysis, seedEmbedding, onEvent);
    } finally {
      await pool.close();
    }
  }

  /** Analysis on the pool's workers, each photo's faces embedded by the seed model there too. */
  private analyzerOn(pool: PipelinePool, withSeed: boolean): PhotoAnalyzer<{ seed: SeedVectors | null }> {
    return {
      workers: pool.workers,
      analyze: async (photo) => {
        const reply = await pool.run({
          kind: 'analyze',
          jobId: photo.id,
          path: photo.path,
          contentHash: photo.contentHash,
          cacheDir: this.cacheDir,
          seedModelDir: withSeed ? this.seedEmbedding.modelDir : null,
        });
        if (!reply.ok) return reply;
        if (reply.kind !== 'analyze') throw new Error('the worker answered an analysis with an embedding');
        return { ok: true, analysis: reply.analysis, backend: reply.backend, seed: reply.seed };
      },
    };
  }

  private embedderOn(pool: PipelinePool): SeedCropEmbedder {
    let jobs = 0;
    return {
      workers: pool.workers,
      embedCrops: async (modelDir, files) => {
        const reply = await pool.run({ kind: 'embed', jobId: ++jobs, files, seedModelDir: modelDir });
        if (!reply.ok) throw new Error(reply.error);
        if (reply.kind !== 'embed') throw new Error('the worker answered an embedding with an analysis');
        return reply.seed;
      },
    };
  }

  private async groupAndSum(
    folder: string,
    t0: number,
    index: ReconcileSummary,
    analysis: AnalysisSummary,
    seedEmbedding: SeedEmbeddingSummary,
    onEvent?: (e: ScanEvent) => void,
  ): Promise<ScanSummary> {
    onEvent?.({ stage: 'group' });
    const grouping = await this.grouping.groupNewFaces();
    const status = this.status.report();
    return {
      folder: path.resolve(folder),
      index,
      analysis,
      grouping,
      seedEmbedding,
      photos: status.photos.done + status.photos.error + status.photos.pending,
      faces: status.faces,
      people: status.people,
      errors: status.photos.error,
      seconds: (performance.now() - t0) / 1000,
    };
  }
}
