import path from 'node:path';

import type { AnalysisProgress, AnalysisService, AnalysisSummary } from '../analysis/analysis.service.js';
import type { SeedEmbeddingService, SeedEmbeddingSummary } from '../embedding/seed-embedding.service.js';
import type { GroupingService, GroupingSummary } from '../grouping/grouping.service.js';
import type { LibraryService, ReconcileSummary } from '../library/library.service.js';
import type { LibraryStatus } from '../library/library-status.js';

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
  /** What the seed embedding stage did. */
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
    private readonly workers?: number,
  ) {}

  async scan(folder: string, onEvent?: (e: ScanEvent) => void, signal?: AbortSignal): Promise<ScanSummary> {
    const t0 = performance.now();
    const index = await this.library.reconcile(folder, (done, total) => onEvent?.({ stage: 'index', done, total }));
    const analysis = await this.analysis.analyzePending({
      workers: this.workers,
      onProgress: (p) => onEvent?.({ stage: 'analyze', ...p }),
      signal,
    });
    const seedEmbedding = await this.seedEmbedding.embedPending({ signal, onProgress: (done, total) => onEvent?.({ stage: 'embed', done, total }) });
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
