// The candidate search's arithmetic on onnxruntime-node: the graph models/knn/nearest.onnx
// (made by src-main/tools/export-knn-onnx.ts), one Gemm, run on blocks of queries.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createOrtSession, loadOrt, type Ort, type OrtSession as Session } from '../ml/ort.js';
import { modelsDir } from '../paths.js';


export function defaultKnnModelFile(): string {
  return path.join(modelsDir(), 'knn', 'nearest.onnx');
}

/** Base vectors as the graph takes them: n x d, with their negated squared norms. */
export interface BaseSet {
  vectors: Float32Array;
  negSq: Float32Array;
  n: number;
  dims: number;
}

export function baseSet(vectors: Float32Array, n: number, dims: number): BaseSet {
  const negSq = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0, o = i * dims; c < dims; c++) s += vectors[o + c]! * vectors[o + c]!;
    negSq[i] = -s;
  }
  return { vectors, negSq, n, dims };
}

export class OnnxNearest {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    /** The same with each row's k best (nearest-topk.onnx beside it), or null without that file. */
    private readonly topk: Session | null,
  ) {}

  /** Whether best() can run (else only scores()). */
  get hasTopK(): boolean {
    return this.topk !== null;
  }

  /** The graph on onnxruntime-node, or null where either is missing (the caller then runs TF.js). */
  static async load(file = defaultKnnModelFile(), threads = os.availableParallelism()): Promise<OnnxNearest | null> {
    if (!existsSync(file)) return null;
    const ort = await loadOrt();
    if (ort === null) return null;
    try {
      const session = await createOrtSession(ort, file, threads);
      const topkFile = path.join(path.dirname(file), 'nearest-topk.onnx');
      const topk = existsSync(topkFile) ? await createOrtSession(ort, topkFile, threads) : null;
      return new OnnxNearest(ort, session, topk);
    } catch {
      return null;
    }
  }

  /** The scores 2 q·b − |b|² of the m queries (row-major m x dims) against the base (m x n): the squared distance is |q|² − score. */
  async scores(queries: Float32Array, m: number, base: BaseSet): Promise<Float32Array> {
    const { Tensor } = this.ort;
    const feeds = {
      queries: new Tensor('float32', queries.subarray(0, m * base.dims), [m, base.dims]),
      base: new Tensor('float32', base.vectors.subarray(0, base.n * base.dims), [base.n, base.dims]),
      neg_base_sq: new Tensor('float32', base.negSq.subarray(0, base.n), [1, base.n]),
    };
    const out = await this.session.run(feeds);
    return out.score!.data as Float32Array;
  }

  /** The k (≤ base.n) best scores of each query row and their base indices, best first (m x k each); needs hasTopK. */
  async best(queries: Float32Array, m: number, base: BaseSet, k: number): Promise<{ score: Float32Array; index: BigInt64Array }> {
    if (this.topk === null) throw new Error('nearest-topk.onnx is missing');
    const { Tensor } = this.ort;
    const out = await this.topk.run({
      queries: new Tensor('float32', queries.subarray(0, m * base.dims), [m, base.dims]),
      base: new Tensor('float32', base.vectors.subarray(0, base.n * base.dims), [base.n, base.dims]),
      neg_base_sq: new Tensor('float32', base.negSq.subarray(0, base.n), [1, base.n]),
      k: new Tensor('int64', BigInt64Array.of(BigInt(k)), [1]),
    });
    return { score: out.values!.data as Float32Array, index: out.indices!.data as BigInt64Array };
  }

  async dispose(): Promise<void> {
    await this.session.release();
    await this.topk?.release();
  }
}
