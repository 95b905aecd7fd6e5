import type { Db } from '../db/database.js';
import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FacesRepository } from '../db/faces.repository.js';
import type { FingerprintsRepository } from '../db/fingerprints.repository.js';
import type { PhotoRow, PhotosRepository } from '../db/photos.repository.js';
import { euclidean } from '../ml/distance.js';
import { ANALYZER_VERSION, analyzerVersionOf, DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY, SAME_PERSON_MAX_DISTANCE } from './descriptor.js';
import { matchFaces } from './match-faces.js';
import type { PhotoAnalysis, PhotoFace } from './photo-analysis.js';

export interface AnalysisProgress {
  done: number;
  total: number;
  faces: number;
  errors: number;
}

export interface AnalysisSummary extends AnalysisProgress {
  /**
   * Photos whose file is byte for byte one already analysed (in the library or earlier in this
   * scan): that photo's faces, vectors and fingerprint were copied, nothing decoded again.
   */
  copies: number;
  backend: string | null;
  /** The face detector that ran ('blazeface': BlazeFace on onnxruntime-node, 'ssd': SSD MobileNet v1 on TF.js). */
  detector: string | null;
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
  /**
   * The version of the analyser that runs here (default ANALYZER_VERSION): photos of an older
   * one are analysed again. Each photo records the version of the detector that read it.
   */
  analyzerVersion?: number;
}

/** An exact copy's analysis, read back from the photo it copies. */
interface CopiedAnalysis {
  analysis: PhotoAnalysis;
  /** The source's face of each face of `analysis`, in order. */
  sourceFaces: number[];
  notFaceAt: Array<string | null>;
}

/**
 * Analyses every pending photo (and first queues again those of an older analyser); each
 * photo is written in one transaction, its new faces taking over the previous faces they
 * overlap, so that a re-analysis keeps the faces' ids and with them the user's decisions.
 *
 * A photo whose file has the SHA-256 of a photo already analysed by this analyser (in the
 * library, or earlier in the same run) is not decoded: it gets copies of that photo's faces
 * (new rows, the same crops, every vector, the "not a face" marks), its fingerprint and its
 * size. People count photos by content hash, so a copy's faces never make a person's photo
 * count grow; what the user decides about a copy's faces is its own, and moves to the keeper
 * when the copy goes to the trash (DuplicatesService).
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
    const current = options.analyzerVersion ?? ANALYZER_VERSION;
    this.photos.queueStaleAnalyses(current);
    const pending = this.photos.listPending();
    const modelId = this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
    const summary: AnalysisSummary = {
      done: 0,
      total: pending.length,
      faces: 0,
      errors: 0,
      copies: 0,
      backend: null,
      detector: null,
      workers: 0,
      stageMs: { decodeMs: 0, detectMs: 0, landmarksMs: 0, alignMs: 0, embedMs: 0, cropsMs: 0 },
    };
    if (pending.length === 0) return summary;

    const { analyzer } = options;
    summary.workers = analyzer.workers;
    const write = (row: PhotoRow, a: PhotoAnalysis): number[] => {
      const faceIds = this.faces.replaceForPhoto(row.id, a.faces, this.previousFaceOfEach(row, a.faces, modelId));
      this.embeddings.put(modelId, faceIds.map((faceId, i) => ({ faceId, vector: a.faces[i]!.descriptor })));
      if (a.fingerprint) this.fingerprints?.put(row.id, a.fingerprint);
      const analyzerVersion = a.detector === undefined ? current : analyzerVersionOf(a.detector);
      this.photos.markDone(row.id, { format: a.format, width: a.width, height: a.height, takenAt: a.takenAt, analyzerVersion });
      return faceIds;
    };
    const save = this.db.transaction((row: PhotoRow, photo: AnalyzedPhoto<R>) => {
      const faceIds = write(row, photo.analysis);
      options.saveExtra?.(faceIds, photo);
    });
    const saveCopy = this.db.transaction((row: PhotoRow, copy: CopiedAnalysis) => {
      const faceIds = write(row, copy.analysis);
      faceIds.forEach((faceId, i) => {
        this.embeddings.copyVectors(copy.sourceFaces[i]!, faceId);
        if (copy.notFaceAt[i]) this.faces.setNotFace(faceId, copy.notFaceAt[i]!);
      });
    });
    // Content hashes being analysed now: a copy of one waits for it, then copies it.
    const inFlight = new Map<string, Promise<void>>();
    let next = 0;
    const runOne = async (): Promise<void> => {
      while (next < pending.length && !options.signal?.aborted) {
        const photo = pending[next++]!;
        const hash = photo.content_hash;
        while (inFlight.has(hash)) await inFlight.get(hash);
        const copy = this.copyOfAnalysed(photo, modelId, current);
        if (copy) {
          saveCopy(photo, copy);
          summary.faces += copy.analysis.faces.length;
          summary.copies++;
        } else {
          let finished!: () => void;
          inFlight.set(hash, new Promise((resolve) => (finished = resolve)));
          try {
            const reply = await analyzer.analyze({ id: photo.id, path: photo.path, contentHash: hash });
            if (reply.ok) {
              save(photo, reply);
              summary.faces += reply.analysis.faces.length;
              // 'onnxruntime' alone: that worker has not needed TF.js (yet); a reply naming both says more.
              if (summary.backend === null || reply.backend.length > summary.backend.length) summary.backend = reply.backend;
              summary.detector = reply.analysis.detector ?? summary.detector;
              for (const [k, v] of Object.entries(reply.analysis.timings)) summary.stageMs[k as keyof AnalysisSummary['stageMs']] += v;
            } else {
              this.photos.markError(photo.id, reply.error);
              summary.errors++;
            }
          } finally {
            inFlight.delete(hash);
            finished();
          }
        }
        summary.done++;
        options.onProgress?.({ done: summary.done, total: summary.total, faces: summary.faces, errors: summary.errors });
      }
    };
    // One job queued ahead per worker keeps every worker busy while the main thread writes.
    await Promise.all(Array.from({ length: analyzer.workers * 2 }, runOne));
    return summary;
  }

  /**
   * The analysis of another photo with the same bytes, analysed by this analyser, read back
   * for `row`; null when there is none (or its faces lack a descriptor: then it is analysed).
   */
  private copyOfAnalysed(row: PhotoRow, descriptorModel: number, current: number): CopiedAnalysis | null {
    const source = this.photos.findByHash(row.content_hash).find(
      (p) => p.id !== row.id && p.status === 'done' && p.analyzer_version !== null && p.analyzer_version >= current && p.width !== null && p.height !== null && p.format !== null,
    );
    if (!source) return null;
    const faces = this.faces.listAnalysed(source.id);
    const descriptors = this.embeddings.vectorsFor(descriptorModel, faces.map((f) => f.id));
    if (faces.some((f) => !descriptors.has(f.id))) return null;
    const fingerprint = this.fingerprints?.get(source.id) ?? undefined;
    return {
      analysis: {
        format: source.format!,
        width: source.width!,
        height: source.height!,
        takenAt: source.taken_at,
        faces: faces.map((f) => ({ idx: f.idx, box: f.box, score: f.score, shapeError: f.shapeError, landmarks: f.landmarks, descriptor: descriptors.get(f.id)!, cropFile: f.cropFile, alignedFile: f.alignedFile })),
        timings: { decodeMs: 0, detectMs: 0, landmarksMs: 0, alignMs: 0, embedMs: 0, cropsMs: 0 },
        ...(fingerprint ? { fingerprint } : {}),
      },
      sourceFaces: faces.map((f) => f.id),
      notFaceAt: faces.map((f) => f.notFaceAt),
    };
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
