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

/** warpSimilarity as it was before its sums moved into locals (the reference its bytes must equal). */
function warpReference(src: { data: Uint8Array; width: number; height: number }, t: { a: number; b: number; tx: number; ty: number }, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const k = Math.max(1, Math.min(4, Math.ceil(Math.hypot(t.a, t.b) - 0.25)));
  const step = 1 / k;
  const first = -0.5 + step / 2;
  const acc = [0, 0, 0];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      acc[0] = 0; acc[1] = 0; acc[2] = 0;
      for (let j = 0; j < k; j++) {
        const cv = v + first + j * step;
        for (let i = 0; i < k; i++) {
          const cu = u + first + i * step;
          const x = t.a * cu - t.b * cv + t.tx;
          const y = t.b * cu + t.a * cv + t.ty;
          const x0 = Math.floor(x), y0 = Math.floor(y);
          const fx = x - x0, fy = y - y0;
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= src.height) continue;
            const wy = dy === 0 ? 1 - fy : fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= src.width) continue;
              const w = wy * (dx === 0 ? 1 - fx : fx);
              const o = (yy * src.width + xx) * 3;
              acc[0] += w * src.data[o]!; acc[1] += w * src.data[o + 1]!; acc[2] += w * src.data[o + 2]!;
            }
          }
        }
      }
      const o = (v * width + u) * 3;
      const norm = 1 / (k * k);
      out[o] = Math.round(acc[0]! * norm);
      out[o + 1] = Math.round(acc[1]! * norm);
      out[o + 2] = Math.round(acc[2]! * norm);
    }
  }
  return out;
}

describe('warpSimilarity, faster', () => {
  it('gives the same bytes as before, inside the image, across its edges and when shrinking by up to 4 samples a side', () => {
    let state = 12345;
    const rand = (): number => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const src = { data: Uint8Array.from({ length: 97 * 61 * 3 }, () => Math.floor(rand() * 256)), width: 97, height: 61 };
    const cases = [
      { a: 1, b: 0, tx: 0, ty: 0 },
      { a: 0.37, b: 0.11, tx: 20.3, ty: 7.9 }, // enlarging, inside
      { a: 1.3, b: -0.4, tx: -15.2, ty: -9.7 }, // across the top-left edges
      { a: 2.9, b: 0.8, tx: 40.1, ty: 30.6 }, // shrinking (3 samples a side), across the far edges
      { a: 5.2, b: -1.1, tx: 3.3, ty: 2.2 }, // 4 samples a side
    ];
    for (const t of cases) {
      const got = warpSimilarity(src, t, 41, 37).data;
      expect(Buffer.from(got).equals(Buffer.from(warpReference(src, t, 41, 37))), JSON.stringify(t)).toBe(true);
    }
  });
});
