/**
 * face-api's 68-point landmark net and 128-d descriptor net on onnxruntime-node: the same
 * arithmetic as TF.js (the exporter, `src-main/tools/export-faceapi-onnx.ts`, checks 1e-4 on
 * real faces), several times faster on a CPU than tfjs-wasm. Optional: where onnxruntime-node
 * cannot load, or the ONNX files were made from other weights than the installed face-api's,
 * `load` answers null and the analyser runs TF.js.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { fileSha256 } from '../ml/file-sha256.js';
import { createOrtSession, loadOrt, type Ort, type OrtSession as Session } from '../ml/ort.js';
import { modelsDir } from '../paths.js';
import { faceApiModelDir } from './face-models.js';


export const LANDMARK_INPUT_SIZE = 112;
export const DESCRIPTOR_INPUT_SIZE = 150;

/**
 * What each ONNX file is made from: the face-api weights file, and the ONNX file's name in
 * models/face-api/. `maxBatch`: the most inputs one onnxruntime run takes; a larger batch is run in parts. The
 * arena keeps the largest batch's activations for the session's life (a crowd's 25 faces at
 * once: +116 MB for the landmark net, +46 MB for the descriptor, each a fresh page costing
 * CPU on first touch), and small batches run faster besides (their activations stay in the
 * cache): 250 faces on one thread, landmarks 1.0-1.1 ms a face in batches of 1-2 against
 * 1.6 in 8s and 7 in 25s; the descriptor 3.3 ms in 8s, 3.4 in 4s, 4.1 in 1s.
 */
export const FACE_NETS = {
  landmarks: { weights: 'face_landmark_68_model.bin', onnx: 'landmarks68.onnx', inputSize: LANDMARK_INPUT_SIZE, outputs: 136, maxBatch: 2 },
  descriptor: { weights: 'face_recognition_model.bin', onnx: 'descriptor128.onnx', inputSize: DESCRIPTOR_INPUT_SIZE, outputs: 128, maxBatch: 8 },
  /**
   * The second look's Tiny Face Detector: any input side that is a multiple of 32 (the export
   * checks it at this one); per cell of its grid, 5 anchors x (x, y, w, h, score), NHWC.
   */
  tinyFaceDetector: { weights: 'tiny_face_detector_model.bin', onnx: 'tiny_face_detector.onnx', inputSize: 416, outputs: 25, maxBatch: 1 },
} as const;
export type FaceNetName = keyof typeof FACE_NETS;

/** 2: the scale layers folded into the convolutions. */
export const EXPORT_FORMAT = 2;

/** Beside each ONNX file as `<file>.json`. */
export interface FaceNetProvenance {
  /** How the graph was written (EXPORT_FORMAT): a build remakes a file of an older format. */
  format?: number;
  faceApiWeightsSha256: string;
  maxDifferenceFromTfjs: number;
  exportedAt: string;
}

export function faceNetsOnnxDir(): string {
  return path.join(modelsDir(), 'face-api');
}

export async function faceApiWeightsSha256(net: FaceNetName): Promise<string> {
  return fileSha256(path.join(faceApiModelDir(), FACE_NETS[net].weights));
}

async function recordedSha256(file: string): Promise<string | null> {
  try {
    return (JSON.parse(await readFile(`${file}.json`, 'utf8')) as FaceNetProvenance).faceApiWeightsSha256;
  } catch {
    return null;
  }
}

/** One net's session: NHWC float input as face-api's `toBatchTensor` gives it (0–255, padded square, resized). */
export class OnnxFaceNet {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
    readonly net: FaceNetName,
  ) {}

  /** null when onnxruntime, the file, or a file made from the installed weights is missing (`expectedSha256` null skips that check). */
  static async load(net: FaceNetName, file: string, expectedSha256: string | null, threads = 1): Promise<OnnxFaceNet | null> {
    if (!existsSync(file)) return null;
    if (expectedSha256 !== null && (await recordedSha256(file)) !== expectedSha256) return null;
    const ort = await loadOrt();
    if (ort === null) return null;
    const session = await createOrtSession(ort, file, threads);
    return new OnnxFaceNet(ort, session, net);
  }

  /**
   * The net's raw output for n inputs of side `side` (the net's `inputSize` unless it takes
   * any): n x 136, n x 128, or for the Tiny Face Detector n x cells x cells x 25.
   */
  async run(x: Float32Array, n: number, side: number = FACE_NETS[this.net].inputSize): Promise<Float32Array> {
    const inputSize = side * side * 3;
    const batch = FACE_NETS[this.net].maxBatch;
    if (n <= batch) return this.runBatch(x.subarray(0, n * inputSize), n, side);
    // Each input's output is the same bit for bit in any batch (tests/integration/onnx-face-nets.test.ts).
    let result: Float32Array | null = null;
    for (let k = 0; k < n; k += batch) {
      const m = Math.min(batch, n - k);
      const part = await this.runBatch(x.subarray(k * inputSize, (k + m) * inputSize), m, side);
      result ??= new Float32Array((part.length / m) * n);
      result.set(part, (part.length / m) * k);
    }
    return result!;
  }

  private async runBatch(x: Float32Array, n: number, side: number): Promise<Float32Array> {
    const { outputs } = FACE_NETS[this.net];
    const input = new this.ort.Tensor('float32', x, [n, side, side, 3]);
    const out = (await this.session.run({ input })).output;
    if (!out || out.dims[out.dims.length - 1] !== outputs) throw new Error(`the ONNX ${this.net} net gave no ${outputs} outputs`);
    return out.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** One net's file in `dir`, or null (no onnxruntime, no file, or one made from other weights). */
export async function loadOnnxFaceNet(net: FaceNetName, dir = faceNetsOnnxDir()): Promise<OnnxFaceNet | null> {
  return OnnxFaceNet.load(net, path.join(dir, FACE_NETS[net].onnx), await faceApiWeightsSha256(net));
}

/** Both nets on onnxruntime, or null (the analyser then runs face-api's TF.js nets). */
export async function loadOnnxFaceNets(dir = faceNetsOnnxDir()): Promise<{ landmarks: OnnxFaceNet; descriptor: OnnxFaceNet } | null> {
  if (process.env.FACEPAIR_FACE_NETS === 'tfjs') return null;
  const [landmarks, descriptor] = await Promise.all((['landmarks', 'descriptor'] as const).map((net) => loadOnnxFaceNet(net, dir)));
  if (!landmarks || !descriptor) {
    await landmarks?.dispose();
    await descriptor?.dispose();
    return null;
  }
  return { landmarks, descriptor };
}
