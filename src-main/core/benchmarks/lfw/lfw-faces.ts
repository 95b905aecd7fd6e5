/**
 * The faces FacePair found in LFW's images, read from a library database built by the
 * ordinary scan (`createApp({ dbFile }).scan(imagesDir)`): for every image, the face
 * nearest the image centre (LFW images are centred on their person), its 128-d
 * descriptor and its aligned 250x250 crop. An image where the detector found no face is
 * a "miss": its stand-in is the central region, where LFW puts the face.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { createApp } from '../../app.js';
import { openDatabase } from '../../db/database.js';
import { EmbeddingsRepository } from '../../db/embeddings.repository.js';
import { dlibMeanShape, DESCRIPTOR_CHIP_PADDING, DESCRIPTOR_CHIP_SIZE } from '../../analysis/align/dlib-chip.js';
import { fitSimilarity, type Point, type Similarity } from '../../analysis/align/geometry.js';
import { LFW_CROP_SIZE, LFW_TEMPLATE } from '../../analysis/align/lfw-template.js';
import { DESCRIPTOR_MODEL_KEY } from '../../analysis/descriptor.js';
import { cacheDirFor, defaultDataDir } from '../../paths.js';

export interface LfwFace {
  /** `<name>/<name>_0001.jpg` */
  key: string;
  photoPath: string;
  faceId: number | null;
  /** Faces the detector found in the image. */
  faces: number;
  /** 128-d descriptor of the most central face; null for a miss. */
  descriptor: Float32Array | null;
  /** Absolute path of the aligned 250x250 crop of the most central face; null for a miss. */
  alignedFile: string | null;
}

/** Where the LFW cache database lives unless --cache says otherwise. */
export function defaultLfwCacheDb(): string {
  return path.join(defaultDataDir(), 'benchmarks', 'lfw.db');
}

function toKey(imagesDir: string, photoPath: string): string | null {
  const rel = path.relative(imagesDir, photoPath);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}

/** Reads the most central face of every analysed image under `imagesDir`. */
export function readLfwFaces(dbFile: string, imagesDir: string): Map<string, LfwFace> {
  const out = new Map<string, LfwFace>();
  if (!existsSync(dbFile)) return out;
  // Not read only: a cache written by an older FacePair is migrated to the schema read here.
  const db = openDatabase(dbFile, { create: false });
  try {
    const cacheDir = cacheDirFor(dbFile);
    const rows = new EmbeddingsRepository(db).listPhotoFaceVectors(DESCRIPTOR_MODEL_KEY);
    const best = new Map<string, { d: number }>();
    for (const r of rows) {
      const key = toKey(imagesDir, r.path);
      if (key === null) continue;
      let rec = out.get(key);
      if (rec === undefined) {
        rec = { key, photoPath: r.path, faceId: null, faces: 0, descriptor: null, alignedFile: null };
        out.set(key, rec);
      }
      if (r.faceId === null || r.vector === null) continue;
      rec.faces++;
      const cx = r.x! + r.w! / 2 - (r.width ?? LFW_CROP_SIZE) / 2;
      const cy = r.y! + r.h! / 2 - (r.height ?? LFW_CROP_SIZE) / 2;
      const d = cx * cx + cy * cy;
      const prev = best.get(key);
      if (prev === undefined || d < prev.d) {
        best.set(key, { d });
        rec.faceId = r.faceId;
        rec.descriptor = r.vector;
        rec.alignedFile = path.join(cacheDir, r.alignedFile!);
      }
    }
  } finally {
    db.close();
  }
  return out;
}

/**
 * Makes sure every image in `keys` has been analysed in the cache database, running the
 * ordinary (resumable) scan of the whole images folder when some are not. All of LFW takes
 * about 70 minutes on 2 cores; an interrupted scan resumes where it stopped.
 */
export async function ensureLfwScanned(
  dbFile: string,
  imagesDir: string,
  keys: Iterable<string>,
  options: { scan: boolean; log?: (line: string) => void },
): Promise<Map<string, LfwFace>> {
  let faces = readLfwFaces(dbFile, imagesDir);
  const missing = [...new Set(keys)].filter((k) => !faces.has(k));
  if (missing.length === 0) return faces;
  if (!options.scan) {
    options.log?.(`${missing.length} images are not in ${dbFile} yet; going on without them (--no-scan)`);
    return faces;
  }
  options.log?.(`${missing.length} images are not analysed in ${dbFile} yet: scanning ${imagesDir} (all of LFW: about 70 min on 2 cores; resumable)`);
  const app = createApp({ dbFile });
  try {
    let last = 0;
    await app.scanner.scan(imagesDir, (e) => {
      if (e.stage !== 'analyze') return;
      const now = Date.now();
      if (now - last > 30_000 || e.done === e.total) {
        last = now;
        options.log?.(`  scan: ${e.done}/${e.total} photos, ${e.faces} faces, ${e.errors} errors`);
      }
    });
  } finally {
    app.close();
  }
  faces = readLfwFaces(dbFile, imagesDir);
  return faces;
}

/** dlib's five alignment points (eye centres, nose tip, mouth corners) in a 150 px descriptor chip. */
function dlibChipFivePoints(size = DESCRIPTOR_CHIP_SIZE, padding = DESCRIPTOR_CHIP_PADDING): Point[] {
  const mean = dlibMeanShape(1).map((p) => ({
    x: ((padding + p.x) / (2 * padding + 1)) * size,
    y: ((padding + p.y) / (2 * padding + 1)) * size,
  }));
  const at = (i: number): Point => mean[i - 17]!;
  const centre = (from: number, to: number): Point => {
    let x = 0, y = 0;
    for (let i = from; i <= to; i++) {
      x += at(i).x; y += at(i).y;
    }
    return { x: x / (to - from + 1), y: y / (to - from + 1) };
  };
  return [centre(36, 41), centre(42, 47), at(30), at(48), at(54)];
}

/**
 * For a miss: the descriptor chip cut as if the face sat where LFW puts faces (its
 * 250x250 template, scaled to the image). Transform from chip pixels to image pixels.
 */
export function centralChipTransform(width: number, height: number): Similarity {
  const sx = width / LFW_CROP_SIZE, sy = height / LFW_CROP_SIZE;
  const target = LFW_TEMPLATE.map((p) => ({ x: p.x * sx, y: p.y * sy }));
  return fitSimilarity(dlibChipFivePoints(), target);
}
