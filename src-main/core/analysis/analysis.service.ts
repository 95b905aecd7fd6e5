import type { Db } from '../db/database.js';
import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FacesRepository } from '../db/faces.repository.js';
import type { FingerprintsRepository } from '../db/fingerprints.repository.js';
import type { PhotoRow, PhotosRepository } from '../db/photos.repository.js';
import { euclidean } from '../ml/distance.js';
import { ANALYZER_VERSION, DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY, SAME_PERSON_MAX_DISTANCE } from './descriptor.js';
import { matchFaces } from './match-faces.js';
import type { PhotoAnalysis, PhotoFace } from './photo-analysis.js';

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

/**
 * Analyses every pending photo (and first queues again those of an older analyser); each
 * photo is written in one transaction, its new faces taking over the previous faces they
 * overlap, so that a re-analysis keeps the faces' ids and with them the user's decisions.
 */
export class AnalysisService {
  constructor(
    private readonly db: Db,
    private readonly photos: PhotosRepository,
    private readonly faces: FacesRepository,
    private readonly embeddings: EmbeddingsRepository,
    /** Where each photo's fingerprint goes, for duplicate finding (none: not kept). */
    private readonly fingerprints?: FingerprintsRepository,
  ) {}

  async analyzePending<R>(options: AnalyzeOptions<R>): Promise<AnalysisSummary> {
    this.photos.queueStaleAnalyses(ANALYZER_VERSION);
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
    const save = this.db.transaction((row: PhotoRow, photo: AnalyzedPhoto<R>) => {
      const a = photo.analysis;
      const faceIds = this.faces.replaceForPhoto(row.id, a.faces, this.previousFaceOfEach(row, a.faces, modelId));
      this.embeddings.put(modelId, faceIds.map((faceId, i) => ({ faceId, vector: a.faces[i]!.descriptor })));
      options.saveExtra?.(faceIds, photo);
      if (a.fingerprint) this.fingerprints?.put(row.id, a.fingerprint);
      this.photos.markDone(row.id, { format: a.format, width: a.width, height: a.height, takenAt: a.takenAt, analyzerVersion: ANALYZER_VERSION });
    });
    let next = 0;
    const runOne = async (): Promise<void> => {
      while (next < pending.length && !options.signal?.aborted) {
        const photo = pending[next++]!;
        const reply = await analyzer.analyze({ id: photo.id, path: photo.path, contentHash: photo.content_hash });
        if (reply.ok) {
          save(photo, reply);
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

  /** For each face found, the id of the photo's previous face it is (null: a face new to the photo). */
  private previousFaceOfEach(photo: PhotoRow, found: readonly PhotoFace[], descriptorModel: number): Array<number | null> {
    const previous = this.faces.listPreviousForPhoto(photo.id);
    if (previous.length === 0) return found.map(() => null);
    // A photo queued by a change of content has no analyser version: it may show other people
    // now, so a face at the same place must also still look like the same person.
    const contentChanged = photo.analyzer_version === null;
    const before = contentChanged ? this.embeddings.vectorsFor(descriptorModel, previous.map((p) => p.id)) : new Map<number, Float32Array>();
    const stillSamePerson = (p: number, f: number): boolean => {
      const old = before.get(previous[p]!.id);
      return old === undefined || euclidean(old, 0, found[f]!.descriptor, 0, DESCRIPTOR_DIMS) <= SAME_PERSON_MAX_DISTANCE;
    };
    const match = matchFaces(
      previous.map((p) => p.box),
      found.map((f) => f.box),
      contentChanged ? stillSamePerson : undefined,
    );
    return match.map((p) => (p === null ? null : previous[p]!.id));
  }
}
