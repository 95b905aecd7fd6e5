import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decodePhoto } from './decode.js';
import { fingerprintImage, type PhotoFingerprint } from './fingerprint.js';
import type { AnalyzeTimings, FaceAnalyzer } from './face-analyzer.js';
import type { Box } from './align/geometry.js';
import type { RgbImage } from './rgb-image.js';

/** Longest side the photo is decoded at: the detector works at 512, landmarks and chips need more. */
export const ANALYSIS_MAX_SIDE = 1024;
const CROP_SIZE = 160;

export interface PhotoFace {
  idx: number;
  /** In pixels of the upright original photo. */
  box: Box;
  score: number;
  shapeError: number;
  /** 68 points, x and y interleaved, in pixels of the upright original photo. */
  landmarks: Float32Array;
  descriptor: Float32Array;
  cropFile: string;
  alignedFile: string;
}

export interface PhotoAnalysis {
  format: string;
  width: number;
  height: number;
  takenAt: string | null;
  faces: PhotoFace[];
  /** The face detector that ran ('blazeface' or 'ssd'); absent for an analysis copied from another photo. */
  detector?: string;
  timings: AnalyzeTimings & { decodeMs: number; cropsMs: number };
  /** The upright pixels' hashes and thumbnail, for duplicate finding (no second decode). */
  fingerprint?: PhotoFingerprint;
  fingerprintMs?: number;
}

function rawInput(img: RgbImage): sharp.Sharp {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
}

/** A square crop around the face with some margin, for the user interface. */
async function uiCrop(img: RgbImage, box: Box): Promise<Buffer> {
  const side = Math.max(box.width, box.height) * 1.5;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const left = Math.max(0, Math.round(cx - side / 2));
  const top = Math.max(0, Math.round(cy - side / 2));
  const width = Math.max(1, Math.min(img.width - left, Math.round(side)));
  const height = Math.max(1, Math.min(img.height - top, Math.round(side)));
  return rawInput(img)
    .extract({ left, top, width, height })
    .resize(CROP_SIZE, CROP_SIZE, { fit: 'cover' })
    // Plain libjpeg: mozjpeg's smaller files (3.9 against 4.9 KB a crop) cost twice the time, 3-5 ms a face.
    .jpeg({ quality: 82 })
    .toBuffer();
}

/**
 * Decode one photo, find and describe its faces, and write each face's UI crop and aligned
 * crop into the cache (named by content hash, so a moved photo keeps its files).
 * `alignedJpegs`, when given, receives each face's aligned crop file's bytes, in face order
 * (the scan's worker embeds them without reading the files back).
 */
export async function analyzePhotoFile(
  analyzer: FaceAnalyzer,
  file: string,
  contentHash: string,
  cacheDir: string,
  alignedJpegs?: Buffer[],
): Promise<PhotoAnalysis> {
  let t0 = performance.now();
  const decoded = await decodePhoto(file, ANALYSIS_MAX_SIDE);
  const decodeMs = performance.now() - t0;
  t0 = performance.now();
  const fingerprint = fingerprintImage(decoded.image);
  const fingerprintMs = performance.now() - t0;
  const result = await analyzer.analyze(decoded.image);

  t0 = performance.now();
  // Boxes in the original's pixels. A RAW's picture may be of a slightly other shape than the
  // preview that was read (its crop): each axis then has its own scale.
  const sx = decoded.width / decoded.image.width, sy = decoded.height / decoded.image.height;
  const [scaleX, scaleY] = Math.abs(sx / sy - 1) <= 0.01 ? [sx, sx] : [sx, sy];
  const dir = path.join(cacheDir, 'faces', contentHash.slice(0, 2));
  if (result.faces.length > 0) await mkdir(dir, { recursive: true });
  // Every face's crops encoded at once: libvips's threads (the thread pool) work on a crowd's
  // faces side by side, also while the other worker has no photo left.
  const faces: PhotoFace[] = await Promise.all(result.faces.map(async (f, idx): Promise<PhotoFace> => {
    const cropFile = path.join('faces', contentHash.slice(0, 2), `${contentHash}-${idx}.jpg`);
    const alignedFile = path.join('faces', contentHash.slice(0, 2), `${contentHash}-${idx}-aligned.jpg`);
    const [crop, aligned] = await Promise.all([
      uiCrop(decoded.image, f.box),
      rawInput(f.aligned).jpeg({ quality: 92 }).toBuffer(),
    ]);
    await Promise.all([writeFile(path.join(cacheDir, cropFile), crop), writeFile(path.join(cacheDir, alignedFile), aligned)]);
    if (alignedJpegs) alignedJpegs[idx] = aligned;
    const landmarks = new Float32Array(136);
    f.landmarks.forEach((p, i) => {
      landmarks[2 * i] = p.x * scaleX;
      landmarks[2 * i + 1] = p.y * scaleY;
    });
    return {
      idx,
      box: { x: f.box.x * scaleX, y: f.box.y * scaleY, width: f.box.width * scaleX, height: f.box.height * scaleY },
      score: f.score,
      shapeError: f.shapeError,
      landmarks,
      descriptor: f.descriptor,
      cropFile,
      alignedFile,
    };
  }));
  const cropsMs = performance.now() - t0;
  return {
    format: decoded.format,
    width: decoded.width,
    height: decoded.height,
    takenAt: decoded.takenAt,
    faces,
    detector: analyzer.detector,
    timings: { ...result.timings, decodeMs, cropsMs },
    fingerprint,
    fingerprintMs,
  };
}
