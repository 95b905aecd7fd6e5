/**
 * Training images decoded once (to the face input, face-input.ts) into one flat uint8 file
 * (N x 250 x 250 x 3, RGB), read back
 * image by image at its offset: decoding JPEGs at every step would cost more than the step's
 * arithmetic, and 10,000 LFW faces (1.9 GB) need not sit in the process's memory (the OS
 * page cache keeps what fits).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { FACE_INPUT_BYTES, readFaceInput } from '../../analysis/align/face-input.js';
import { toSeedInputFloats } from '../../embedding/seed/seed-input.js';

/** Bytes of one image in the cache file: one face input. */
export const IMAGE_BYTES = FACE_INPUT_BYTES;

export interface CacheSource {
  key: string;
  /** The image file: the aligned 250x250 face crop, or for a miss the LFW image itself. */
  file: string;
}

/** What training reads of cached face images: one cache, or several joined (joined-images.ts). */
export interface FaceImages {
  readonly count: number;
  readFloat(i: number, out: Float32Array, offset: number, flip: boolean, scratch?: Buffer, shiftX?: number, shiftY?: number): void;
  close(): void;
}

export class ImageCache implements FaceImages {
  private fd: number;

  private constructor(
    readonly file: string,
    readonly count: number,
  ) {
    this.fd = openSync(file, 'r');
  }

  /**
   * Opens the cache for exactly these sources in `dir`, decoding them first if no cache of
   * the same list exists (the file is named by a hash of the list).
   */
  static async build(dir: string, sources: readonly CacheSource[], log?: (line: string) => void): Promise<ImageCache> {
    const hash = createHash('sha256');
    for (const s of sources) hash.update(`${s.key}\t${s.file}\n`);
    const file = path.join(dir, `images-${hash.digest('hex').slice(0, 16)}.u8`);
    if (!existsSync(file)) {
      await mkdir(dir, { recursive: true });
      const tmp = `${file}.partial`;
      const fh = await open(tmp, 'w');
      const t0 = performance.now();
      try {
        for (let i = 0; i < sources.length; i++) {
          const data = await readFaceInput(sources[i]!.file);
          await fh.write(data, 0, IMAGE_BYTES, i * IMAGE_BYTES);
          if (log && (i + 1) % 2000 === 0) log(`  decoded ${i + 1}/${sources.length} images`);
        }
      } finally {
        await fh.close();
      }
      await rename(tmp, file);
      await writeFile(`${file}.keys`, sources.map((s) => s.key).join('\n') + '\n');
      // Caches of other image lists (an earlier, partial scan) are not read again.
      for (const old of await readdir(dir)) {
        if (/^images-[0-9a-f]{16}\.u8(\.keys|\.partial)?$/.test(old) && !old.startsWith(path.basename(file))) await rm(path.join(dir, old), { force: true });
      }
      log?.(`decoded ${sources.length} images into ${file} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    return new ImageCache(file, sources.length);
  }

  /**
   * Copies image i into `out` at `offset` as floats in [0, 1], mirrored left-right if `flip`
   * and moved by (`shiftX`, `shiftY`) pixels (edge pixels repeated), for augmentation.
   */
  readFloat(i: number, out: Float32Array, offset: number, flip: boolean, scratch = Buffer.allocUnsafe(IMAGE_BYTES), shiftX = 0, shiftY = 0): void {
    if (i < 0 || i >= this.count) throw new Error(`image ${i} out of range`);
    readSync(this.fd, scratch, 0, IMAGE_BYTES, i * IMAGE_BYTES);
    toSeedInputFloats(scratch, out, offset, flip, shiftX, shiftY);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Caches read as one, end to end: image i of the second follows the first's last. */
export class JoinedImages implements FaceImages {
  readonly count: number;

  constructor(private readonly parts: readonly FaceImages[]) {
    this.count = parts.reduce((s, p) => s + p.count, 0);
  }

  readFloat(i: number, out: Float32Array, offset: number, flip: boolean, scratch?: Buffer, shiftX?: number, shiftY?: number): void {
    let k = i;
    for (const part of this.parts) {
      if (k < part.count) return part.readFloat(k, out, offset, flip, scratch, shiftX, shiftY);
      k -= part.count;
    }
    throw new Error(`image ${i} out of range`);
  }

  close(): void {
    for (const p of this.parts) p.close();
  }
}
