import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { fitLogistic, logisticProbability } from '../../../src-main/core/ml/logistic.js';
import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';
import { SeedEmbedder } from '../../../src-main/core/embedding/seed/seed-embedder.js';
import { buildSeedModel } from '../../../src-main/core/embedding/seed/seed-architecture.js';
import { setEmbeddingViews, setPairScore } from '../../../src-main/core/embedding/seed/seed-manifest.js';
import { loadSeedModel, saveSeedModel } from '../../../src-main/core/embedding/seed/seed-model-files.js';
import {
  compileSeedPairScore,
  parseSeedPairScore,
  rootNormalised,
  rowCosines,
  SEED_PAIR_SCORE_FEATURES,
  seedPairFeatures,
  type SeedPairScore,
} from '../../../src-main/core/embedding/seed/seed-pair-score.js';
import { rowDots, rowDotsJs, rowDotsSimdAvailable } from '../../../src-main/core/embedding/seed/row-dots.js';
import { Rng } from '../../../src-main/core/ml/rng.js';

const { tf } = await loadMlRuntime();

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

const SCORE: SeedPairScore = { features: [...SEED_PAIR_SCORE_FEATURES], mean: [-2, 0.6], std: [4, 0.1], weights: [1.5, 2.5], bias: -0.3, trainedOn: 'test' };

describe('seed pair score arithmetic', () => {
  it('root-normalises rows: unit length, proportional to the square root, a zero row stays zero', () => {
    const e = Float32Array.from([4, 0, 9, 16, 0, 0, 0, 0, 1, 1, 1, 1]);
    const r = rootNormalised(e, 4);
    // Row 0: roots 2, 0, 3, 4 over sqrt(4 + 9 + 16).
    const n = Math.sqrt(29);
    expect(Array.from(r.subarray(0, 4))).toEqual([2 / n, 0, 3 / n, 4 / n].map(Math.fround));
    expect(Array.from(r.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(Array.from(r.subarray(8, 12)).map((v) => v.toFixed(6))).toEqual(['0.500000', '0.500000', '0.500000', '0.500000']);
    expect(() => rootNormalised(Float32Array.from([1, -0.5]), 2)).toThrow(/< 0/);
    expect(() => rootNormalised(new Float32Array(5), 2)).toThrow(/not a multiple/);
  });

  it('gives the cosine of each pair of rows, for any length', () => {
    const rng = new Rng(5);
    const dim = 7;
    const unit = rootNormalised(Float32Array.from({ length: 5 * dim }, () => rng.next()), dim);
    const i = Uint32Array.from([0, 1, 4, 2]);
    const j = Uint32Array.from([3, 1, 0, 4]);
    const got = rowCosines(unit, dim, i, j);
    i.forEach((a, p) => {
      let s = 0;
      for (let k = 0; k < dim; k++) s += unit[a * dim + k]! * unit[j[p]! * dim + k]!;
      expect(got[p]).toBeCloseTo(s, 6);
    });
    expect(got[1]).toBeCloseTo(1, 6); // a face with itself
  });

  it('compiles to the fitted logistic model over the logit of the head and the cosine', () => {
    const f = compileSeedPairScore(SCORE);
    for (const [h, c] of [[0.5, 0.6], [0.01, 0.9], [0.999, 0.2], [1, 1], [0, 0]] as const) {
      expect(f(h, c)).toBeCloseTo(logisticProbability(SCORE, seedPairFeatures(h, c)), 12);
    }
    // Both features raise the score.
    expect(f(0.9, 0.5)).toBeGreaterThan(f(0.5, 0.5));
    expect(f(0.5, 0.8)).toBeGreaterThan(f(0.5, 0.5));
  });

  it('learns from pairs where the cosine tells what the head misses', () => {
    const rng = new Rng(9);
    const X: number[][] = [];
    const y: boolean[] = [];
    for (let n = 0; n < 2000; n++) {
      const same = n % 2 === 0;
      const head = rng.next(); // no information in the head
      const cos = (same ? 0.7 : 0.5) + 0.1 * (rng.next() - 0.5);
      X.push(seedPairFeatures(head, cos));
      y.push(same);
    }
    const fit = fitLogistic(X, y);
    expect(Math.abs(fit.weights[1]!)).toBeGreaterThan(5 * Math.abs(fit.weights[0]!));
    expect(fit.weights[1]).toBeGreaterThan(0);
  });

  it('refuses a malformed pairScore with a message naming what is wrong', () => {
    expect(parseSeedPairScore(SCORE, 'x')).toEqual(SCORE);
    expect(() => parseSeedPairScore(null, 'seed.json')).toThrow(/seed.json: pairScore must be an object/);
    expect(() => parseSeedPairScore({ ...SCORE, features: ['headLogit'] }, 'x')).toThrow(/features must be/);
    expect(() => parseSeedPairScore({ ...SCORE, weights: [1, Number.NaN] }, 'x')).toThrow(/weights must be 2 finite numbers/);
    expect(() => parseSeedPairScore({ ...SCORE, mean: [1] }, 'x')).toThrow(/mean must be 2 finite numbers/);
    expect(() => parseSeedPairScore({ ...SCORE, std: [1, 0] }, 'x')).toThrow(/std must be positive/);
    expect(() => parseSeedPairScore({ ...SCORE, bias: '1' }, 'x')).toThrow(/bias must be a finite number/);
  });
});

describe('a seed model with a pair score', () => {
  it('scores pairs by the head and the root cosine, under a pair key of its own; new embedding views drop the score', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facepair-seed-score-'));
    tmpDirs.push(dir);
    await saveSeedModel(dir, buildSeedModel(tf), tf);
    const plain = await SeedEmbedder.load(dir);
    await setPairScore(dir, SCORE);
    expect((await loadSeedModel(dir, tf)).pairScore).toEqual(SCORE);
    const scored = await SeedEmbedder.load(dir);
    expect(scored.key).toBe(plain.key); // the embeddings are the same: no re-embedding
    expect(scored.pairKey).toMatch(new RegExp(`^${plain.pairKey.replace(/[+]/g, '\\+')}\\+score:[0-9a-f]{8}$`));

    const rng = new Rng(11);
    const images = Array.from({ length: 4 }, () => Uint8Array.from({ length: 250 * 250 * 3 }, () => rng.int(256)));
    const emb = scored.embed(images);
    const i = Uint32Array.from([0, 0, 1, 2]);
    const j = Uint32Array.from([1, 2, 3, 3]);
    const inputs = scored.project(emb);
    const head = scored.headScorePairs(inputs, i, j);
    expect(Array.from(head)).toEqual(Array.from(plain.scorePairs(plain.project(emb), i, j)));
    const cos = rowCosines(rootNormalised(emb, 500), 500, i, j);
    const combine = compileSeedPairScore(SCORE);
    const got = scored.scorePairs(inputs, i, j);
    got.forEach((v, p) => expect(v).toBeCloseTo(combine(head[p]!, cos[p]!), 6));
    expect(Array.from(got)).not.toEqual(Array.from(head));
    // Symmetric, as the head is.
    expect(Array.from(scored.scorePairs(inputs, j, i))).toEqual(Array.from(got));

    // The same views keep the score; new ones remove it (it was fitted on the old embeddings).
    await setEmbeddingViews(dir, { flipAverage: false, shiftAverage: 0 });
    expect((await loadSeedModel(dir, tf)).pairScore).toEqual(SCORE);
    await setEmbeddingViews(dir, { flipAverage: true, shiftAverage: 0 });
    expect((await loadSeedModel(dir, tf)).pairScore).toBeUndefined();

    const file = path.join(dir, 'seed.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), pairScore: { ...SCORE, std: [1, -1] } }));
    await expect(loadSeedModel(dir, tf)).rejects.toThrow(/seed.json: pairScore.std must be positive/);
    plain.dispose();
    scored.dispose();
  }, 120_000);
});

describe('row dot products', () => {
  it('agree between the wasm SIMD kernel and the plain-JS loop, for padded and unpadded lengths', () => {
    expect(rowDotsSimdAvailable()).toBe(true); // Node 20 has wasm SIMD: the fast path is the one measured
    const rng = new Rng(21);
    for (const dim of [500, 7, 8, 128]) {
      const n = 40;
      const rows = Float32Array.from({ length: n * dim }, () => rng.next() - 0.3);
      const i = Uint32Array.from({ length: 300 }, () => rng.int(n));
      const j = Uint32Array.from({ length: 300 }, () => rng.int(n));
      const fast = rowDots(rows, dim, i, j);
      const plain = rowDotsJs(rows, dim, i, j);
      let worst = 0;
      fast.forEach((v, p) => (worst = Math.max(worst, Math.abs(v - plain[p]!))));
      expect(worst).toBeLessThan(1e-5 * Math.sqrt(dim));
      // A row with itself is its squared length.
      const a = rows.subarray(0, dim).reduce((s, v) => s + v * v, 0);
      expect(rowDots(rows, dim, Uint32Array.of(0), Uint32Array.of(0))[0]).toBeCloseTo(a, 4);
    }
    expect(() => rowDots(new Float32Array(10), 4, Uint32Array.of(0), Uint32Array.of(0))).toThrow(/whole number/);
    expect(() => rowDots(new Float32Array(8), 4, Uint32Array.of(2), Uint32Array.of(0))).toThrow(/out of range/);
    expect(rowDots(new Float32Array(8), 4, new Uint32Array(0), new Uint32Array(0))).toHaveLength(0);
  });
});
