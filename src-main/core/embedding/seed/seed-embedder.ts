/**
 * The trained seed model at inference: 500-d embeddings of aligned 250x250 face crops, the
 * pair head's probability for pairs of them (through the fast scorer: each face projected
 * once, about 5,000 multiply-adds per pair), symmetric by averaging both orders, and, where
 * seed.json has a pair score, that probability combined with the embeddings' root cosine
 * (seed-pair-score.ts; 500 more multiply-adds per pair).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { FACE_INPUT_BYTES } from '../../analysis/align/face-input.js';
import { modelsDir } from '../../paths.js';
import { loadMlRuntime, type Tf } from '../../ml/runtime.js';
import { embeddingViewsOf, extractEmbeddings } from './embedding-views.js';
import { getHeadWeights, SEED_DISTILL_DIM, SEED_EMBEDDING_DIM, SEED_INPUT_SIZE } from './seed-architecture.js';
import type { SeedModel } from './seed-model.js';
import { loadSeedModel } from './seed-model-files.js';
import { projectFaces, scorePairs, type FaceProjections, type HeadWeights } from './pair-scorer.js';
import { seedModelKeys } from './seed-model-key.js';
import { compileSeedPairScore, rootNormalised, rowCosines, type SeedPairScore } from './seed-pair-score.js';
import { toSeedInputFloats } from './seed-input.js';

type Tensor = import('@tensorflow/tfjs').Tensor;

/** The model version the pipeline uses: `models/seed/<SEED_MODEL_VERSION>`. */
export const SEED_MODEL_VERSION = 'v6';

/**
 * The installed seed model's folder: `FACEPAIR_SEED_MODEL` where set (another model folder,
 * for measuring a model or an embedding setting on the product's own scan, and for the tests
 * of a model upgrade), else `models/seed/<SEED_MODEL_VERSION>`.
 */
export function defaultSeedModelDir(): string {
  const chosen = process.env.FACEPAIR_SEED_MODEL;
  if (chosen !== undefined && chosen !== '') return path.resolve(chosen);
  return path.join(modelsDir(), 'seed', SEED_MODEL_VERSION);
}

/** Whether a trained seed model is present (a fresh clone before training has none). */
export function seedModelExists(dir = defaultSeedModelDir()): boolean {
  return existsSync(path.join(dir, 'seed.json'));
}

/** What pairs of faces are scored from: computed once per face (SeedEmbedder.project). */
export interface SeedPairInputs {
  /** The head's Dense1 halves of each face. */
  proj: FaceProjections;
  /** Root-normalised embeddings (n x 500) when the model has a pair score, else null. */
  roots: Float32Array | null;
}

export class SeedEmbedder {
  private hw: HeadWeights | undefined;
  private readonly combine: ((headProb: number, rootCosine: number) => number) | null;

  private constructor(
    private readonly tf: Tf,
    private readonly model: SeedModel,
    /** See seedModelKeys. */
    readonly key: string,
    readonly pairKey: string,
    readonly dir: string,
  ) {
    this.combine = model.pairScore !== undefined ? compileSeedPairScore(model.pairScore) : null;
  }

  static async load(dir = defaultSeedModelDir()): Promise<SeedEmbedder> {
    const { tf } = await loadMlRuntime();
    const model = await loadSeedModel(dir, tf);
    const { key, pairKey } = await seedModelKeys(dir);
    return new SeedEmbedder(tf, model, key, pairKey, dir);
  }

  /** Whether a face's embedding is the mean of its crop's and its mirror image's. */
  get flipAverage(): boolean {
    return this.model.flipAverage === true;
  }

  /** Pixels of the shift-averaged views a face is embedded from (0: the crop alone). */
  get shiftAverage(): number {
    return this.model.shiftAverage ?? 0;
  }

  /** The fitted pair score, if the model has one (else pairs are scored by the head alone). */
  get pairScore(): SeedPairScore | undefined {
    return this.model.pairScore;
  }

  get hasDistill(): boolean {
    return this.model.distill !== undefined;
  }

  /** 500-d embeddings of face inputs (readFaceInput: 250x250 RGB, uint8), n x 500 row-major. */
  embed(images: readonly Uint8Array[], batch = 16): Float32Array {
    const out = new Float32Array(images.length * SEED_EMBEDDING_DIM);
    const buf = new Float32Array(batch * FACE_INPUT_BYTES);
    for (let s = 0; s < images.length; s += batch) {
      const m = Math.min(batch, images.length - s);
      for (let k = 0; k < m; k++) {
        const img = images[s + k]!;
        if (img.length !== FACE_INPUT_BYTES) throw new Error(`seed input must be 250x250x3 (got ${img.length} bytes)`);
        toSeedInputFloats(img, buf, k * FACE_INPUT_BYTES);
      }
      this.tf.tidy(() => {
        const x = this.tf.tensor4d(buf.subarray(0, m * FACE_INPUT_BYTES), [m, SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3]);
        out.set(extractEmbeddings(this.tf, this.model.extractor, x, embeddingViewsOf(this.model)).dataSync(), s * SEED_EMBEDDING_DIM);
      });
    }
    return out;
  }

  /** The distillation head's 128-d map of embeddings (n x 128), or null for a model without one. */
  distilled(embeddings: Float32Array): Float32Array | null {
    const d = this.model.distill;
    if (d === undefined) return null;
    const n = embeddings.length / SEED_EMBEDDING_DIM;
    return this.tf.tidy(() => (d.predict(this.tf.tensor2d(embeddings, [n, SEED_EMBEDDING_DIM])) as Tensor).dataSync() as Float32Array).slice(0, n * SEED_DISTILL_DIM);
  }

  headWeights(): HeadWeights {
    this.hw ??= getHeadWeights(this.model.head);
    return this.hw;
  }

  /** What pair scoring needs of each face (n x 500 embeddings in). */
  project(embeddings: Float32Array): SeedPairInputs {
    return { proj: projectFaces(this.headWeights(), embeddings), roots: this.combine !== null ? rootNormalised(embeddings, SEED_EMBEDDING_DIM) : null };
  }

  /** The study's pair head alone: P(same person) of pairs (i[p], j[p]), the mean of both orders (symmetric). */
  headScorePairs(inputs: SeedPairInputs, i: Uint32Array, j: Uint32Array): Float32Array {
    const hw = this.headWeights();
    const ab = scorePairs(inputs.proj, hw, i, j);
    const ba = scorePairs(inputs.proj, hw, j, i);
    for (let p = 0; p < ab.length; p++) ab[p] = (ab[p]! + ba[p]!) / 2;
    return ab;
  }

  /** The model's P(same person) of pairs (i[p], j[p]): its pair score where it has one, else the head's. */
  scorePairs(inputs: SeedPairInputs, i: Uint32Array, j: Uint32Array): Float32Array {
    const prob = this.headScorePairs(inputs, i, j);
    if (this.combine === null) return prob;
    if (inputs.roots === null) throw new Error('these pair inputs were projected without the root-normalised embeddings');
    const cos = rowCosines(inputs.roots, SEED_EMBEDDING_DIM, i, j);
    for (let p = 0; p < prob.length; p++) prob[p] = this.combine(prob[p]!, cos[p]!);
    return prob;
  }

  dispose(): void {
    this.model.siamese.dispose();
    this.model.distill?.dispose();
  }
}
