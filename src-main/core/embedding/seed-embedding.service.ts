import path from 'node:path';

import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FacesRepository } from '../db/faces.repository.js';
import { trace } from '../trace.js';
import { embedCropFiles, SeedFaceEmbedder, type SeedVectors } from './seed/seed-face-embedder.js';
import { defaultSeedModelDir, SeedEmbedder, seedModelExists } from './seed/seed-embedder.js';
import { seedModelKeys, type SeedModelKeys } from './seed/seed-model-key.js';
import { SeedPairScorer } from './seed/seed-pair-scorer.js';
import type { SeedPairInputs } from './seed/seed-embedder.js';
import { SEED_EMBEDDING_DIM } from './seed/seed-architecture.js';

export interface SeedEmbeddingSummary {
  /** The model's key, or null when no trained seed model is installed. */
  model: string | null;
  /** The runtime that embedded this stage's faces ('onnxruntime' or 'tfjs'; null: none needed it). */
  runtime: string | null;
  embedded: number;
  failed: number;
  /** Wall time of the stage after analysis. */
  ms: number;
  /** Summed over the workers: time spent embedding (during analysis and after). */
  workerMs: number;
}

/** Where crops are embedded: the scan's worker threads, or this thread (see embedPending). */
export interface SeedCropEmbedder {
  /** How many batches it embeds at once. */
  readonly workers: number;
  embedCrops(modelDir: string, files: string[]): Promise<SeedVectors>;
}

/** Model keys of the seed extractor start with this; a newer key replaces an older one's vectors. */
export const SEED_MODEL_FAMILY = 'seed500:';

/**
 * The seed model's 500-d embedding of every face, from its aligned 250x250 crop, stored beside
 * the descriptor. The scan's workers embed each photo's faces right after analysing it
 * (`saveVectors`); the stage after analysis (`embedPending`) embeds whatever is left: faces
 * analysed before, faces whose worker could not embed them, and faces embedded by an older
 * model version (their old vector is dropped), and only those; a face already embedded by
 * this model is never touched again.
 */
export class SeedEmbeddingService {
  private embedder: Promise<SeedEmbedder> | undefined;
  private keys: Promise<SeedModelKeys> | undefined;
  private local: Promise<SeedFaceEmbedder> | undefined;
  private scorer: Promise<SeedPairScorer> | undefined;

  constructor(
    private readonly faces: FacesRepository,
    private readonly embeddings: EmbeddingsRepository,
    private readonly cacheDir: string,
    readonly modelDir = defaultSeedModelDir(),
  ) {}

  /** Whether a trained seed model is installed (a fresh clone before training has none). */
  get installed(): boolean {
    return seedModelExists(this.modelDir);
  }

  /** The model's keys, read from its files without loading it; null when none is installed. */
  async modelKeys(): Promise<SeedModelKeys | null> {
    if (!this.installed) return null;
    this.keys ??= seedModelKeys(this.modelDir);
    return this.keys;
  }

  /** The loaded model (once per app; TF.js, for scoring pairs), or null when none is installed. */
  async model(): Promise<SeedEmbedder | null> {
    if (!this.installed) return null;
    this.embedder ??= SeedEmbedder.load(this.modelDir);
    return this.embedder;
  }

  async modelId(): Promise<number | null> {
    const keys = await this.modelKeys();
    return keys === null ? null : this.faces.modelId(keys.key, 'extractor', SEED_EMBEDDING_DIM);
  }

  /**
   * Writes faces' vectors computed elsewhere (call inside the photo's transaction). Vectors of
   * another model than the installed one are not written (the embed stage redoes those faces).
   * Returns how many were written.
   */
  saveVectors(faceIds: readonly number[], seed: SeedVectors, current: SeedModelKeys): number {
    if (seed.key !== current.key) return 0;
    const modelId = this.faces.modelId(current.key, 'extractor', SEED_EMBEDDING_DIM);
    const rows = faceIds.flatMap((faceId, k) => {
      const vector = seed.vectors[k];
      return vector ? [{ faceId, vector }] : [];
    });
    this.embeddings.write(modelId, SEED_MODEL_FAMILY, rows);
    return rows.length;
  }

  /**
   * Embeds every face that has no embedding from the installed model, in batches, on
   * `embedder` (the scan's workers) or else on this thread; each batch is written as it
   * comes back.
   */
  async embedPending(
    options: { batch?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void; embedder?: SeedCropEmbedder } = {},
  ): Promise<SeedEmbeddingSummary> {
    const t0 = performance.now();
    const keys = await this.modelKeys();
    if (keys === null) return { model: null, runtime: null, embedded: 0, failed: 0, ms: 0, workerMs: 0 };
    const modelId = this.faces.modelId(keys.key, 'extractor', SEED_EMBEDDING_DIM);
    const todo = this.embeddings.facesWithout(modelId);
    const summary: SeedEmbeddingSummary = { model: keys.key, runtime: null, embedded: 0, failed: 0, ms: 0, workerMs: 0 };
    if (todo.length === 0) return { ...summary, ms: performance.now() - t0 };
    const embedder = options.embedder ?? this.localEmbedder();
    // Batches small enough that every worker gets a share of what the analysis left (a crowd's faces), at most 64.
    const batch = options.batch ?? Math.min(64, Math.max(4, Math.ceil(todo.length / (2 * embedder.workers))));
    options.onProgress?.(0, todo.length);
    let next = 0;
    const runOne = async (): Promise<void> => {
      while (next < todo.length && !options.signal?.aborted) {
        const part = todo.slice(next, (next += batch));
        const seed = await embedder.embedCrops(this.modelDir, part.map((f) => path.join(this.cacheDir, f.alignedFile)));
        if (seed.key !== keys.key) throw new Error(`the seed model changed during the scan (${keys.key} -> ${seed.key}): scan again`);
        summary.runtime = seed.runtime;
        summary.workerMs += seed.ms;
        const written = this.saveVectors(part.map((f) => f.faceId), seed, keys);
        summary.embedded += written;
        summary.failed += part.length - written; // crop file lost: the face keeps no seed embedding until it is analysed again
        options.onProgress?.(summary.embedded + summary.failed, todo.length);
      }
    };
    await Promise.all(Array.from({ length: embedder.workers }, runOne));
    return { ...summary, ms: performance.now() - t0 };
  }

  /**
   * The current model's embeddings of these faces, n x 500 in their order, and which faces
   * have one (a face the stage has not reached yet has none).
   */
  /** The pair score alone (no TF.js), once per service; null when no seed model is installed. */
  async pairScorer(): Promise<SeedPairScorer | null> {
    if (!this.installed) return null;
    this.scorer ??= SeedPairScorer.load(this.modelDir);
    return this.scorer;
  }

  /**
   * What the installed model's pair score needs of these faces (their projections through the
   * head's first layer and root-normalised embeddings), read from the library's cache of them
   * (`grouping/pair-rows-<model>/`, db/derived-rows.ts) and computed only for faces it lacks:
   * a scan's grouping projects its new faces, not the thousands they are compared with. The
   * cache is keyed by the model's pairKey (extractor, head and pair score): another model or
   * head never reads it. Null when no seed model is installed.
   */
  async pairInputsCached(faceIds: readonly number[]): Promise<{ scorer: SeedPairScorer; inputs: SeedPairInputs; has: boolean[] } | null> {
    const scorer = await this.pairScorer();
    if (scorer === null) return null;
    const modelId = this.faces.modelId(scorer.key, 'extractor', SEED_EMBEDDING_DIM);
    const parent = path.join(this.cacheDir, 'grouping');
    trace('derived rows: start');
    this.embeddings.dropUnusedDerivedRows(parent, 'pair-rows-'); // an older model's, its vectors replaced
    const { inputs, sink } = scorer.rowSink(faceIds.length);
    const { has } = await this.embeddings.derivedRows(
      {
        modelId,
        dims: SEED_EMBEDDING_DIM,
        rowDims: scorer.rowDims,
        key: `${scorer.pairKey}|pair-rows:1`,
        dir: path.join(parent, `pair-rows-${modelId}`),
        derive: (vectors, n) => scorer.rows(vectors, n),
      },
      faceIds,
      sink,
    );
    trace('derived rows: done');
    return { scorer, inputs, has: Array.from(has, (h) => h === 1) };
  }

  /** The faces' stored embeddings under a model key, row by row (zeros where `has` is false). */
  private storedVectors(key: string, faceIds: readonly number[]): { vectors: Float32Array; has: boolean[] } {
    const modelId = this.faces.modelId(key, 'extractor', SEED_EMBEDDING_DIM);
    const stored = this.embeddings.vectorsFor(modelId, faceIds);
    const vectors = new Float32Array(faceIds.length * SEED_EMBEDDING_DIM);
    const has = faceIds.map((id, i) => {
      const v = stored.get(id);
      if (v) vectors.set(v, i * SEED_EMBEDDING_DIM);
      return v !== undefined;
    });
    return { vectors, has };
  }

  async embeddingsOf(faceIds: readonly number[]): Promise<{ model: SeedEmbedder; vectors: Float32Array; has: boolean[] } | null> {
    const m = await this.model();
    if (m === null) return null;
    return { model: m, ...this.storedVectors(m.key, faceIds) };
  }

  /** Embeds on this thread (when no scan workers are at hand). */
  private localEmbedder(): SeedCropEmbedder {
    return {
      workers: 1,
      embedCrops: async (modelDir, files) => {
        this.local ??= SeedFaceEmbedder.load(modelDir);
        return embedCropFiles(await this.local, files);
      },
    };
  }

  async dispose(): Promise<void> {
    if (this.embedder) (await this.embedder).dispose();
    if (this.local) await (await this.local).dispose();
    this.embedder = undefined;
    this.local = undefined;
  }
}
