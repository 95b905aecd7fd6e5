import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readFaceInput } from '../../../src-main/core/analysis/align/face-input.js';
import { defaultSeedModelDir, SeedEmbedder } from '../../../src-main/core/embedding/seed/seed-embedder.js';
import { SeedFaceEmbedder } from '../../../src-main/core/embedding/seed/seed-face-embedder.js';
import { exportSeedOnnx } from '../../../src-main/tools/export-seed-onnx.js';
import { LFW, tempDir } from '../../support/paths.js';

const work = tempDir('onnx-extractor');
afterAll(() => rm(work, { recursive: true, force: true }));

/** The first image of the first few LFW people, read as the pipeline reads aligned crops. */
async function lfwFaces(n: number): Promise<Uint8Array[]> {
  const people = (await readdir(path.join(LFW, 'images'))).sort().slice(0, n);
  return Promise.all(people.map(async (p) => readFaceInput(path.join(LFW, 'images', p, (await readdir(path.join(LFW, 'images', p))).sort()[0]!))));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('the seed extractor on onnxruntime', () => {
  it('gives the shipped model the same embeddings as TF.js, with all its views, under the same key', async () => {
    const faces = await lfwFaces(4);
    const ort = await SeedFaceEmbedder.load(defaultSeedModelDir());
    const tfjs = await SeedEmbedder.load(defaultSeedModelDir());
    try {
      expect(ort.runtime).toBe('onnxruntime');
      expect(ort.key).toBe(tfjs.key);
      expect(tfjs.flipAverage || tfjs.shiftAverage > 0).toBe(true); // the views are part of what is compared
      const a = await ort.embed(faces);
      const b = tfjs.embed(faces);
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
      expect(Math.max(...b)).toBeGreaterThan(0.01); // not a comparison of zeros
    } finally {
      await ort.dispose();
      tfjs.dispose();
    }
  });

  it('is made again from the weights by the exporter, and a stale file is not used', async () => {
    const dir = path.join(work, 'model');
    await cp(defaultSeedModelDir(), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}figures`) });
    const { maxDiff } = await exportSeedOnnx(dir);
    expect(maxDiff).toBeLessThan(1e-4);
    const faces = await lfwFaces(2);
    const fresh = await SeedFaceEmbedder.load(dir);
    const shipped = await SeedFaceEmbedder.load(defaultSeedModelDir());
    expect(fresh.runtime).toBe('onnxruntime');
    expect(maxAbsDiff(await fresh.embed(faces), await shipped.embed(faces))).toBeLessThan(1e-5);
    await Promise.all([fresh.dispose(), shipped.dispose()]);

    // Retrained weights without a new export: the ONNX file no longer matches and TF.js runs.
    const weights = path.join(dir, 'extractor', 'weights.bin');
    const bytes = await readFile(weights);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(weights, bytes);
    const stale = await SeedFaceEmbedder.load(dir);
    expect(stale.runtime).toBe('tfjs');
    await stale.dispose();
  });
});
