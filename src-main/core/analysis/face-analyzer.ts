import { dlibChipTransform, dlibMeanShape, DESCRIPTOR_CHIP_SIZE } from './align/dlib-chip.js';
import { loadFaceNets } from './face-models.js';
import { FACE_NETS, loadOnnxFaceNets, type OnnxFaceNet } from './onnx-face-nets.js';
import { applySimilarity, fitSimilarity, iou, type Box, type Point } from './align/geometry.js';
import { lfwAlignTransform, LFW_CROP_SIZE } from './align/lfw-template.js';
import type { RgbImage } from './rgb-image.js';
import { warpSimilarity } from './align/warp.js';
import type { MlRuntime } from '../ml/runtime.js';

export interface AnalyzeOptions {
  /** SSD score below which a detection is dropped before any second look. */
  minDetectionScore: number;
  /** Landmark fit error (RMS, in face widths) above which a detection is not a human face. */
  maxShapeError: number;
  /** Detections at or above this SSD score need no second look. */
  sureDetectionScore: number;
  /** Score the second detector (Tiny Face Detector) must give an unsure detection to keep it. */
  minConfirmScore: number;
  /** Detect again on the image padded with a border when nothing was found (close-ups). */
  paddedRetry: boolean;
  maxFaces: number;
}

export const DEFAULT_ANALYZE_OPTIONS: AnalyzeOptions = {
  minDetectionScore: 0.3,
  maxShapeError: 0.1,
  sureDetectionScore: 0.9,
  minConfirmScore: 0.5,
  paddedRetry: true,
  maxFaces: 100,
};

export interface AnalyzedFace {
  box: Box;
  score: number;
  landmarks: Point[];
  /** RMS distance of the 51 inner landmarks from dlib's mean face after a similarity fit, in face widths. */
  shapeError: number;
  /** Found only on the image padded with a border. */
  foundPadded: boolean;
  descriptor: Float32Array;
  /** 250x250 crop aligned onto the LFW template (input of the seed model). */
  aligned: RgbImage;
}

export interface AnalyzeTimings {
  detectMs: number;
  landmarksMs: number;
  alignMs: number;
  embedMs: number;
}

export interface AnalyzeResult {
  faces: AnalyzedFace[];
  /** Detections dropped by the second look, for diagnostics. */
  rejected: Array<{ box: Box; score: number; shapeError: number; reason: 'shape' | 'unconfirmed' }>;
  timings: AnalyzeTimings;
}

const TINY_MAX_INPUT = 608;
const TINY_MIN_FACE = 64;

interface RawDetection {
  box: Box;
  score: number;
}

function padImage(img: RgbImage, border: number): RgbImage {
  const width = img.width + 2 * border;
  const height = img.height + 2 * border;
  const data = new Uint8Array(width * height * 3);
  const rowBytes = img.width * 3;
  for (let y = 0; y < img.height; y++) {
    data.set(img.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((y + border) * width + border) * 3);
  }
  return { data, width, height };
}

/** Similarity fit of the inner landmarks onto dlib's mean face: large residuals mean "not a face". */
export function landmarkShapeError(landmarks: readonly Point[]): number {
  const mean = dlibMeanShape(1);
  const inner = landmarks.slice(17);
  const t = fitSimilarity(inner, mean);
  let sum = 0;
  for (let i = 0; i < inner.length; i++) {
    const p = applySimilarity(t, inner[i]!);
    sum += (p.x - mean[i]!.x) ** 2 + (p.y - mean[i]!.y) ** 2;
  }
  return Math.sqrt(sum / inner.length);
}

/**
 * Finds faces in one decoded photo: SSD detection, 68 landmarks, a shape check that drops
 * non-faces (pets, patterns), dlib-style alignment and the 128-d descriptor. Batches the
 * landmark and descriptor nets over all faces of the photo.
 */
// face-api declares its own copy of the tfjs types; the runtime objects are the same, hence the casts.
export class FaceAnalyzer {
  private constructor(
    private readonly rt: MlRuntime,
    readonly options: AnalyzeOptions,
    /** The landmark and descriptor nets on onnxruntime (the same arithmetic, several times faster), or null: face-api's TF.js nets. */
    private readonly onnx: { landmarks: OnnxFaceNet; descriptor: OnnxFaceNet } | null,
  ) {}

  static async load(options: Partial<AnalyzeOptions> = {}): Promise<FaceAnalyzer> {
    const merged = { ...DEFAULT_ANALYZE_OPTIONS, ...options };
    if (!(merged.minDetectionScore > 0 && merged.minDetectionScore < 1)) throw new Error('minDetectionScore must be in (0, 1)');
    const [rt, onnx] = await Promise.all([loadFaceNets(), loadOnnxFaceNets()]);
    return new FaceAnalyzer(rt, merged, onnx);
  }

  /** Releases the onnxruntime sessions (the TF.js nets are shared by the thread and stay). */
  async dispose(): Promise<void> {
    await this.onnx?.landmarks.dispose();
    await this.onnx?.descriptor.dispose();
  }

  /** The TF.js backend, and `+onnxruntime` when the landmark and descriptor nets run there. */
  get backend(): string {
    return this.onnx ? `${this.rt.backend}+onnxruntime` : this.rt.backend;
  }

  async analyze(img: RgbImage): Promise<AnalyzeResult> {
    const timings: AnalyzeTimings = { detectMs: 0, landmarksMs: 0, alignMs: 0, embedMs: 0 };
    let found = await this.detectWithLandmarks(img, 0, timings);
    let foundPadded = false;
    if (found.length === 0 && this.options.paddedRetry) {
      const border = Math.round(0.5 * Math.max(img.width, img.height));
      found = await this.detectWithLandmarks(padImage(img, border), border, timings);
      foundPadded = true;
    }
    const rejected: AnalyzeResult['rejected'] = [];
    const plausible: Array<RawDetection & { landmarks: Point[]; shapeError: number }> = [];
    for (const f of found) {
      if (f.shapeError > this.options.maxShapeError) rejected.push({ ...f, reason: 'shape' });
      else plausible.push(f);
    }
    const kept = await this.secondLook(img, plausible, rejected, timings);
    if (kept.length === 0) return { faces: [], rejected, timings };

    let t0 = performance.now();
    const chips = kept.map((f) => warpSimilarity(img, dlibChipTransform(f.landmarks), DESCRIPTOR_CHIP_SIZE, DESCRIPTOR_CHIP_SIZE));
    const aligned = kept.map((f) => warpSimilarity(img, lfwAlignTransform(f.landmarks), LFW_CROP_SIZE, LFW_CROP_SIZE));
    timings.alignMs += performance.now() - t0;

    t0 = performance.now();
    const descriptors = await this.describeChips(chips);
    timings.embedMs += performance.now() - t0;

    const faces = kept.map((f, i) => ({
      box: f.box,
      score: f.score,
      landmarks: f.landmarks,
      shapeError: f.shapeError,
      foundPadded,
      descriptor: descriptors[i]!,
      aligned: aligned[i]!,
    }));
    return { faces, rejected, timings };
  }

  /**
   * SSD gives pets and patterns scores as high as those of blurred or turned real faces, so
   * an unsure detection must also be found by a second, differently trained detector. The
   * Tiny Face Detector misses faces under about 64 px at its input size, so those keep
   * SSD's word (the landmark shape check has already run on them).
   */
  private async secondLook<T extends RawDetection & { shapeError: number }>(
    img: RgbImage,
    candidates: T[],
    rejected: AnalyzeResult['rejected'],
    timings: AnalyzeTimings,
  ): Promise<T[]> {
    const unsure = candidates.filter((c) => c.score < this.options.sureDetectionScore);
    if (unsure.length === 0) return candidates;
    const { tf, faceapi } = this.rt;
    const t0 = performance.now();
    // At the photo's own size (in steps of 32): upscaled small photos confuse this detector.
    const inputSize = Math.max(160, Math.min(TINY_MAX_INPUT, Math.ceil(Math.max(img.width, img.height) / 32) * 32));
    const scale = inputSize / Math.max(img.width, img.height);
    const input = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    let confirmations: Box[] = [];
    let confirmScores: number[] = [];
    try {
      const tiny = await faceapi.nets.tinyFaceDetector.locateFaces(
        input as never,
        new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: this.options.minConfirmScore }),
      );
      confirmations = tiny.map((d) => ({ x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }));
      confirmScores = tiny.map((d) => d.score);
    } finally {
      input.dispose();
      timings.detectMs += performance.now() - t0;
    }
    return candidates.filter((c) => {
      if (c.score >= this.options.sureDetectionScore) return true;
      if (Math.max(c.box.width, c.box.height) * scale < TINY_MIN_FACE) return true;
      const confirmed = confirmations.some((b, i) => confirmScores[i]! >= this.options.minConfirmScore && iou(b, c.box) > 0.3);
      if (!confirmed) rejected.push({ box: c.box, score: c.score, shapeError: c.shapeError, reason: 'unconfirmed' });
      return confirmed;
    });
  }

  /** 128-d descriptors of 150x150 chips, one batch. */
  async describeChips(chips: readonly RgbImage[]): Promise<Float32Array[]> {
    if (chips.length === 0) return [];
    if (this.onnx) {
      const side = FACE_NETS.descriptor.inputSize;
      const x = new Float32Array(chips.length * side * side * 3);
      chips.forEach((c, i) => {
        if (c.width !== side || c.height !== side) throw new Error(`a descriptor chip must be ${side}x${side}`);
        x.set(c.data, i * side * side * 3);
      });
      const out = await this.onnx.descriptor.run(x, chips.length);
      return chips.map((_, i) => out.slice(i * 128, (i + 1) * 128));
    }
    const { tf, faceapi } = this.rt;
    const tensors = chips.map((c) => tf.tensor3d(c.data, [c.height, c.width, 3], 'int32'));
    try {
      const out = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(tensors as never);
      return Array.isArray(out) ? out : [out];
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  /**
   * face-api's detectLandmarks with the net on onnxruntime: the same input (each crop padded to
   * a square about its centre and resized to 112 px by face-api's own TF.js ops) and the same
   * post-processing (undo the padding, then scale to the crop).
   */
  private async landmarksOnnx(net: OnnxFaceNet, crops: Parameters<MlRuntime['faceapi']['toNetInput']>[0]): Promise<Array<{ positions: Point[] }>> {
    const { tf, faceapi } = this.rt;
    const side = FACE_NETS.landmarks.inputSize;
    const netInput = await faceapi.toNetInput(crops);
    const batch = tf.tidy(() => tf.cast(netInput.toBatchTensor(side, true) as unknown as import('@tensorflow/tfjs').Tensor, 'float32'));
    let x: Float32Array;
    try {
      x = (await batch.data()) as Float32Array;
    } finally {
      batch.dispose();
    }
    const n = netInput.batchSize;
    const out = await net.run(x, n);
    return Array.from({ length: n }, (_, b) => {
      const [height, width] = [netInput.getInputHeight(b), netInput.getInputWidth(b)];
      const scale = side / Math.max(width, height);
      const [w, h] = [width * scale, height * scale];
      const padX = w < h ? Math.abs(w - h) / 2 : 0;
      const padY = h < w ? Math.abs(w - h) / 2 : 0;
      const positions: Point[] = [];
      for (let k = 0; k < 68; k++) {
        const o = b * 136 + 2 * k;
        positions.push({ x: ((out[o]! * side - padX) / w) * width, y: ((out[o + 1]! * side - padY) / h) * height });
      }
      return { positions };
    });
  }

  private async detectWithLandmarks(
    img: RgbImage,
    border: number,
    timings: AnalyzeTimings,
  ): Promise<Array<RawDetection & { landmarks: Point[]; shapeError: number }>> {
    const { tf, faceapi } = this.rt;
    const input = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    try {
      let t0 = performance.now();
      const detections = await faceapi.nets.ssdMobilenetv1.locateFaces(
        input as never,
        new faceapi.SsdMobilenetv1Options({ minConfidence: this.options.minDetectionScore, maxResults: this.options.maxFaces }),
      );
      timings.detectMs += performance.now() - t0;
      const usable = detections.filter((d) => d.box.width >= 8 && d.box.height >= 8);
      if (usable.length === 0) return [];

      t0 = performance.now();
      const crops = await faceapi.extractFaceTensors(input as never, usable);
      let marks: Array<{ positions: Array<{ x: number; y: number }> }>;
      try {
        if (this.onnx) marks = await this.landmarksOnnx(this.onnx.landmarks, crops as never);
        else {
          const out = await faceapi.nets.faceLandmark68Net.detectLandmarks(crops as never);
          marks = Array.isArray(out) ? out : [out];
        }
      } finally {
        for (const c of crops) c.dispose();
      }
      timings.landmarksMs += performance.now() - t0;

      return usable.map((d, i) => {
        // extractFaceTensors cuts the box clipped at the image borders, floored.
        const ox = Math.floor(Math.max(0, d.box.x)) - border;
        const oy = Math.floor(Math.max(0, d.box.y)) - border;
        const landmarks = marks[i]!.positions.map((p) => ({ x: p.x + ox, y: p.y + oy }));
        return {
          box: { x: d.box.x - border, y: d.box.y - border, width: d.box.width, height: d.box.height },
          score: d.score,
          landmarks,
          shapeError: landmarkShapeError(landmarks),
        };
      });
    } finally {
      input.dispose();
    }
  }
}
