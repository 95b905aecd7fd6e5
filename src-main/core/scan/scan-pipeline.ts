import path from 'node:path';

import type { AnalysisProgress, AnalysisService, AnalysisSummary, PhotoAnalyzer } from '../analysis/analysis.service.js';
import { analyzerVersionOf } from '../analysis/descriptor.js';
import { expectedDetector } from '../analysis/detect/detector-choice.js';
import type { SeedVectors } from '../embedding/seed/seed-face-embedder.js';
import type { SeedCropEmbedder, SeedEmbeddingService, SeedEmbeddingSummary } from '../embedding/seed-embedding.service.js';
import type { GroupingService, GroupingSummary } from '../grouping/grouping.service.js';
import type { LibraryService, ReconcileSummary } from '../library/library.service.js';
import type { LibraryStatus } from '../library/library-status.js';
import type { LibraryLock, LockHolder } from '../db/library-lock.js';
import type { FingerprintsRepository } from '../db/fingerprints.repository.js';
import type { PeopleCounts } from '../db/people.repository.js';
import { backfillFingerprints, type BackfillSummary } from '../duplicates/fingerprint-backfill.js';
import type { PairUpdate } from '../duplicates/pair-store.js';
import type { NamesImportService, NamesImportSummary } from '../tags/names-import.service.js';
import type { ScanProgressRepository } from '../db/scan-progress.repository.js';
import { ScanProgressPublisher } from './scan-progress-publisher.js';
import { PipelinePool } from './worker-pool.js';
import { trace } from '../trace.js';
import { fileHashesFile, optimizedModelsDir } from '../paths.js';
import { keepFileHashesIn } from '../ml/file-sha256.js';

export type ScanEvent =
  | { stage: 'index'; done: number; total: number }
  | ({ stage: 'analyze' } & AnalysisProgress)
  /** Faces given their seed embedding, of those that need one. */
  | { stage: 'embed'; done: number; total: number }
  | { stage: 'group' };

export interface ScanSummary {
  /** The folder scanned, or the first of them. */
  folder: string;
  folders: string[];
  index: ReconcileSummary;
  analysis: AnalysisSummary;
  grouping: GroupingSummary;
  /** What the seed embedding stage did (faces the workers embedded during analysis count in `embedded`). */
  seedEmbedding: SeedEmbeddingSummary;
  /** Photos analysed before duplicate finding existed, given their fingerprint now. */
  fingerprints: BackfillSummary;
  /** Face names other photo tools wrote in XMP, read and matched to the faces found. */
  tags: NamesImportSummary | null;
  /** The duplicates' stored pairs brought up to date: the new and changed photos searched (null: not done, left to the next listing). */
  duplicatePairs?: PairUpdate | null;
  photos: number;
  faces: number;
  /** Everyone (one-off faces and hidden people included); `peopleCounts` splits them as the People screen does. */
  people: number;
  peopleCounts: PeopleCounts;
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
    private readonly lock: LibraryLock,
    private readonly workers?: number,
    private readonly fingerprints?: FingerprintsRepository,
    private readonly names?: NamesImportService,
    /** Where the scan publishes its progress for other processes' windows, and the photos analysed so far. */
    private readonly publish?: { progress: ScanProgressRepository; analysedCount: () => number },
    /** Brings the duplicates' stored pairs up to date once the photos are analysed. */
    private readonly updateDuplicatePairs?: () => PairUpdate,
  ) {}

  /**
   * Scans one folder, or several (each indexed in turn, then analysed and grouped together),
   * under the library lock. Another process's scan or learning run holding it: with
   * `waitForLock` the scan waits for it (told who holds it), else it fails at once with
   * LibraryBusyError naming the holder. `resume`: the folders were indexed by the scan that was
   * paused; the photos it left pending are analysed without looking for photos again.
   */
  async scan(
    folders: string | readonly string[],
    onEvent?: (e: ScanEvent) => void,
    signal?: AbortSignal,
    options: { resume?: boolean; waitForLock?: (holder: LockHolder) => void } = {},
  ): Promise<ScanSummary> {
    const held = options.waitForLock ? await this.lock.takeWaiting('scan', options.waitForLock, signal) : this.lock.take('scan');
    const t0 = performance.now();
    const published = this.publish && new ScanProgressPublisher(this.publish.progress, this.publish.analysedCount);
    try {
      published?.begin();
      const summary = await this.scanLocked(folders, (e) => {
        published?.onEvent(e);
        onEvent?.(e);
      }, signal, options.resume ?? false);
      const { photos, faces, people, errors, seconds } = summary;
      published?.end({ outcome: signal?.aborted ? 'cancelled' : 'finished', photos, faces, people, errors, seconds, message: null });
      return summary;
    } catch (err) {
      published?.end({ outcome: 'failed', photos: 0, faces: 0, people: 0, errors: 0, seconds: (performance.now() - t0) / 1000, message: (err as Error)?.message ?? String(err) });
      throw err;
    } finally {
      held.release();
    }
  }

  private async scanLocked(folders: string | readonly string[], onEvent: ((e: ScanEvent) => void) | undefined, signal: AbortSignal | undefined, resume: boolean): Promise<ScanSummary> {
    const t0 = performance.now();
    const list = typeof folders === 'string' ? [folders] : [...folders];
    if (list.length === 0) throw new Error('There is no folder to scan');
    // Started first: the workers load their models while the folder is walked and hashed.
    trace('scan start');
    const pool = new PipelinePool(this.workers, optimizedModelsDir(), fileHashesFile());
    // This thread checks the seed model's weights too (its keys), as the workers do.
    keepFileHashesIn(fileHashesFile());
    trace('pool spawned');
    // And the grouping's thread: it loads the pair head meanwhile, not after the last photo.
    const groupingDone = this.grouping.prestart();
    try {
      const index = resume
        ? { files: 0, added: 0, changed: 0, moved: 0, unchanged: 0, gone: 0, ignored: 0, unreadableFolders: [], outside: [] }
        : await this.indexAll(list, onEvent);
      trace('index done');
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
        analyzerVersion: analyzerVersionOf(await expectedDetector()),
      });
      trace('analysis done');
      const rest = await this.seedEmbedding.embedPending({
        embedder: this.embedderOn(pool),
        signal,
        onProgress: (done, total) => onEvent?.({ stage: 'embed', done, total }),
      });
      trace('embed done');
      const fingerprints = this.fingerprints ? await backfillFingerprints(this.fingerprints, { signal }) : { done: 0, failed: 0, ms: 0 };
      const duplicatePairs = this.duplicatePairs(signal);
      const seedEmbedding: SeedEmbeddingSummary = {
        ...rest,
        runtime: rest.runtime ?? duringAnalysis.runtime,
        embedded: rest.embedded + duringAnalysis.embedded,
        workerMs: rest.workerMs + duringAnalysis.ms,
      };
      // Before grouping: the names read become decisions the grouping honours and builds on.
      const tags = this.names ? await this.names.importNew(signal) : null;
      trace('tags done');
      return { ...(await this.groupAndSum(list, t0, index, analysis, seedEmbedding, fingerprints, tags, onEvent)), duplicatePairs };
    } finally {
      groupingDone();
      trace('closing pool');
      await pool.close();
      trace('pool closed');
    }
  }

  /**
   * The new and changed photos searched for duplicates against the library, once, here (a
   * listing then only reads the pairs). Not after a cancel: the next listing or scan does it.
   */
  private duplicatePairs(signal: AbortSignal | undefined): PairUpdate | null {
    if (!this.updateDuplicatePairs || signal?.aborted) return null;
    return this.updateDuplicatePairs();
  }

  private async indexAll(folders: readonly string[], onEvent?: (e: ScanEvent) => void): Promise<ReconcileSummary> {
    let total: ReconcileSummary | undefined;
    for (const folder of folders) {
      const one = await this.library.reconcile(folder, (done, n) => onEvent?.({ stage: 'index', done, total: n }));
      total = total ? sumIndex(total, one) : one;
    }
    return total!;
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
    folders: readonly string[],
    t0: number,
    index: ReconcileSummary,
    analysis: AnalysisSummary,
    seedEmbedding: SeedEmbeddingSummary,
    fingerprints: BackfillSummary,
    tags: NamesImportSummary | null,
    onEvent?: (e: ScanEvent) => void,
  ): Promise<ScanSummary> {
    onEvent?.({ stage: 'group' });
    const grouping = await this.grouping.groupNewFaces();
    trace('grouping done');
    const status = this.status.report();
    return {
      folder: path.resolve(folders[0]!),
      folders: folders.map((f) => path.resolve(f)),
      index,
      analysis,
      grouping,
      seedEmbedding,
      fingerprints,
      tags,
      photos: status.photos.done + status.photos.error + status.photos.pending,
      faces: status.faces,
      people: status.people,
      peopleCounts: status.peopleCounts,
      errors: status.photos.error,
      seconds: (performance.now() - t0) / 1000,
    };
  }
}

function sumIndex(a: ReconcileSummary, b: ReconcileSummary): ReconcileSummary {
  return {
    files: a.files + b.files,
    added: a.added + b.added,
    changed: a.changed + b.changed,
    moved: a.moved + b.moved,
    unchanged: a.unchanged + b.unchanged,
    gone: a.gone + b.gone,
    ignored: a.ignored + b.ignored,
    unreadableFolders: [...a.unreadableFolders, ...b.unreadableFolders],
    outside: [...a.outside, ...b.outside],
  };
}
