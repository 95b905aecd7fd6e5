import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

import { FACE_INPUT_BYTES, FACE_INPUT_SIDE, readFaceInput } from '../../../src-main/core/analysis/align/face-input.js';
import { toSeedInputFloats } from '../../../src-main/core/embedding/seed/seed-input.js';
import { ImageCache } from '../../../src-main/core/training/seed/image-cache.js';
import { IDENTITIES, LFW, tempDir } from '../../support/paths.js';

const dir = tempDir('face-input');
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lfwImage = path.join(LFW, 'images/Aaron_Eckhart/Aaron_Eckhart_0001.jpg');

describe('face input', () => {
  it('decodes crops, photos of any size, grey and transparent images to 250x250 RGB', async () => {
    const grey = path.join(dir, 'grey.jpg');
    await sharp(lfwImage).grayscale().jpeg().toFile(grey);
    const transparent = path.join(dir, 'transparent.png');
    await sharp(lfwImage).resize(120, 90).ensureAlpha(0.5).png().toFile(transparent);
    for (const file of [lfwImage, path.join(IDENTITIES, 'id01/img1.jpg'), grey, transparent]) {
      expect((await readFaceInput(file)).length).toBe(FACE_INPUT_BYTES);
    }
    expect(FACE_INPUT_BYTES).toBe(FACE_INPUT_SIDE * FACE_INPUT_SIDE * 3);
  });

  it('gives training (the image cache) the bytes the scan and the evaluation embed', async () => {
    const files = [lfwImage, path.join(IDENTITIES, 'id01/img1.jpg')];
    const cache = await ImageCache.build(path.join(dir, 'cache'), files.map((file, k) => ({ key: `k${k}`, file })));
    const cached = readFileSync(cache.file);
    cache.close();
    for (let k = 0; k < files.length; k++) {
      expect(cached.subarray(k * FACE_INPUT_BYTES, (k + 1) * FACE_INPUT_BYTES).equals(await readFaceInput(files[k]!))).toBe(true);
    }
  });

  it('scales to the seed model input as uint8 / 255 does, to the last float32 bit', () => {
    const src = Uint8Array.from({ length: FACE_INPUT_BYTES }, (_, i) => i % 256);
    const out = new Float32Array(FACE_INPUT_BYTES);
    toSeedInputFloats(src, out, 0);
    expect(out).toEqual(Float32Array.from(src, (v) => v / 255));
  });
});
