/**
 * The seed extractor on onnxruntime-node: the same arithmetic as TF.js (the export checks
 * 1e-4), about ten times faster on a CPU. Optional: where onnxruntime-node cannot load (a
 * platform it ships no library for) or the model has no ONNX file made from its current
 * weights, `load` answers null and the caller runs TF.js.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { fileSha256 } from '../../ml/file-sha256.js';
import { createOrtSession, loadOrt, type Ort, type OrtSession } from '../../ml/ort.js';
import { SEED_EMBEDDING_DIM, SEED_INPUT_SIZE } from './seed-architecture.js';

/** Beside seed.json in the model's folder. */
export const ONNX_EXTRACTOR_FILE = 'extractor.onnx';
/** The ONNX file's metadata key that records which extractor weights it was made from (also in `<file>.json`). */
export const ONNX_SHA_KEY = 'facepair.extractorWeightsSha256';

/** Beside the ONNX file: what it was made from, readable without parsing protobuf. */
export interface OnnxProvenance {
  extractorWeightsSha256: string;
  maxDifferenceFromTfjs: number;
  exportedAt: string;
}

async function recordedSha256(file: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(`${file}.json`, 'utf8')) as OnnxProvenance).extractorWeightsSha256;
  } catch {
    return null;
  }
}

export async function extractorWeightsSha256(modelDir: string): Promise<string> {
  return fileSha256(path.join(modelDir, 'extractor', 'weights.bin'));
}

export class OnnxExtractor {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
  ) {}

  /**
   * The model's ONNX extractor, or null (no onnxruntime, no file, or a file made from other
   * weights than `expectedSha256`'s; null skips that check, for the exporter's own test).
   * One intra-op thread by default: the pipeline runs one of these per worker, per core.
   */
  static async load(file: string, expectedSha256: string | null, threads = 1): Promise<OnnxExtractor | null> {
    if (!existsSync(file)) return null;
    if (expectedSha256 !== null && (await recordedSha256(file)) !== expectedSha256) return null;
    const ort = await loadOrt();
    if (ort === null) return null;
    const session = await createOrtSession(ort, file, threads);
    return new OnnxExtractor(ort, session);
  }

  /** Embeddings (n x 500) of n inputs, NHWC floats in [0, 1], as TF.js's extractor.predict. */
  async run(x: Float32Array, n: number): Promise<Float32Array> {
    const input = new this.ort.Tensor('float32', x.subarray(0, n * SEED_INPUT_SIZE * SEED_INPUT_SIZE * 3), [n, SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3]);
    const out = await this.session.run({ input });
    const emb = out.embedding;
    if (!emb || emb.dims[1] !== SEED_EMBEDDING_DIM) throw new Error('the ONNX extractor gave no 500-d embedding');
    return emb.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
