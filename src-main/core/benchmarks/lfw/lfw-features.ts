/**
 * Per-image features of LFW images for the matchers: the 128-d descriptor and the seed
 * model's 500-d embedding of the most central face, or of the central region for a miss.
 */
import { decodePhoto } from '../../analysis/decode.js';
import { FaceAnalyzer } from '../../analysis/face-analyzer.js';
import { DESCRIPTOR_CHIP_SIZE } from '../../analysis/align/dlib-chip.js';
import { warpSimilarity } from '../../analysis/align/warp.js';
import { readFaceInput } from '../../analysis/align/face-input.js';
import type { SeedEmbedder } from '../../embedding/seed/seed-embedder.js';
import { SEED_EMBEDDING_DIM } from '../../embedding/seed/seed-architecture.js';
import { centralChipTransform, type LfwFace } from './lfw-faces.js';
import type { SeedEmbeddingCache } from './seed-embedding-cache.js';

export interface ImageFeatures {
  keys: string[];
  index: Map<string, number>;
  /** Images where no face was found (central-region stand-in). */
  misses: Set<string>;
  /** n x 128 */
  descriptors: Float32Array | null;
  /** n x 500 */
  seed: Float32Array | null;
}

export async function computeImageFeatures(
  keys: readonly string[],
  faces: ReadonlyMap<string, LfwFace>,
  imagePathOf: (key: string) => string,
  /** `seedCache`: embeddings of this seed model kept from earlier runs (used and extended). */
  want: { descriptor: boolean; seed: SeedEmbedder | null; seedCache?: SeedEmbeddingCache },
  log?: (line: string) => void,
): Promise<ImageFeatures> {
  const uniq = [...new Set(keys)];
  const index = new Map(uniq.map((k, i) => [k, i]));
  const missing = uniq.filter((k) => !faces.has(k));
  if (missing.length > 0) throw new Error(`${missing.length} images are not analysed in the cache (first: ${missing[0]})`);
  const misses = new Set(uniq.filter((k) => faces.get(k)!.descriptor === null));

  let descriptors: Float32Array | null = null;
  if (want.descriptor) {
    descriptors = new Float32Array(uniq.length * 128);
    uniq.forEach((k, i) => {
      const d = faces.get(k)!.descriptor;
      if (d !== null) descriptors!.set(d, i * 128);
    });
    if (misses.size > 0) {
      const analyzer = await FaceAnalyzer.load();
      for (const k of misses) {
        const decoded = await decodePhoto(imagePathOf(k), 1024);
        const img = decoded.image;
        const chip = warpSimilarity(img, centralChipTransform(img.width, img.height), DESCRIPTOR_CHIP_SIZE, DESCRIPTOR_CHIP_SIZE);
        const [d] = await analyzer.describeChips([chip]);
        descriptors.set(d!, index.get(k)! * 128);
      }
      log?.(`${misses.size} images without a detected face: descriptor of the central region`);
    }
  }

  let seed: Float32Array | null = null;
  if (want.seed !== null) {
    seed = new Float32Array(uniq.length * SEED_EMBEDDING_DIM);
    const sourceOf = (k: string): string => faces.get(k)!.alignedFile ?? imagePathOf(k);
    const cache = want.seedCache;
    const todo = uniq.filter((k, i) => {
      const v = cache?.get(k, sourceOf(k));
      if (v !== undefined) seed!.set(v, i * SEED_EMBEDDING_DIM);
      return v === undefined;
    });
    const batch = 64;
    const t0 = performance.now();
    for (let s = 0; s < todo.length; s += batch) {
      const part = todo.slice(s, s + batch);
      const inputs = await Promise.all(part.map((k) => readFaceInput(sourceOf(k))));
      const e = want.seed.embed(inputs);
      part.forEach((k, r) => {
        const v = e.subarray(r * SEED_EMBEDDING_DIM, (r + 1) * SEED_EMBEDDING_DIM);
        seed!.set(v, index.get(k)! * SEED_EMBEDDING_DIM);
        cache?.set(k, sourceOf(k), v);
      });
    }
    cache?.save();
    log?.(`seed embeddings of ${todo.length} images in ${((performance.now() - t0) / 1000).toFixed(0)} s${uniq.length > todo.length ? ` (${uniq.length - todo.length} more from the embedding cache)` : ''}`);
  }
  return { keys: uniq, index, misses, descriptors, seed };
}
