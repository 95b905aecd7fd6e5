import { describe, expect, it } from 'vitest';
import { applySimilarity, fitSimilarity } from '../../../src-main/core/analysis/align/geometry.js';
import { warpSimilarity } from '../../../src-main/core/analysis/align/warp.js';

describe('fitSimilarity', () => {
  it('recovers a rotation, scale and shift exactly from clean points', () => {
    const truth = { a: 1.2 * Math.cos(0.3), b: 1.2 * Math.sin(0.3), tx: 14, ty: -3 };
    const from = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 3, y: 8 }, { x: -4, y: 5 }];
    const to = from.map((p) => applySimilarity(truth, p));
    const fit = fitSimilarity(from, to);
    expect(fit.a).toBeCloseTo(truth.a, 9);
    expect(fit.b).toBeCloseTo(truth.b, 9);
    expect(fit.tx).toBeCloseTo(truth.tx, 9);
    expect(fit.ty).toBeCloseTo(truth.ty, 9);
  });
});

describe('warpSimilarity', () => {
  it('copies pixels under the identity and shifts them under a translation', () => {
    const width = 4, height = 3;
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => i);
    const src = { data, width, height };
    expect(warpSimilarity(src, { a: 1, b: 0, tx: 0, ty: 0 }, width, height).data).toEqual(data);
    const shifted = warpSimilarity(src, { a: 1, b: 0, tx: 1, ty: 0 }, 3, 3);
    expect([...shifted.data.subarray(0, 3)]).toEqual([...data.subarray(3, 6)]);
  });

  it('averages when shrinking, so a fine checkerboard becomes flat grey rather than aliasing', () => {
    const n = 64;
    const data = new Uint8Array(n * n * 3);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data.fill((x + y) % 2 ? 255 : 0, (y * n + x) * 3, (y * n + x) * 3 + 3);
    const out = warpSimilarity({ data, width: n, height: n }, { a: 4, b: 0, tx: 1.5, ty: 1.5 }, 16, 16);
    for (const v of out.data.subarray(16 * 3 * 4, 16 * 3 * 12)) expect(Math.abs(v - 128)).toBeLessThan(20);
  });
});
