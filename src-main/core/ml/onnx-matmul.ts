// A plain matrix product on onnxruntime-node (models/knn/matmul.onnx, made by
// src-main/tools/export-knn-onnx.ts): for products too large for a JS loop, such as the
// seed pair head's projection of 150,000 faces. Null where onnxruntime or the file is missing.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { createOrtSession, loadOrt, type Ort, type OrtSession as Session } from './ort.js';
import { modelsDir } from '../paths.js';


export class OnnxMatMul {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
  ) {}

  static async load(file = path.join(modelsDir(), 'knn', 'matmul.onnx'), threads = os.availableParallelism()): Promise<OnnxMatMul | null> {
    if (!existsSync(file)) return null;
    const ort = await loadOrt();
    if (ort === null) return null;
    try {
      return new OnnxMatMul(ort, await createOrtSession(ort, file, threads));
    } catch {
      return null;
    }
  }

  /** A (m x k, row-major) times B (k x n): m x n, row-major; in blocks of rows. */
  async multiply(a: Float32Array, m: number, k: number, b: Float32Array, n: number, blockRows = 8192): Promise<Float32Array> {
    const out = new Float32Array(m * n);
    const bt = new this.ort.Tensor('float32', b.subarray(0, k * n), [k, n]);
    for (let s = 0; s < m; s += blockRows) {
      const e = Math.min(m, s + blockRows);
      const r = await this.session.run({ a: new this.ort.Tensor('float32', a.subarray(s * k, e * k), [e - s, k]), b: bt });
      out.set(r.y!.data as Float32Array, s * n);
    }
    return out;
  }
}

let shared: Promise<OnnxMatMul | null> | undefined;

/** One per thread. */
export function onnxMatMul(): Promise<OnnxMatMul | null> {
  shared ??= OnnxMatMul.load();
  return shared;
}
