/**
 * The arithmetic around MediaPipe's BlazeFace back-camera model (256x256 input), without the
 * runtime: its SSD anchors, the decoding of its raw outputs into scored boxes and six key
 * points, MediaPipe's weighted non-maximum suppression, and the square input it is given.
 */
import type { Box, Point } from '../align/geometry.js';
import type { RgbImage } from '../rgb-image.js';

export const BLAZEFACE_INPUT_SIZE = 256;
/** Floats per anchor in the regressor outputs: box (cx, cy, w, h), then six (x, y) key points. */
export const BLAZEFACE_COORDS = 16;
/** MediaPipe's suppression threshold for face detection. */
export const BLAZEFACE_NMS_IOU = 0.3;

/** The two anchor layers of the back model: 16x16 cells of 2 anchors (stride 16), 8x8 of 6 (stride 32). */
export const BLAZEFACE_LAYERS: ReadonlyArray<{ cells: number; anchorsPerCell: number }> = [
  { cells: 16, anchorsPerCell: 2 },
  { cells: 8, anchorsPerCell: 6 },
];

/** A face as the detector gives it, in whatever coordinates its caller works in. */
export interface FaceDetection {
  box: Box;
  score: number;
  /** Right eye, left eye, nose tip, mouth, right ear, left ear (as seen in the picture: its left first). */
  keypoints: Point[];
}

/** Anchor centres in [0, 1] of the model's input, in the order of its outputs (fixed-size anchors). */
export function blazeFaceAnchors(layer: { cells: number; anchorsPerCell: number }): Float32Array {
  const out = new Float32Array(layer.cells * layer.cells * layer.anchorsPerCell * 2);
  let i = 0;
  for (let y = 0; y < layer.cells; y++) {
    for (let x = 0; x < layer.cells; x++) {
      for (let a = 0; a < layer.anchorsPerCell; a++) {
        out[i++] = (x + 0.5) / layer.cells;
        out[i++] = (y + 0.5) / layer.cells;
      }
    }
  }
  return out;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-Math.max(-100, Math.min(100, x))));

/**
 * The detections of one anchor layer scoring at least `minScore`, in [0, 1] of the model's
 * input: each offset is in input pixels from its anchor's centre.
 */
export function decodeBlazeFaceLayer(scores: Float32Array, boxes: Float32Array, anchors: Float32Array, minScore: number): FaceDetection[] {
  const n = anchors.length / 2;
  if (scores.length !== n || boxes.length !== n * BLAZEFACE_COORDS) {
    throw new Error(`BlazeFace output of ${scores.length} scores and ${boxes.length} coordinates does not fit ${n} anchors`);
  }
  const s = 1 / BLAZEFACE_INPUT_SIZE;
  const out: FaceDetection[] = [];
  for (let i = 0; i < n; i++) {
    const score = sigmoid(scores[i]!);
    if (score < minScore) continue;
    const ax = anchors[2 * i]!, ay = anchors[2 * i + 1]!;
    const b = i * BLAZEFACE_COORDS;
    const cx = ax + boxes[b]! * s, cy = ay + boxes[b + 1]! * s;
    const w = boxes[b + 2]! * s, h = boxes[b + 3]! * s;
    if (!(w > 0 && h > 0)) continue;
    const keypoints: Point[] = [];
    for (let k = 0; k < 6; k++) keypoints.push({ x: ax + boxes[b + 4 + 2 * k]! * s, y: ay + boxes[b + 5 + 2 * k]! * s });
    out.push({ box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, score, keypoints });
  }
  return out;
}

function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * MediaPipe's weighted non-maximum suppression: the best detection left and every one
 * overlapping it by more than `iouThreshold` become one, their boxes and key points averaged
 * with their scores as weights, scored as the best of them.
 */
export function weightedNms(detections: readonly FaceDetection[], iouThreshold = BLAZEFACE_NMS_IOU): FaceDetection[] {
  let left = [...detections].sort((a, b) => b.score - a.score);
  const out: FaceDetection[] = [];
  while (left.length > 0) {
    const top = left[0]!;
    const group: FaceDetection[] = [];
    const rest: FaceDetection[] = [];
    for (const d of left) (d === top || boxIou(top.box, d.box) > iouThreshold ? group : rest).push(d);
    left = rest;
    if (group.length === 1) {
      out.push(top);
      continue;
    }
    let total = 0, x = 0, y = 0, r = 0, btm = 0;
    const keypoints = top.keypoints.map(() => ({ x: 0, y: 0 }));
    for (const d of group) {
      total += d.score;
      x += d.box.x * d.score;
      y += d.box.y * d.score;
      r += (d.box.x + d.box.width) * d.score;
      btm += (d.box.y + d.box.height) * d.score;
      d.keypoints.forEach((p, k) => {
        keypoints[k]!.x += p.x * d.score;
        keypoints[k]!.y += p.y * d.score;
      });
    }
    out.push({
      box: { x: x / total, y: y / total, width: (r - x) / total, height: (btm - y) / total },
      score: top.score,
      keypoints: keypoints.map((p) => ({ x: p.x / total, y: p.y / total })),
    });
  }
  return out;
}

/** Where a region of the photo lies in the model's square input: scaled to fit, centred. */
export interface Letterbox {
  region: Box;
  /** Input pixels per photo pixel. */
  scale: number;
  padX: number;
  padY: number;
}

export function letterbox(region: Box): Letterbox {
  const scale = BLAZEFACE_INPUT_SIZE / Math.max(region.width, region.height);
  return {
    region,
    scale,
    padX: (BLAZEFACE_INPUT_SIZE - region.width * scale) / 2,
    padY: (BLAZEFACE_INPUT_SIZE - region.height * scale) / 2,
  };
}

/**
 * The model's input for a region of the photo: NHWC floats in [-1, 1], the region scaled to
 * fit (each input pixel the mean of the photo pixels it covers, or bilinear when enlarged),
 * black around it.
 */
export function blazeFaceInput(img: RgbImage, lb: Letterbox, out = new Float32Array(BLAZEFACE_INPUT_SIZE * BLAZEFACE_INPUT_SIZE * 3)): Float32Array {
  const size = BLAZEFACE_INPUT_SIZE;
  out.fill(-1);
  const { region, scale, padX, padY } = lb;
  const x0 = Math.ceil(padX - 1e-6), x1 = Math.floor(size - padX + 1e-6);
  const y0 = Math.ceil(padY - 1e-6), y1 = Math.floor(size - padY + 1e-6);
  const step = 1 / scale;
  const { data, width, height } = img;
  const k = 2 / 255;
  if (x1 <= x0 || y1 <= y0) return out;
  // Each column's and each row's source span, computed once (the same figures as per pixel:
  // this is five passes a photo, 40 of its ~110 ms of detection when computed per pixel).
  const cols = x1 - x0;
  const sxs = new Float64Array(cols);
  const axs = new Int32Array(cols), bxs = new Int32Array(cols);
  for (let ox = x0; ox < x1; ox++) {
    const sx0 = region.x + (ox - padX) * step;
    sxs[ox - x0] = sx0;
    const ax = Math.max(0, Math.floor(sx0));
    axs[ox - x0] = ax;
    bxs[ox - x0] = Math.min(width, Math.max(ax + 1, Math.floor(sx0 + step)));
  }
  for (let oy = y0; oy < y1; oy++) {
    const sy0 = region.y + (oy - padY) * step;
    let o = (oy * size + x0) * 3;
    if (step > 1) {
      // Area mean over the photo pixels this input pixel covers (whole-number sums: exact in any order).
      const ay = Math.max(0, Math.floor(sy0)), by = Math.min(height, Math.max(ay + 1, Math.floor(sy0 + step)));
      for (let c = 0; c < cols; c++, o += 3) {
        const ax = axs[c]!, bx = bxs[c]!;
        let r = 0, g = 0, b = 0;
        for (let yy = ay; yy < by; yy++) {
          let p = (yy * width + ax) * 3;
          const end = (yy * width + bx) * 3;
          for (; p < end; p += 3) {
            r += data[p]!;
            g += data[p + 1]!;
            b += data[p + 2]!;
          }
        }
        const n = (bx - ax) * (by - ay);
        r /= n; g /= n; b /= n;
        out[o] = r * k - 1;
        out[o + 1] = g * k - 1;
        out[o + 2] = b * k - 1;
      }
    } else {
      // Bilinear at the input pixel's centre.
      const fy = Math.min(height - 1, Math.max(0, sy0 + step / 2 - 0.5));
      const iy = Math.floor(fy);
      const jy = Math.min(height - 1, iy + 1);
      const ty = fy - iy;
      for (let c = 0; c < cols; c++, o += 3) {
        const fx = Math.min(width - 1, Math.max(0, sxs[c]! + step / 2 - 0.5));
        const ix = Math.floor(fx);
        const jx = Math.min(width - 1, ix + 1);
        const tx = fx - ix;
        const p00 = (iy * width + ix) * 3, p01 = (iy * width + jx) * 3, p10 = (jy * width + ix) * 3, p11 = (jy * width + jx) * 3;
        for (let ch = 0; ch < 3; ch++) {
          const v = (data[p00 + ch]! * (1 - tx) + data[p01 + ch]! * tx) * (1 - ty) + (data[p10 + ch]! * (1 - tx) + data[p11 + ch]! * tx) * ty;
          out[o + ch] = v * k - 1;
        }
      }
    }
  }
  return out;
}

/** A detection in [0, 1] of the input, back in photo pixels. */
export function toPhoto(d: FaceDetection, lb: Letterbox): FaceDetection {
  const size = BLAZEFACE_INPUT_SIZE;
  const px = (u: number): number => lb.region.x + (u * size - lb.padX) / lb.scale;
  const py = (v: number): number => lb.region.y + (v * size - lb.padY) / lb.scale;
  return {
    box: { x: px(d.box.x), y: py(d.box.y), width: (d.box.width * size) / lb.scale, height: (d.box.height * size) / lb.scale },
    score: d.score,
    keypoints: d.keypoints.map((p) => ({ x: px(p.x), y: py(p.y) })),
  };
}
