/**
 * The seed model's pair score without TF.js: the head's three Dense layers read straight from
 * its weights file (TF.js layers format: model.json's manifest, float32 in weights.bin) and
 * run by the same plain-JS/wasm scorer SeedEmbedder uses, with seed.json's pair score. Grouping
 * scores candidate pairs of stored embeddings and never runs the extractor, so it need not load
 * a TF.js backend and the extractor (about a second at each scan's grouping).
 */
import type { RowSink } from '../../db/derived-rows.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { onnxMatMul } from '../../ml/onnx-matmul.js';
import { projectFaces, scorePairs, type HeadWeights } from './pair-scorer.js';
import { SEED_EMBEDDING_DIM } from './seed-architecture.js';
import type { SeedPairInputs } from './seed-embedder.js';
import { seedModelKeys } from './seed-model-key.js';
import { compileSeedPairScore, parseSeedPairScore, rootNormalised, rowCosines } from './seed-pair-score.js';

interface WeightsManifest {
  weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>;
}

/** The named float32 tensors of a TF.js layers model's weights. */
async function readLayersWeights(dir: string): Promise<Map<string, { data: Float32Array; shape: number[] }>> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as WeightsManifest;
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const group of manifest.weightsManifest) {
    const bin = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(dir, p)))));
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== 'float32') throw new Error(`${dir}: weight ${w.name} is ${w.dtype}, not float32`);
      const size = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      for (let i = 0; i < size; i++) data[i] = bin.readFloatLE(offset + 4 * i);
      out.set(w.name, { data, shape: w.shape });
      offset += 4 * size;
    }
    if (offset !== bin.length) throw new Error(`${dir}: weights file holds ${bin.length} bytes, the manifest ${offset}`);
  }
  return out;
}

export class SeedPairScorer {
  /** The first layer's two halves side by side (500 x 200), for projectFast. */
  private wab: Float32Array | undefined;

  private constructor(
    private readonly hw: HeadWeights,
    private readonly combine: ((headProb: number, rootCosine: number) => number) | null,
    /** See seedModelKeys. */
    readonly key: string,
    readonly pairKey: string,
  ) {}

  static async load(dir: string): Promise<SeedPairScorer> {
    const manifest = JSON.parse(await readFile(path.join(dir, 'seed.json'), 'utf8')) as { head: string; pairScore?: unknown };
    const weights = await readLayersWeights(path.join(dir, manifest.head));
    const dense = (name: string): { kernel: Float32Array; bias: Float32Array; shape: number[] } => {
      const k = weights.get(`${name}/kernel`), b = weights.get(`${name}/bias`);
      if (!k || !b) throw new Error(`${dir}: head layer ${name} has no kernel/bias`);
      return { kernel: k.data, bias: b.data, shape: k.shape };
    };
    const d1 = dense('seed_dense1'), d2 = dense('seed_dense2'), d3 = dense('seed_out');
    const inDim = d1.shape[0]! / 2, h1 = d1.shape[1]!;
    if (inDim !== SEED_EMBEDDING_DIM) throw new Error(`${dir}: the head takes ${inDim}-d embeddings, not ${SEED_EMBEDDING_DIM}`);
    const hw: HeadWeights = {
      embeddingDim: inDim,
      hidden1: h1,
      hidden2: d2.shape[1]!,
      wa: d1.kernel.slice(0, inDim * h1),
      wb: d1.kernel.slice(inDim * h1, 2 * inDim * h1),
      b1: d1.bias,
      w2: d2.kernel,
      b2: d2.bias,
      w3: d3.kernel,
      b3: d3.bias[0]!,
    };
    const score = manifest.pairScore !== undefined ? parseSeedPairScore(manifest.pairScore, `${dir}/seed.json`) : undefined;
    const { key, pairKey } = await seedModelKeys(dir);
    return new SeedPairScorer(hw, score !== undefined ? compileSeedPairScore(score) : null, key, pairKey);
  }

  /** What pair scoring needs of each face (n x 500 embeddings in): as SeedEmbedder.project. */
  project(embeddings: Float32Array): SeedPairInputs {
    return { proj: projectFaces(this.hw, embeddings), roots: this.combine !== null ? rootNormalised(embeddings, SEED_EMBEDDING_DIM) : null };
  }

  /** The first layer's two halves side by side (500 x 200). */
  private firstLayer(): Float32Array {
    const { embeddingDim: d, hidden1: h } = this.hw;
    this.wab ??= (() => {
      const w = new Float32Array(d * 2 * h);
      for (let k = 0; k < d; k++) {
        w.set(this.hw.wa.subarray(k * h, (k + 1) * h), k * 2 * h);
        w.set(this.hw.wb.subarray(k * h, (k + 1) * h), k * 2 * h + h);
      }
      return w;
    })();
    return this.wab;
  }

  /**
   * The same as project, the projection (every face's embedding times the head's first layer,
   * 2 x 500 x 100 multiply-adds a face) as one matrix product on onnxruntime where it loads:
   * 150,000 faces in well under a second, not the plain loop's 20 s. Float32 sums, where the
   * loop sums in float64: the figures agree to about 1e-6.
   */
  async projectFast(embeddings: Float32Array): Promise<SeedPairInputs> {
    const mm = await onnxMatMul();
    const { embeddingDim: d, hidden1: h } = this.hw;
    const n = embeddings.length / d;
    if (mm === null || n < 256) return this.project(embeddings);
    const y = await mm.multiply(embeddings, n, d, this.firstLayer(), 2 * h);
    const pa = new Float32Array(n * h), pb = new Float32Array(n * h);
    for (let i = 0; i < n; i++) {
      pa.set(y.subarray(i * 2 * h, i * 2 * h + h), i * h);
      pb.set(y.subarray(i * 2 * h + h, (i + 1) * 2 * h), i * h);
    }
    return { proj: { n, hidden1: h, pa, pb }, roots: this.combine !== null ? rootNormalised(embeddings, SEED_EMBEDDING_DIM) : null };
  }

  /** Floats of a face's row in rows() and rowSink(): its two projections, then its root-normalised embedding where the pair score uses it. */
  get rowDims(): number {
    return 2 * this.hw.hidden1 + (this.combine !== null ? SEED_EMBEDDING_DIM : 0);
  }

  /**
   * What pair scoring needs of each face (n x 500 embeddings in), one row a face (see
   * rowDims), for the library's cache of them (db/derived-rows.ts): a face's row is the same
   * whatever other faces are projected with it (always the matrix product where onnxruntime
   * loads, however few the faces).
   */
  async rows(embeddings: Float32Array, n: number): Promise<Float32Array> {
    const mm = await onnxMatMul();
    const { embeddingDim: d, hidden1: h } = this.hw;
    const width = this.rowDims;
    const out = new Float32Array(n * width);
    if (mm === null) {
      const { pa, pb } = projectFaces(this.hw, embeddings.subarray(0, n * d));
      for (let i = 0; i < n; i++) {
        out.set(pa.subarray(i * h, (i + 1) * h), i * width);
        out.set(pb.subarray(i * h, (i + 1) * h), i * width + h);
      }
    } else {
      const y = await mm.multiply(embeddings, n, d, this.firstLayer(), 2 * h);
      for (let i = 0; i < n; i++) out.set(y.subarray(i * 2 * h, (i + 1) * 2 * h), i * width);
    }
    if (this.combine !== null) {
      const roots = rootNormalised(embeddings.subarray(0, n * d), SEED_EMBEDDING_DIM);
      for (let i = 0; i < n; i++) out.set(roots.subarray(i * d, (i + 1) * d), i * width + 2 * h);
    }
    return out;
  }

  /**
   * Pair inputs of n faces filled row by row (see rows()) as a cache reads them: `sink.put(i, row)`
   * splits face i's row into its two projections and root embedding, with no n-row copy between.
   */
  rowSink(n: number): { inputs: SeedPairInputs; sink: RowSink } {
    const { embeddingDim: d, hidden1: h } = this.hw;
    const pa = new Float32Array(n * h), pb = new Float32Array(n * h);
    const roots = this.combine !== null ? new Float32Array(n * d) : null;
    const sink: RowSink = {
      put(i, row) {
        pa.set(row.subarray(0, h), i * h);
        pb.set(row.subarray(h, 2 * h), i * h);
        roots?.set(row.subarray(2 * h, 2 * h + d), i * d);
      },
      clear() {
        pa.fill(0);
        pb.fill(0);
        roots?.fill(0);
      },
    };
    return { inputs: { proj: { n, hidden1: h, pa, pb }, roots }, sink };
  }

  /** The model's P(same person) of pairs (i[p], j[p]): as SeedEmbedder.scorePairs. */
  scorePairs(inputs: SeedPairInputs, i: Uint32Array, j: Uint32Array): Float32Array {
    const prob = scorePairs(inputs.proj, this.hw, i, j);
    const ba = scorePairs(inputs.proj, this.hw, j, i);
    for (let p = 0; p < prob.length; p++) prob[p] = (prob[p]! + ba[p]!) / 2;
    if (this.combine === null) return prob;
    if (inputs.roots === null) throw new Error('these pair inputs were projected without the root-normalised embeddings');
    const cos = rowCosines(inputs.roots, SEED_EMBEDDING_DIM, i, j);
    for (let p = 0; p < prob.length; p++) prob[p] = this.combine(prob[p]!, cos[p]!);
    return prob;
  }
}
