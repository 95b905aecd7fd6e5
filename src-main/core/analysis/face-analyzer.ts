import { dlibChipTransform, dlibMeanShape, DESCRIPTOR_CHIP_SIZE } from './align/dlib-chip.js';
import { loadFaceNets } from './face-models.js';
import { FACE_NETS, loadOnnxFaceNets, type OnnxFaceNet } from './onnx-face-nets.js';
import { landmarkBatch } from './landmark-input.js';
import { applySimilarity, fitSimilarity, iou, type Box, type Point } from './align/geometry.js';
import { lfwAlignTransform, LFW_CROP_SIZE } from './align/lfw-template.js';
import type { RgbImage } from './rgb-image.js';
import { warpSimilarity } from './align/warp.js';
import type { MlRuntime } from '../ml/runtime.js';
import { BlazeFaceDetector } from './detect/blazeface.js';
import { requestedDetector, type DetectorName } from './detect/detector-choice.js';
import { ssdLikeBox } from './detect/ssd-like-box.js';
import { OnnxTinyFaceDetector } from './detect/tiny-face-detector.js';

export interface AnalyzeOptions {
  /** SSD score below which a detection is dropped before any second look. */
  minDetectionScore: number;
  /** BlazeFace score below which a detection is dropped before any second look. */
  minBlazeFaceScore: number;
  /** Detections at or above this BlazeFace score need no second look. */
  sureBlazeFaceScore: number;
  /** BlazeFace also looks at 2x2 overlapping tiles of the photo (the small faces of a crowd). */
  tiles: boolean;
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
  minBlazeFaceScore: 0.5,
  sureBlazeFaceScore: 0.75,
  tiles: true,
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

interface Landmarked extends RawDetection {
  landmarks: Point[];
  shapeError: number;
  /** Its landmarks come from a second, larger box: the second look must confirm it whatever its score. */
  retried: boolean;
}

/** How much larger the box of a small BlazeFace detection whose landmark shape failed is made for a second try. */
const RETRY_SMALL_BOX_SCALE = 1.25;
/** The same for a sure detection of a larger face: its box misfits less. */
const RETRY_SURE_BOX_SCALE = 1.1;
/** Only boxes narrower than this (pixels of the decoded photo) get that second try: larger faces fit the first box. */
const RETRY_MAX_WIDTH = 48;

function scaleBox(box: Box, k: number): Box {
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  return { x: cx - (box.width * k) / 2, y: cy - (box.height * k) / 2, width: box.width * k, height: box.height * k };
}

/** The part of a box inside the image. */
function clipBox(box: Box, width: number, height: number): Box {
  const x = Math.max(0, box.x), y = Math.max(0, box.y);
  return { x, y, width: Math.min(width, box.x + box.width) - x, height: Math.min(height, box.y + box.height) - y };
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
  /** TF.js with face-api's nets, once loaded (at once for SSD or TF.js landmarks; else on the first second look). */
  private rt: MlRuntime | null = null;
  private rtLoading: Promise<MlRuntime> | null = null;

  private constructor(
    private readonly loadTfjs: () => Promise<MlRuntime>,
    private readonly blazeFace: BlazeFaceDetector | null,
    readonly options: AnalyzeOptions,
    /** The landmark and descriptor nets on onnxruntime (the same arithmetic, several times faster), or null: face-api's TF.js nets. */
    private readonly onnx: { landmarks: OnnxFaceNet; descriptor: OnnxFaceNet } | null,
    /** The second look's Tiny Face Detector on onnxruntime, or null: face-api's on TF.js. */
    private readonly tiny: OnnxTinyFaceDetector | null,
  ) {}

  /**
   * The detector is BlazeFace on onnxruntime-node where it loads, else SSD on TF.js;
   * `FACEPAIR_DETECTOR` (or `detector`) asks for one: a BlazeFace that cannot load is then an error.
   */
  static async load(options: Partial<AnalyzeOptions> & { detector?: DetectorName | 'auto' } = {}): Promise<FaceAnalyzer> {
    const { detector, ...rest } = options;
    const merged = { ...DEFAULT_ANALYZE_OPTIONS, ...rest };
    if (!(merged.minDetectionScore > 0 && merged.minDetectionScore < 1)) throw new Error('minDetectionScore must be in (0, 1)');
    if (!(merged.minBlazeFaceScore > 0 && merged.minBlazeFaceScore < 1)) throw new Error('minBlazeFaceScore must be in (0, 1)');
    const wanted = detector ?? requestedDetector();
    const [blazeFace, onnx, tiny] = await Promise.all([wanted === 'ssd' ? null : BlazeFaceDetector.load(), loadOnnxFaceNets(), OnnxTinyFaceDetector.load()]);
    if (wanted === 'blazeface' && blazeFace === null) {
      await onnx?.landmarks.dispose();
      await onnx?.descriptor.dispose();
      await tiny?.dispose();
      throw new Error('FACEPAIR_DETECTOR=blazeface, but onnxruntime-node or the BlazeFace model cannot load here');
    }
    const analyzer = new FaceAnalyzer(
      () => loadFaceNets({ ssd: blazeFace === null, landmarksAndDescriptor: onnx === null, tinyFaceDetector: tiny === null }),
      blazeFace,
      merged,
      onnx,
      tiny,
    );
    // With every net on onnxruntime, TF.js is never loaded (about half a second of each
    // worker's CPU, and a WebAssembly heap that grows by ~200 MB at the second look's 608 px
    // input and never shrinks). Without the Tiny Face Detector's ONNX file TF.js is needed only
    // by the second look, which few photos need (2 of 61 portraits, 2 of 18 group photos): it is
    // loaded for the first. SSD or TF.js landmarks need it for every photo.
    if (blazeFace === null || onnx === null) await analyzer.tfjs();
    return analyzer;
  }

  /** TF.js and the face-api nets this analyser runs on it, loaded once. */
  private async tfjs(): Promise<MlRuntime> {
    this.rtLoading ??= this.loadTfjs().then((rt) => (this.rt = rt));
    return this.rtLoading;
  }

  /** TF.js where it must already be loaded (SSD, or the landmark net without onnxruntime). */
  private get loadedRt(): MlRuntime {
    if (this.rt === null) throw new Error('TF.js is not loaded');
    return this.rt;
  }

  /** Releases the onnxruntime sessions (the TF.js nets are shared by the thread and stay). */
  async dispose(): Promise<void> {
    await this.onnx?.landmarks.dispose();
    await this.onnx?.descriptor.dispose();
    await this.blazeFace?.dispose();
    await this.tiny?.dispose();
  }

  /**
   * The TF.js backend, and `+onnxruntime` when the landmark and descriptor nets run there;
   * `onnxruntime` alone while TF.js has not been loaded (every net on onnxruntime, or no second look yet).
   */
  get backend(): string {
    if (this.rt === null) return 'onnxruntime';
    return this.onnx ? `${this.rt.backend}+onnxruntime` : this.rt.backend;
  }

  /** The detector that runs: BlazeFace on onnxruntime-node, or SSD MobileNet v1 on TF.js. */
  get detector(): DetectorName {
    return this.blazeFace ? 'blazeface' : 'ssd';
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
    const plausible: Landmarked[] = [];
    for (const f of found) {
      if (f.shapeError > this.options.maxShapeError) rejected.push({ box: f.box, score: f.score, shapeError: f.shapeError, reason: 'shape' });
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
  private async secondLook<T extends Landmarked>(
    img: RgbImage,
    candidates: T[],
    rejected: AnalyzeResult['rejected'],
    timings: AnalyzeTimings,
  ): Promise<T[]> {
    const sure = this.blazeFace ? this.options.sureBlazeFaceScore : this.options.sureDetectionScore;
    // At the photo's own size (in steps of 32): upscaled small photos confuse this detector.
    const inputSize = Math.max(160, Math.min(TINY_MAX_INPUT, Math.ceil(Math.max(img.width, img.height) / 32) * 32));
    const scale = inputSize / Math.max(img.width, img.height);
    const tooSmall = (c: T): boolean => Math.max(c.box.width, c.box.height) * scale < TINY_MIN_FACE;
    const isSure = (c: T): boolean => c.score >= sure && !c.retried;
    // Only an unsure detection the second detector can see needs it run (small ones keep the first word).
    if (candidates.every((c) => isSure(c) || tooSmall(c))) return candidates;
    const t0 = performance.now();
    let confirmations: Box[] = [];
    let confirmScores: number[] = [];
    if (this.tiny) {
      const tiny = await this.tiny.locateFaces(img, inputSize, this.options.minConfirmScore);
      confirmations = tiny.map((d) => d.box);
      confirmScores = tiny.map((d) => d.score);
      timings.detectMs += performance.now() - t0;
    } else {
      const { tf, faceapi } = await this.tfjs();
      const input = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
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
    }
    return candidates.filter((c) => {
      if (isSure(c)) return true;
      if (tooSmall(c)) return true;
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
    const { tf, faceapi } = this.loadedRt;
    const tensors = chips.map((c) => tf.tensor3d(c.data, [c.height, c.width, 3], 'int32'));
    try {
      const out = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(tensors as never);
      return Array.isArray(out) ? out : [out];
    } finally {
      for (const t of tensors) t.dispose();
    }
  }

  /** Boxes of the shape SSD gives (forehead to chin), in pixels of `img`, best first. */
  private async detect(img: RgbImage, input: () => unknown, tiles: boolean): Promise<RawDetection[]> {
    if (this.blazeFace) {
      const found = await this.blazeFace.detect(img, { minScore: this.options.minBlazeFaceScore, tiles: tiles && this.options.tiles });
      return found
        .sort((a, b) => b.score - a.score)
        .slice(0, this.options.maxFaces)
        .map((d) => ({ box: ssdLikeBox(d.box), score: d.score }));
    }
    const { faceapi } = this.loadedRt;
    const found = await faceapi.nets.ssdMobilenetv1.locateFaces(
      input() as never,
      new faceapi.SsdMobilenetv1Options({ minConfidence: this.options.minDetectionScore, maxResults: this.options.maxFaces }),
    );
    return found.map((d) => ({ box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }, score: d.score }));
  }

  /**
   * face-api's detectLandmarks with the net on onnxruntime: the same input (`landmarkBatch`: each
   * box clipped and floored, padded to a square about its centre, resized to 112 px) and the
   * same post-processing (undo the padding, scale to the crop, move to the crop's place).
   */
  private async landmarksOnnx(net: OnnxFaceNet, img: RgbImage, boxes: readonly Box[]): Promise<Point[][]> {
    const side = FACE_NETS.landmarks.inputSize;
    const { x, crops } = landmarkBatch(img, boxes, side);
    const out = await net.run(x, crops.length);
    return crops.map(({ x: ox, y: oy, width, height }, b) => {
      const scale = side / Math.max(width, height);
      const [w, h] = [width * scale, height * scale];
      const padX = w < h ? Math.abs(w - h) / 2 : 0;
      const padY = h < w ? Math.abs(w - h) / 2 : 0;
      const positions: Point[] = [];
      for (let k = 0; k < 68; k++) {
        const o = b * 136 + 2 * k;
        positions.push({ x: ((out[o]! * side - padX) / w) * width + ox, y: ((out[o + 1]! * side - padY) / h) * height + oy });
      }
      return positions;
    });
  }

  private async detectWithLandmarks(
    img: RgbImage,
    border: number,
    timings: AnalyzeTimings,
  ): Promise<Landmarked[]> {
    // The photo as a TF.js tensor only where TF.js runs (SSD, or the landmark net without onnxruntime).
    const held: { tensor: { dispose(): void } | null } = { tensor: null };
    const input = (): unknown => (held.tensor ??= this.loadedRt.tf.tensor3d(img.data, [img.height, img.width, 3], 'int32'));
    try {
      let t0 = performance.now();
      const detections = await this.detect(img, input, border === 0);
      timings.detectMs += performance.now() - t0;
      const usable = detections
        .map((d) => ({ ...d, box: clipBox(d.box, img.width, img.height) }))
        .filter((d) => d.box.width >= 8 && d.box.height >= 8);
      if (usable.length === 0) return [];

      t0 = performance.now();
      const found: Landmarked[] = (await this.landmarksIn(img, input, usable.map((d) => d.box))).map((m, i) => ({
        box: usable[i]!.box,
        score: usable[i]!.score,
        ...m,
        retried: false,
      }));
      // BlazeFace's box, made SSD-like, is a median fit: small faces fit the landmark net
      // better in a larger box (SSD's boxes of faces under 25 px are 1.4-1.9 times as tall as
      // BlazeFace's), and a sure detection of any size may misfit its box a little (LFW
      // portraits that SSD's box passed). Only those whose shape fails are looked at again, in
      // each retry box, the best fit kept; a face passed that way is confirmed by the second
      // look like an unsure one.
      if (this.blazeFace) {
        const failing = found.filter((f) => f.shapeError > this.options.maxShapeError);
        for (const [scale, wanted] of [
          [RETRY_SMALL_BOX_SCALE, (f: Landmarked) => f.box.width < RETRY_MAX_WIDTH],
          [RETRY_SURE_BOX_SCALE, (f: Landmarked) => f.box.width >= RETRY_MAX_WIDTH && f.score >= this.options.sureBlazeFaceScore],
        ] as const) {
          const failed = failing.filter(wanted);
          if (failed.length === 0) continue;
          const again = await this.landmarksIn(
            img,
            input,
            failed.map((f) => clipBox(scaleBox(f.box, scale), img.width, img.height)),
          );
          failed.forEach((f, i) => {
            if (again[i]!.shapeError < f.shapeError) Object.assign(f, again[i]!, { retried: true });
          });
        }
      }
      timings.landmarksMs += performance.now() - t0;

      return found.map((f) => ({
        ...f,
        box: { x: f.box.x - border, y: f.box.y - border, width: f.box.width, height: f.box.height },
        landmarks: f.landmarks.map((p) => ({ x: p.x - border, y: p.y - border })),
      }));
    } finally {
      held.tensor?.dispose();
    }
  }

  /** The 68 landmarks in each box (inside the image), in pixels of the image, one batch. */
  private async landmarksIn(img: RgbImage, input: () => unknown, boxes: readonly Box[]): Promise<Array<{ landmarks: Point[]; shapeError: number }>> {
    const marks = this.onnx ? await this.landmarksOnnx(this.onnx.landmarks, img, boxes) : await this.landmarksTfjs(input(), boxes);
    return marks.map((landmarks) => ({ landmarks, shapeError: landmarkShapeError(landmarks) }));
  }

  private async landmarksTfjs(input: unknown, boxes: readonly Box[]): Promise<Point[][]> {
    const { faceapi } = this.loadedRt;
    const rects = boxes.map((b) => new faceapi.Rect(b.x, b.y, b.width, b.height));
    const crops = await faceapi.extractFaceTensors(input as never, rects);
    let marks: Array<{ positions: Array<{ x: number; y: number }> }>;
    try {
      const out = await faceapi.nets.faceLandmark68Net.detectLandmarks(crops as never);
      marks = Array.isArray(out) ? out : [out];
    } finally {
      for (const c of crops) c.dispose();
    }
    return boxes.map((b, i) => {
      // extractFaceTensors cuts the box clipped at the image borders, floored.
      const ox = Math.floor(Math.max(0, b.x));
      const oy = Math.floor(Math.max(0, b.y));
      return marks[i]!.positions.map((p) => ({ x: p.x + ox, y: p.y + oy }));
    });
  }
}
