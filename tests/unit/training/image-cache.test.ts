import { rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

import { FACE_INPUT_SIDE as CACHE_SIDE } from '../../../src-main/core/analysis/align/face-input.js';
import { toSeedInputFloats } from '../../../src-main/core/embedding/seed/seed-input.js';
import { IMAGE_BYTES, ImageCache } from '../../../src-main/core/training/seed/image-cache.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { tempDir } from '../../support/paths.js';

const dir = tempDir('image-cache');
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('training image cache', () => {
  it('decodes images once into a uint8 file and reads them back as floats, mirrored on request', async () => {
    const files: string[] = [];
    for (let k = 0; k < 3; k++) {
      const raw = Buffer.alloc(IMAGE_BYTES);
      for (let y = 0; y < CACHE_SIDE; y++) for (let x = 0; x < CACHE_SIDE; x++) raw[(y * CACHE_SIDE + x) * 3] = x; // red = column
      raw[1] = 10 * k;
      const f = path.join(dir, `${k}.png`);
      await sharp(raw, { raw: { width: CACHE_SIDE, height: CACHE_SIDE, channels: 3 } }).png().toFile(f);
      files.push(f);
    }
    const cache = await ImageCache.build(path.join(dir, 'cache'), files.map((file, k) => ({ key: `k${k}`, file })));
    expect(cache.count).toBe(3);
    const out = new Float32Array(2 * IMAGE_BYTES);
    cache.readFloat(2, out, 0, false);
    cache.readFloat(2, out, IMAGE_BYTES, true);
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(20 / 255, 6);
    expect(out[3 * 249]).toBeCloseTo(249 / 255, 6);
    expect(out[IMAGE_BYTES]).toBeCloseTo(249 / 255, 6); // mirrored: the first column is the last
    expect(out[IMAGE_BYTES + 3 * 249 + 1]).toBeCloseTo(20 / 255, 6);
    cache.close();
    // The same list opens the same file without decoding again.
    const again = await ImageCache.build(path.join(dir, 'cache'), files.map((file, k) => ({ key: `k${k}`, file })));
    expect(again.file).toBe(cache.file);
    again.close();
  });

  it('mirrors twice back to the original', () => {
    const src = new Uint8Array(IMAGE_BYTES);
    const r = new Rng(3);
    for (let i = 0; i < src.length; i++) src[i] = r.int(256);
    const once = new Float32Array(IMAGE_BYTES), plain = new Float32Array(IMAGE_BYTES);
    toSeedInputFloats(src, once, 0, true);
    toSeedInputFloats(Uint8Array.from(once, (v) => Math.round(v * 255)), plain, 0, true);
    const direct = new Float32Array(IMAGE_BYTES);
    toSeedInputFloats(src, direct, 0, false);
    expect(plain).toEqual(direct);
  });
});
