/**
 * face-api's Tiny Face Detector (the second look) on onnxruntime-node: the net exported by
 * `src-main/tools/export-faceapi-onnx.ts` (within 1e-4 of TF.js), with face-api's own input
 * (`toBatchTensor(inputSize, false)`: padded to a square at the end, resized bilinearly) and
 * post-processing (`extractBoxes`, then its non-maximum suppression at IoU 0.4) in JavaScript.
 * Where it runs, a scan never loads TF.js: about half a second of each worker's CPU and a
 * WebAssembly heap that grows by about 200 MB at a 608 px input and never shrinks.
 */
import type { Box } from '../align/geometry.js';
import { loadOnnxFaceNet, type OnnxFaceNet } from '../onnx-face-nets.js';
import type { RgbImage } from '../rgb-image.js';

/** face-api's TinyFaceDetector anchors (in grid cells) and suppression threshold. */
const ANCHORS: ReadonlyArray<readonly [number, number]> = [
  [1.603231, 2.094468],
  [6.041143, 7.080126],
  [2.882459, 3.518061],
  [4.266906, 5.178857],
  [9.041765, 10.66308],
];
const IOU_THRESHOLD = 0.4;
const BOX_ENCODING = 5;

export interface TinyDetection {
  /** In pixels of the image. */
  box: Box;
  score: number;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/**
 * NHWC floats 0–255 of side `inputSize`: the image padded with zeros after its last row or
 * column to a square, resized as TF's resizeBilinear (no aligned corners, no half-pixel centres).
 */
export function tinyFaceInput(img: RgbImage, inputSize: number, out = new Float32Array(inputSize * inputSize * 3)): Float32Array {
  const { data, width, height } = img;
  const size = Math.max(width, height);
  const ratio = size / inputSize;
  // Each output column's source columns and weight, and each row's, computed once (a source
  // pixel in the padding reads 0): the same values combined in the same order as per pixel.
  const ox0 = new Int32Array(inputSize), ox1 = new Int32Array(inputSize), dxs = new Float64Array(inputSize);
  for (let c = 0; c < inputSize; c++) {
    const fx = ratio * c;
    const x0 = Math.floor(fx), x1 = Math.min(size - 1, Math.ceil(fx));
    ox0[c] = x0 < width ? x0 * 3 : -1;
    ox1[c] = x1 < width ? x1 * 3 : -1;
    dxs[c] = fx - x0;
  }
  for (let r = 0; r < inputSize; r++) {
    const fy = ratio * r;
    const y0 = Math.floor(fy), y1 = Math.min(size - 1, Math.ceil(fy)), dy = fy - y0;
    const oy0 = y0 < height ? y0 * width * 3 : -1, oy1 = y1 < height ? y1 * width * 3 : -1;
    for (let c = 0; c < inputSize; c++) {
      const a = ox0[c]!, b = ox1[c]!, dx = dxs[c]!;
      const tlAt = oy0 < 0 || a < 0 ? -1 : oy0 + a, trAt = oy0 < 0 || b < 0 ? -1 : oy0 + b;
      const blAt = oy1 < 0 || a < 0 ? -1 : oy1 + a, brAt = oy1 < 0 || b < 0 ? -1 : oy1 + b;
      const o = (r * inputSize + c) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const tl = tlAt < 0 ? 0 : data[tlAt + ch]!, tr = trAt < 0 ? 0 : data[trAt + ch]!;
        const bl = blAt < 0 ? 0 : data[blAt + ch]!, br = brAt < 0 ? 0 : data[brAt + ch]!;
        const top = tl + (tr - tl) * dx;
        const bottom = bl + (br - bl) * dx;
        out[o + ch] = top + (bottom - top) * dy;
      }
    }
  }
  return out;
}

interface Relative {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** face-api's extractBoxes: boxes relative to the image, for cells scoring above `scoreThreshold`, in grid order. */
export function decodeTinyGrid(grid: Float32Array, cells: number, image: { width: number; height: number }, inputSize: number, scoreThreshold: number): Array<{ box: Relative; score: number }> {
  // computeReshapedDimensions: the image's size once scaled to fit the input.
  const k = inputSize / Math.max(image.width, image.height);
  const rw = Math.round(image.width * k), rh = Math.round(image.height * k);
  const side = Math.max(rw, rh);
  const cx = side / rw, cy = side / rh;
  const out: Array<{ box: Relative; score: number }> = [];
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < ANCHORS.length; a++) {
        const o = ((row * cells + col) * ANCHORS.length + a) * BOX_ENCODING;
        const score = sigmoid(grid[o + 4]!);
        if (!(score > scoreThreshold)) continue;
        const ctX = ((col + sigmoid(grid[o]!)) / cells) * cx;
        const ctY = ((row + sigmoid(grid[o + 1]!)) / cells) * cy;
        const w = ((Math.exp(grid[o + 2]!) * ANCHORS[a]![0]) / cells) * cx;
        const h = ((Math.exp(grid[o + 3]!) * ANCHORS[a]![1]) / cells) * cy;
        out.push({ box: { x: ctX - w / 2, y: ctY - h / 2, width: w, height: h }, score });
      }
    }
  }
  return out;
}

function iou(a: Relative, b: Relative): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** face-api's nonMaxSuppression (on boxes scaled to the input), best first. */
export function suppress(found: ReadonlyArray<{ box: Relative; score: number }>, inputSize: number): number[] {
  const boxes = found.map(({ box }) => ({ x: box.x * inputSize, y: box.y * inputSize, width: box.width * inputSize, height: box.height * inputSize }));
  let order = found.map((f, i) => ({ score: f.score, i })).sort((p, q) => p.score - q.score).map((p) => p.i);
  const pick: number[] = [];
  while (order.length > 0) {
    const best = order.pop()!;
    pick.push(best);
    order = order.filter((i) => iou(boxes[best]!, boxes[i]!) <= IOU_THRESHOLD);
  }
  return pick;
}

export class OnnxTinyFaceDetector {
  private constructor(private readonly net: OnnxFaceNet) {}

  /** null where onnxruntime, the ONNX file, or one made from the installed weights is missing. */
  static async load(dir?: string): Promise<OnnxTinyFaceDetector | null> {
    if (process.env.FACEPAIR_FACE_NETS === 'tfjs') return null;
    const net = await loadOnnxFaceNet('tinyFaceDetector', dir);
    return net === null ? null : new OnnxTinyFaceDetector(net);
  }

  /** face-api's `tinyFaceDetector.locateFaces(img, { inputSize, scoreThreshold })`: faces in pixels of the image. */
  async locateFaces(img: RgbImage, inputSize: number, scoreThreshold: number): Promise<TinyDetection[]> {
    if (inputSize % 32 !== 0) throw new Error(`the Tiny Face Detector's input side must be a multiple of 32 (got ${inputSize})`);
    const grid = await this.net.run(tinyFaceInput(img, inputSize), 1, inputSize);
    const cells = Math.round(Math.sqrt(grid.length / (ANCHORS.length * BOX_ENCODING)));
    const found = decodeTinyGrid(grid, cells, img, inputSize, scoreThreshold);
    return suppress(found, inputSize).map((i) => {
      const { box, score } = found[i]!;
      return { box: { x: box.x * img.width, y: box.y * img.height, width: box.width * img.width, height: box.height * img.height }, score };
    });
  }

  async dispose(): Promise<void> {
    await this.net.dispose();
  }
}
