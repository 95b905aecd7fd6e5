import type { Db } from '../db/database.js';
import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FacesRepository } from '../db/faces.repository.js';
import type { PhotosRepository } from '../db/photos.repository.js';
import { ANALYZER_VERSION, DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from './descriptor.js';
import type { PhotoAnalysis } from './photo-analysis.js';

export interface AnalysisProgress {
  done: number;
  total: number;
  faces: number;
  errors: number;
}

export interface AnalysisSummary extends AnalysisProgress {
  backend: string | null;
  workers: number;
  /** Summed over photos, in milliseconds. */
  stageMs: Record<keyof PhotoAnalysis['timings'], number>;
}

export interface PendingPhoto {
  id: number;
  path: string;
  contentHash: string;
}

/** A photo analysed, with whatever else the analyser computed for its faces (`R`). */
export type AnalyzedPhoto<R> = { ok: true; analysis: PhotoAnalysis; backend: string } & R;

/** Where photos are analysed: worker threads in the scan (see scan/worker-pool.ts). */
export interface PhotoAnalyzer<R> {
  /** How many photos it analyses at once. */
  readonly workers: number;
  analyze(photo: PendingPhoto): Promise<AnalyzedPhoto<R> | { ok: false; error: string }>;
}

export interface AnalyzeOptions<R> {
  analyzer: PhotoAnalyzer<R>;
  /** Writes what else the analyser computed for the photo's new faces, inside the photo's transaction. */
  saveExtra?: (faceIds: readonly number[], photo: AnalyzedPhoto<R>) => void;
  onProgress?: (p: AnalysisProgress) => void;
  signal?: AbortSignal;
}

/** Analyses every pending photo; each photo is written in one transaction. */
export class AnalysisService {
  constructor(
    private readonly db: Db,
    private readonly photos: PhotosRepository,
    private readonly faces: FacesRepository,
    private readonly embeddings: EmbeddingsRepository,
  ) {}

  /** Photos still to analyse (new or changed since their analysis). */
  pendingCount(): number {
    return this.photos.listPending().length;
  }

  async analyzePending<R>(options: AnalyzeOptions<R>): Promise<AnalysisSummary> {
    const pending = this.photos.listPending();
    const modelId = this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
    const summary: AnalysisSummary = {
      done: 0,
      total: pending.length,
      faces: 0,
      errors: 0,
      backend: null,
      workers: 0,
      stageMs: { decodeMs: 0, detectMs: 0, landmarksMs: 0, alignMs: 0, embedMs: 0, cropsMs: 0 },
    };
    if (pending.length === 0) return summary;

    const { analyzer } = options;
    summary.workers = analyzer.workers;
    const save = this.db.transaction((photoId: number, photo: AnalyzedPhoto<R>) => {
      const a = photo.analysis;
      const faceIds = this.faces.replaceForPhoto(photoId, a.faces);
      this.embeddings.put(modelId, faceIds.map((faceId, i) => ({ faceId, vector: a.faces[i]!.descriptor })));
      options.saveExtra?.(faceIds, photo);
      this.photos.markDone(photoId, { format: a.format, width: a.width, height: a.height, takenAt: a.takenAt, analyzerVersion: ANALYZER_VERSION });
    });
    let next = 0;
    const runOne = async (): Promise<void> => {
      while (next < pending.length && !options.signal?.aborted) {
        const photo = pending[next++]!;
        const reply = await analyzer.analyze({ id: photo.id, path: photo.path, contentHash: photo.content_hash });
        if (reply.ok) {
          save(photo.id, reply);
          summary.faces += reply.analysis.faces.length;
          summary.backend = reply.backend;
          for (const [k, v] of Object.entries(reply.analysis.timings)) summary.stageMs[k as keyof AnalysisSummary['stageMs']] += v;
        } else {
          this.photos.markError(photo.id, reply.error);
          summary.errors++;
        }
        summary.done++;
        options.onProgress?.({ done: summary.done, total: summary.total, faces: summary.faces, errors: summary.errors });
      }
    };
    // One job queued ahead per worker keeps every worker busy while the main thread writes.
    await Promise.all(Array.from({ length: analyzer.workers * 2 }, runOne));
    return summary;
  }
}
