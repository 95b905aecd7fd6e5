import { existsSync } from 'node:fs';
import path from 'node:path';

import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FacesRepository } from '../db/faces.repository.js';
import { defaultSeedModelDir, readSeedInput, SeedEmbedder, seedModelExists } from './seed/seed-embedder.js';
import { compileFused, loadFusedHead } from './seed/fused-head.js';
import { SEED_EMBEDDING_DIM } from './seed/seed-architecture.js';

/** P(same person) for candidate pairs (i[p], j[p]), indices into the faces it was made for. */
export type CandidatePairScorer = (i: ArrayLike<number>, j: ArrayLike<number>) => Float32Array;

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
    private readonly modelDir = defaultSeedModelDir(),
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
   * The production pair head for grouping's candidate pairs, or null unless a fused head
   * marked `useForGrouping` (its View 1 figures beat the descriptor alone) belongs to the
   * installed seed model. Pairs are indices into `faceIds`; `descriptors` is n x 128. A
   * face without a seed embedding gets NaN (no opinion).
   */
  async candidatePairScorer(faceIds: readonly number[], descriptors: Float32Array): Promise<CandidatePairScorer | null> {
    const m = await this.model();
    if (m === null || !existsSync(path.join(this.modelDir, 'fused.json'))) return null;
    const head = loadFusedHead(this.modelDir);
    if (!head.useForGrouping || head.seedKey !== m.pairKey) return null;
    const modelId = this.faces.modelId(m.key, 'extractor', SEED_EMBEDDING_DIM);
    const vectors = this.embeddings.vectorsFor(modelId, faceIds);
    const emb = new Float32Array(faceIds.length * SEED_EMBEDDING_DIM);
    const has = faceIds.map((id, i) => {
      const v = vectors.get(id);
      if (v) emb.set(v, i * SEED_EMBEDDING_DIM);
      return v !== undefined;
    });
    const proj = m.project(emb);
    const fused = compileFused(head);
    return (i, j) => {
      const prob = m.scorePairs(proj, Uint32Array.from(i), Uint32Array.from(j));
      for (let p = 0; p < prob.length; p++) {
        const a = i[p]!, b = j[p]!;
        if (!has[a] || !has[b]) {
          prob[p] = NaN;
          continue;
        }
        let s = 0;
        for (let d = 0; d < 128; d++) {
          const v = descriptors[a * 128 + d]! - descriptors[b * 128 + d]!;
          s += v * v;
        }
        prob[p] = fused(Math.sqrt(s), prob[p]!);
      }
      return prob;
    };
  }

  async dispose(): Promise<void> {
    if (this.embedder) (await this.embedder).dispose();
    this.embedder = undefined;
  }
}
