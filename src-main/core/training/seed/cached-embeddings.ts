/**
 * Cached training images at inference: as input batches (batch-norm calibration, reviving
 * units) and as embeddings (validation, the head refit).
 */
import { extractEmbeddings, type EmbeddingViews } from '../../embedding/seed/embedding-views.js';
import { SEED_DISTILL_DIM, SEED_EMBEDDING_DIM, SEED_INPUT_SIZE } from '../../embedding/seed/seed-architecture.js';
import type { Tf } from '../../ml/runtime.js';
import { IMAGE_BYTES, type FaceImages } from './image-cache.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;

const CACHED_BATCH = 32;

/** How one view of a cached image is drawn: mirrored, and moved by (dx, dy) pixels. */
export interface ImageView {
  flip: boolean;
  dx: number;
  dy: number;
}

/**
 * 500-d embeddings (inference mode) of cached images, and their distillation-head outputs
 * when `distill` is given (else `proj` is empty). `view(k)` draws the k-th image another way
 * than as it is; `embedding` says how a face is embedded (seed.json's flip and shift averages;
 * default: the crop alone).
 */
export function embedCached(
  tf: Tf,
  cache: FaceImages,
  indices: readonly number[],
  extractor: LayersModel,
  distill?: LayersModel,
  log?: (line: string) => void,
  options: { view?: (k: number) => ImageView; embedding?: EmbeddingViews } = {},
): { emb: Float32Array; proj: Float32Array } {
  const emb = new Float32Array(indices.length * SEED_EMBEDDING_DIM);
  const proj = new Float32Array(distill ? indices.length * SEED_DISTILL_DIM : 0);
  let batch = 0;
  for (const x of cachedBatches(tf, cache, indices, options.view)) {
    const s = batch * CACHED_BATCH;
    tf.tidy(() => {
      const e = extractEmbeddings(tf, extractor, x, options.embedding ?? { flipAverage: false, shiftAverage: 0 });
      emb.set(e.dataSync(), s * SEED_EMBEDDING_DIM);
      if (distill) proj.set((distill.predict(e) as Tensor).dataSync(), s * SEED_DISTILL_DIM);
    });
    x.dispose();
    if (log && batch % 50 === 0) log(`  embedded ${s + x.shape[0]!}/${indices.length} images`);
    batch++;
  }
  return { emb, proj };
}

/** Cached images as inference input batches, in order (as they are unless `view` says otherwise); the caller disposes them. */
export function* cachedBatches(tf: Tf, cache: FaceImages, indices: readonly number[], view?: (k: number) => ImageView): Generator<Tensor> {
  const buf = new Float32Array(CACHED_BATCH * IMAGE_BYTES);
  const scratch = Buffer.allocUnsafe(IMAGE_BYTES);
  for (let s = 0; s < indices.length; s += CACHED_BATCH) {
    const m = Math.min(CACHED_BATCH, indices.length - s);
    for (let k = 0; k < m; k++) {
      const v = view?.(s + k);
      cache.readFloat(indices[s + k]!, buf, k * IMAGE_BYTES, v?.flip ?? false, scratch, v?.dx ?? 0, v?.dy ?? 0);
    }
    // A copy: a consumer may keep every batch (the batch-norm recalibration does).
    yield tf.tensor4d(buf.slice(0, m * IMAGE_BYTES), [m, SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3]);
  }
}
