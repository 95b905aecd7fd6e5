/**
 * Training images decoded once into one flat uint8 file (N x 250 x 250 x 3, RGB), read back
 * image by image at its offset: decoding JPEGs at every step would cost more than the step's
 * arithmetic, and 10,000 LFW faces (1.9 GB) need not sit in the process's memory (the OS
 * page cache keeps what fits).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

export const CACHE_SIDE = 250;
export const IMAGE_BYTES = CACHE_SIDE * CACHE_SIDE * 3;

export interface CacheSource {
  key: string;
  /** The image file: the aligned 250x250 face crop, or for a miss the LFW image itself. */
  file: string;
}

export class ImageCache {
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
          const { data, info } = await sharp(sources[i]!.file)
            .resize(CACHE_SIDE, CACHE_SIDE, { fit: 'fill' })
            .removeAlpha()
            .toColourspace('srgb')
            .raw()
            .toBuffer({ resolveWithObject: true });
          if (info.channels !== 3 || data.byteLength !== IMAGE_BYTES) throw new Error(`${sources[i]!.file}: unexpected decode ${info.width}x${info.height}x${info.channels}`);
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

/**
 * uint8 RGB 250x250 -> floats in [0, 1] (the seed model's input scale), optionally mirrored
 * and shifted: out(x, y) = src(x + shiftX, y + shiftY) of the (mirrored) image, clamped at the edges.
 */
export function toSeedInputFloats(src: Uint8Array, out: Float32Array, offset: number, flip = false, shiftX = 0, shiftY = 0): void {
  const s = CACHE_SIDE;
  const k = 1 / 255;
  if (!flip && shiftX === 0 && shiftY === 0) {
    for (let j = 0; j < IMAGE_BYTES; j++) out[offset + j] = src[j]! * k;
    return;
  }
  const clamp = (v: number): number => (v < 0 ? 0 : v >= s ? s - 1 : v);
  for (let y = 0; y < s; y++) {
    const row = clamp(y + shiftY) * s * 3;
    const outRow = offset + y * s * 3;
    for (let x = 0; x < s; x++) {
      const sx = clamp(x + shiftX);
      const from = row + (flip ? s - 1 - sx : sx) * 3;
      const to = outRow + x * 3;
      out[to] = src[from]! * k;
      out[to + 1] = src[from + 1]! * k;
      out[to + 2] = src[from + 2]! * k;
    }
  }
}
