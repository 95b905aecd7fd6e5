import path from 'node:path';

import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FacesRepository } from '../db/faces.repository.js';
import { defaultSeedModelDir, readSeedInput, SeedEmbedder, seedModelExists } from './seed/seed-embedder.js';
import { SEED_EMBEDDING_DIM } from './seed/seed-model.js';

export interface SeedEmbeddingSummary {
  /** The model's key, or null when no trained seed model is installed. */
  model: string | null;
  embedded: number;
  failed: number;
  ms: number;
}

/** Model keys of the seed extractor start with this; a newer key replaces an older one's vectors. */
export const SEED_MODEL_FAMILY = 'seed500:';

/**
 * The pipeline stage after analysis: every face without an embedding from the current seed
 * model gets its 500-d embedding from its aligned 250x250 crop, stored beside the
 * descriptor. Faces embedded by an older model version are re-embedded (their old vector is
 * dropped), and only those; a face already embedded by this model is never touched again.
 */
export class SeedEmbeddingService {
  private embedder: Promise<SeedEmbedder> | undefined;

  constructor(
    private readonly faces: FacesRepository,
    private readonly embeddings: EmbeddingsRepository,
    private readonly cacheDir: string,
    readonly modelDir = defaultSeedModelDir(),
  ) {}

  /** The loaded model (once per app), or null when none is installed. */
  async model(): Promise<SeedEmbedder | null> {
    if (!seedModelExists(this.modelDir)) return null;
    this.embedder ??= SeedEmbedder.load(this.modelDir);
    return this.embedder;
  }

  async modelId(): Promise<number | null> {
    const m = await this.model();
    return m === null ? null : this.faces.modelId(m.key, 'extractor', SEED_EMBEDDING_DIM);
  }

  async embedPending(options: { batch?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<SeedEmbeddingSummary> {
    const t0 = performance.now();
    const m = await this.model();
    if (m === null) return { model: null, embedded: 0, failed: 0, ms: 0 };
    const modelId = this.faces.modelId(m.key, 'extractor', SEED_EMBEDDING_DIM);
    const todo = this.embeddings.facesWithout(modelId);
    const batch = options.batch ?? 64;
    let embedded = 0, failed = 0;
    if (todo.length > 0) options.onProgress?.(0, todo.length);
    for (let s = 0; s < todo.length && !options.signal?.aborted; s += batch) {
      const part = todo.slice(s, s + batch);
      const inputs = await Promise.all(
        part.map(async (f) => {
          try {
            return await readSeedInput(path.join(this.cacheDir, f.alignedFile));
          } catch {
            return null; // crop file lost: the face keeps no seed embedding until it is analysed again
          }
        }),
      );
      const ok = part.filter((_, k) => inputs[k] !== null);
      failed += part.length - ok.length;
      const vectors = m.embed(inputs.filter((x): x is Uint8Array => x !== null));
      this.embeddings.write(
        modelId,
        SEED_MODEL_FAMILY,
        ok.map((f, k) => ({ faceId: f.faceId, vector: vectors.slice(k * SEED_EMBEDDING_DIM, (k + 1) * SEED_EMBEDDING_DIM) })),
      );
      embedded += ok.length;
      options.onProgress?.(embedded + failed, todo.length);
    }
    return { model: m.key, embedded, failed, ms: performance.now() - t0 };
  }

  /**
   * The current model's embeddings of these faces, n x 500 in their order, and which faces
   * have one (a face the stage has not reached yet has none).
   */
  async embeddingsOf(faceIds: readonly number[]): Promise<{ model: SeedEmbedder; vectors: Float32Array; has: boolean[] } | null> {
    const m = await this.model();
    if (m === null) return null;
    const modelId = this.faces.modelId(m.key, 'extractor', SEED_EMBEDDING_DIM);
    const stored = this.embeddings.vectorsFor(modelId, faceIds);
    const vectors = new Float32Array(faceIds.length * SEED_EMBEDDING_DIM);
    const has = faceIds.map((id, i) => {
      const v = stored.get(id);
      if (v) vectors.set(v, i * SEED_EMBEDDING_DIM);
      return v !== undefined;
    });
    return { model: m, vectors, has };
  }

  async dispose(): Promise<void> {
    if (this.embedder) (await this.embedder).dispose();
    this.embedder = undefined;
  }
}
