/**
 * MediaPipe's BlazeFace back-camera detector (models/blazeface, Apache-2.0) on onnxruntime-node:
 * one pass over the whole photo, and one over each of 2x2 overlapping tiles so that the small
 * faces of a crowd are seen at a larger scale; everything merged by weighted suppression.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { createOrtSession, loadOrt, type Ort, type OrtSession } from '../../ml/ort.js';
import { modelsDir } from '../../paths.js';
import type { Box } from '../align/geometry.js';
import type { RgbImage } from '../rgb-image.js';
import {
  BLAZEFACE_INPUT_SIZE,
  BLAZEFACE_LAYERS,
  blazeFaceAnchors,
  blazeFaceInput,
  decodeBlazeFaceLayer,
  letterbox,
  toPhoto,
  weightedNms,
  type FaceDetection,
} from './blazeface-decode.js';

export const BLAZEFACE_MODEL_FILE = 'face_detection_back_256x256_barracuda.onnx';

export function blazeFaceModelFile(): string {
  return path.join(modelsDir(), 'blazeface', BLAZEFACE_MODEL_FILE);
}

/** Each tile's share of the photo's width and height: neighbours overlap by a fifth of the photo. */
export const TILE_SHARE = 0.6;
/** A tile's detection this close to an edge it shares with the rest of the photo (in tile widths) may be a cut face: left to the other passes. */
const CUT_MARGIN = 0.01;

/** The 2x2 overlapping tiles of a photo of this size. */
export function tilesOf(width: number, height: number, share = TILE_SHARE): Box[] {
  const tw = Math.round(width * share), th = Math.round(height * share);
  const out: Box[] = [];
  for (const y of [0, height - th]) for (const x of [0, width - tw]) out.push({ x, y, width: tw, height: th });
  return out;
}

/** Whether a detection touches an edge of its tile that lies inside the photo. */
function cutByTile(d: FaceDetection, tile: Box, width: number, height: number): boolean {
  const m = CUT_MARGIN * Math.max(tile.width, tile.height);
  const { box } = d;
  return (
    (tile.x > 0 && box.x < tile.x + m) ||
    (tile.y > 0 && box.y < tile.y + m) ||
    (tile.x + tile.width < width && box.x + box.width > tile.x + tile.width - m) ||
    (tile.y + tile.height < height && box.y + box.height > tile.y + tile.height - m)
  );
}

export interface BlazeFaceOptions {
  minScore: number;
  /** Also look at 2x2 overlapping tiles (small faces). */
  tiles: boolean;
}

export class BlazeFaceDetector {
  private readonly anchors = BLAZEFACE_LAYERS.map(blazeFaceAnchors);
  private readonly input = new Float32Array(BLAZEFACE_INPUT_SIZE * BLAZEFACE_INPUT_SIZE * 3);

  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
  ) {}

  /** The detector, or null where onnxruntime-node cannot load or the model file is missing. */
  static async load(file = blazeFaceModelFile(), threads = 1): Promise<BlazeFaceDetector | null> {
    if (!existsSync(file)) return null;
    const ort = await loadOrt();
    if (ort === null) return null;
    return new BlazeFaceDetector(ort, await createOrtSession(ort, file, threads));
  }

  /** Faces in one region of the photo, in photo pixels, suppressed within the region. */
  async detectRegion(img: RgbImage, region: Box, minScore: number): Promise<FaceDetection[]> {
    const lb = letterbox(region);
    blazeFaceInput(img, lb, this.input);
    const [name] = this.session.inputNames;
    const out = await this.session.run({ [name!]: new this.ort.Tensor('float32', this.input, [1, BLAZEFACE_INPUT_SIZE, BLAZEFACE_INPUT_SIZE, 3]) });
    const [s1, s2, b1, b2] = this.session.outputNames.map((n) => out[n]!.data as Float32Array);
    const found = [
      ...decodeBlazeFaceLayer(s1!, b1!, this.anchors[0]!, minScore),
      ...decodeBlazeFaceLayer(s2!, b2!, this.anchors[1]!, minScore),
    ];
    return weightedNms(found).map((d) => toPhoto(d, lb));
  }

  /** Faces in the whole photo (and its tiles), in photo pixels. */
  async detect(img: RgbImage, options: BlazeFaceOptions): Promise<FaceDetection[]> {
    const whole = { x: 0, y: 0, width: img.width, height: img.height };
    const found = await this.detectRegion(img, whole, options.minScore);
    if (options.tiles) {
      for (const tile of tilesOf(img.width, img.height)) {
        const inTile = await this.detectRegion(img, tile, options.minScore);
        found.push(...inTile.filter((d) => !cutByTile(d, tile, img.width, img.height)));
      }
    }
    return options.tiles ? weightedNms(found) : found;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
