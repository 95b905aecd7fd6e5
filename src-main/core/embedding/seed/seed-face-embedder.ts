/**
 * What the scan's workers embed faces with: the seed extractor on onnxruntime-node where the
 * model has an ONNX file made from its current weights (about ten times faster than TF.js
 * on a CPU), else on TF.js. Both give the same embedding under the same key: the mean over
 * the model's views (the crop, its mirror image, copies moved a few pixels), as
 * extractEmbeddings computes it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { extractorWeightsSha256, OnnxExtractor, ONNX_EXTRACTOR_FILE } from './onnx-extractor.js';
import { FACE_INPUT_BYTES, readFaceInputOrNull } from '../../analysis/align/face-input.js';
import type { SeedEmbedder } from './seed-embedder.js';
import { toSeedInputFloats } from './seed-input.js';
import { seedModelKeys } from './seed-model-key.js';
import { SEED_EMBEDDING_DIM } from './seed-architecture.js';
import { SHIFT_AVERAGE_MOVES } from './embedding-views.js';

const PIXELS = FACE_INPUT_BYTES;
/**
 * Views run through onnxruntime at once: a view and its mirror image. Alone on one thread,
 * batches of 2 ran at 1.9 ms a view against 3.2 ms for all ten at once; in the scan of the
 * group photos the speed was the same within the noise, and the peak memory 120 MB lower
 * (the larger batch's activations, in each worker).
 */
const VIEWS_PER_RUN = 2;

/** One view of a face, as toSeedInputFloats makes it: mirrored or not, read at (x + dx, y + dy) with the edges repeated. */
export interface SeedView {
  flip: boolean;
  dx: number;
  dy: number;
}

/**
 * The views a face is embedded from, in extractEmbeddings' order: the crop and each
 * diagonal move, each followed by its mirror image when flip-averaging. The mirror image of
 * a moved copy is the mirror image moved the other way along x.
 */
export function seedViews(flipAverage: boolean, shiftAverage: number): SeedView[] {
  const moves: Array<readonly [number, number]> = [[0, 0], ...(shiftAverage > 0 ? SHIFT_AVERAGE_MOVES.map(([dx, dy]) => [dx * shiftAverage, dy * shiftAverage] as const) : [])];
  return moves.flatMap(([dx, dy]) => (flipAverage ? [{ flip: false, dx, dy }, { flip: true, dx: -dx, dy }] : [{ flip: false, dx, dy }]));
}

export class SeedFaceEmbedder {
  private buffer = new Float32Array(0);

  private constructor(
    readonly key: string,
    /** Which runtime embeds: 'onnxruntime' or TF.js's. */
    readonly runtime: string,
    private readonly views: SeedView[],
    private readonly onnx: OnnxExtractor | null,
    private readonly tfjs: SeedEmbedder | null,
  ) {}

  static async load(dir: string): Promise<SeedFaceEmbedder> {
    const { key } = await seedModelKeys(dir);
    const onnx = await OnnxExtractor.load(path.join(dir, ONNX_EXTRACTOR_FILE), await extractorWeightsSha256(dir)).catch(() => null);
    if (onnx !== null) {
      const manifest = JSON.parse(await readFile(path.join(dir, 'seed.json'), 'utf8')) as { flipAverage?: boolean; shiftAverage?: number };
      return new SeedFaceEmbedder(key, 'onnxruntime', seedViews(manifest.flipAverage === true, manifest.shiftAverage ?? 0), onnx, null);
    }
    // TF.js's embedder, imported only here (about 40 ms of each scan worker's start-up otherwise).
    const { SeedEmbedder } = await import('./seed-embedder.js');
    const tfjs = await SeedEmbedder.load(dir);
    if (tfjs.key !== key) throw new Error(`seed model keys disagree: ${tfjs.key} and ${key}`);
    return new SeedFaceEmbedder(key, 'tfjs', [], null, tfjs);
  }

  /** 500-d embeddings (n x 500) of 250x250 RGB face crops. */
  async embed(images: readonly Uint8Array[]): Promise<Float32Array> {
    if (this.onnx === null) return this.tfjs!.embed(images);
    const v = this.views.length;
    const out = new Float32Array(images.length * SEED_EMBEDDING_DIM);
    if (this.buffer.length < v * PIXELS) this.buffer = new Float32Array(v * PIXELS);
    const sum = new Float64Array(SEED_EMBEDDING_DIM);
    for (const [i, img] of images.entries()) {
      if (img.length !== PIXELS) throw new Error(`seed input must be 250x250x3 (got ${img.length} bytes)`);
      this.views.forEach((view, k) => toSeedInputFloats(img, this.buffer, k * PIXELS, view.flip, view.dx, view.dy));
      sum.fill(0);
      // The mean over views, summed in view order as TF.js's addN then divided.
      for (let k = 0; k < v; k += VIEWS_PER_RUN) {
        const n = Math.min(VIEWS_PER_RUN, v - k);
        const emb = await this.onnx.run(this.buffer.subarray(k * PIXELS), n);
        for (let r = 0; r < n; r++) for (let d = 0; d < SEED_EMBEDDING_DIM; d++) sum[d]! += emb[r * SEED_EMBEDDING_DIM + d]!;
      }
      for (let d = 0; d < SEED_EMBEDDING_DIM; d++) out[i * SEED_EMBEDDING_DIM + d] = v === 1 ? sum[d]! : sum[d]! / v;
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.onnx?.dispose();
    this.tfjs?.dispose();
  }
}

/** Faces' seed embeddings under the model's key (null: a crop that could not be read). */
export interface SeedVectors {
  key: string;
  /** The runtime that embedded them ('onnxruntime' or 'tfjs'). */
  runtime: string;
  vectors: Array<Float32Array | null>;
  /** Time spent reading and embedding them. */
  ms: number;
}

/** Embeds aligned crop files, or their bytes (a crop that cannot be read gets null). */
export async function embedCropFiles(embedder: SeedFaceEmbedder, files: ReadonlyArray<string | Buffer>): Promise<SeedVectors> {
  const t0 = performance.now();
  const inputs = await Promise.all(files.map(readFaceInputOrNull));
  const found = inputs.filter((x): x is Uint8Array => x !== null);
  const flat = await embedder.embed(found);
  let k = 0;
  const vectors = inputs.map((x) => (x === null ? null : flat.slice(SEED_EMBEDDING_DIM * k, SEED_EMBEDDING_DIM * ++k)));
  return { key: embedder.key, runtime: embedder.runtime, vectors, ms: performance.now() - t0 };
}
