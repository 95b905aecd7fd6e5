import { describe, expect, it } from 'vitest';
import { candidatePairs, candidatesTouching, CANDIDATE_BITS, packHashes, type SearchPhoto } from '../../../src-main/core/duplicates/find-duplicates.js';
import { hammingDistance, HammingIndex } from '../../../src-main/core/duplicates/hamming-index.js';
import { Rng } from '../../../src-main/core/ml/rng.js';

// The fast candidate search against the plainest reference there is: every pair compared.
// Random hashes, and planted near copies whose differing bits sit anywhere, all in one chunk,
// or spread evenly over the four chunks (where the pigeonhole bound is tight); low-entropy
// hashes fill a few buckets with many hashes.

function flip(h: Uint8Array, bits: readonly number[]): Uint8Array {
  const out = Uint8Array.from(h);
  for (const b of bits) out[b >> 3]! ^= 1 << (7 - (b & 7));
  return out;
}

function distinct(rng: Rng, k: number, from: readonly number[]): number[] {
  const pool = [...from];
  const out: number[] = [];
  while (out.length < k && pool.length > 0) out.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return out;
}

const ALL_BITS = Array.from({ length: 64 }, (_, i) => i);
const CHUNK = (c: number): number[] => ALL_BITS.slice(16 * c, 16 * c + 16);

function library(seed: number): Uint8Array[] {
  const rng = new Rng(seed);
  const random = (): Uint8Array => Uint8Array.from({ length: 8 }, () => rng.int(256));
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < 1500; i++) hashes.push(random());
  for (let i = 0; i < 300; i++) {
    const base = random();
    hashes.push(base);
    const k = rng.int(17);
    const how = rng.int(3);
    // Anywhere; all in one chunk; spread evenly (e.g. 3 + 3 + 3 + 2 for 11 bits).
    const bits = how === 0 ? distinct(rng, k, ALL_BITS) : how === 1 ? distinct(rng, Math.min(k, 16), CHUNK(rng.int(4))) : [0, 1, 2, 3].flatMap((c) => distinct(rng, Math.floor(k / 4) + (c < k % 4 ? 1 : 0), CHUNK(c)));
    hashes.push(flip(base, bits));
    if (rng.int(2) === 0) hashes.push(flip(base, distinct(rng, rng.int(6), ALL_BITS)));
  }
  // Low entropy: few bits set, so that many share a bucket in every chunk.
  for (let i = 0; i < 150; i++) hashes.push(flip(new Uint8Array(8), distinct(rng, rng.int(7), ALL_BITS)));
  // Exact repeats.
  for (let i = 0; i < 50; i++) hashes.push(Uint8Array.from(hashes[rng.int(hashes.length)]!));
  return hashes;
}

/** Every pair's distance, once per library. */
function allDistances(hashes: readonly Uint8Array[]): Uint8Array {
  const n = hashes.length;
  const out = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[i * n + j] = hammingDistance(hashes[i]!, hashes[j]!);
  return out;
}

function bruteForce(hashes: readonly Uint8Array[], r: number, distances = allDistances(hashes)): string[] {
  const n = hashes.length;
  const out: string[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (distances[i * n + j]! <= r) out.push(`${i}:${j}:${distances[i * n + j]}`);
  return out.sort();
}

function indexed(hashes: readonly Uint8Array[], r: number, kernel: 'wasm' | 'js' = 'wasm'): string[] {
  const out: string[] = [];
  HammingIndex.fromBytes(hashes).pairsWithin(r, (i, j, d) => {
    out.push(i < j ? `${i}:${j}:${d}` : `not in order: ${i}, ${j}`);
  }, { kernel });
  return out.sort();
}

describe('HammingIndex', () => {
  it('finds exactly the pairs within the distance that comparing every pair finds, each once', () => {
    for (const seed of [1, 2]) {
      const hashes = library(seed);
      const distances = allDistances(hashes);
      for (const r of [0, 2, 3, 4, 7, 8, 11, 13]) {
        const want = bruteForce(hashes, r, distances);
        // The WebAssembly kernel and the JavaScript loop it replaces where there is none.
        for (const kernel of ['wasm', 'js'] as const) {
          const got = indexed(hashes, r, kernel);
          expect(new Set(got).size, `${kernel}, seed ${seed}, ${r} bits: a pair reported twice`).toBe(got.length);
          expect(got, `${kernel}, seed ${seed}, ${r} bits`).toEqual(want);
        }
      }
      // The planted pairs make the comparison mean something at the candidate distance.
      expect(bruteForce(hashes, CANDIDATE_BITS, distances).length).toBeGreaterThan(300);
    }
  });

  it('reports more pairs than its first output holds, each once', () => {
    // 600 copies of one hash: 179,700 pairs at distance 0, all in one bucket of the first chunk.
    const hashes = Array.from({ length: 600 }, () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    let count = 0, wrong = 0;
    const seen = new Set<number>();
    HammingIndex.fromBytes(hashes).pairsWithin(11, (i, j, d) => {
      count++;
      if (i >= j || d !== 0) wrong++;
      seen.add(i * 600 + j);
    }, { kernel: 'wasm' });
    expect({ count, distinct: seen.size, wrong }).toEqual({ count: 179_700, distinct: 179_700, wrong: 0 });
  });

  it('finds the pairs with a marked side, each once, as comparing every pair finds them', () => {
    const hashes = library(5);
    const n = hashes.length;
    const distances = allDistances(hashes);
    const rng = new Rng(9);
    // A scan's few new photos, a third of the library, and all of it.
    for (const share of [0.01, 0.3, 1]) {
      const marked = Uint8Array.from(hashes, () => (rng.next() < share ? 1 : 0));
      for (const r of [0, 4, 11, 13]) {
        const want = bruteForce(hashes, r, distances).filter((key) => {
          const [i, j] = key.split(':').map(Number) as [number, number];
          return marked[i] === 1 || marked[j] === 1;
        });
        const got: string[] = [];
        HammingIndex.fromBytes(hashes).pairsTouching(marked, r, (i, j, d) => got.push(i < j ? `${i}:${j}:${d}` : `not in order: ${i}, ${j}`));
        expect(new Set(got).size, `${share}, ${r} bits: a pair reported twice`).toBe(got.length);
        expect(got.sort(), `${share} marked, ${r} bits`).toEqual(want);
      }
      expect(n).toBeGreaterThan(1000);
    }
  });

  it('handles no hash, one hash, and refuses a distance that is no number of bits', () => {
    expect(indexed([], 11)).toEqual([]);
    expect(indexed([new Uint8Array(8)], 11)).toEqual([]);
    expect(() => HammingIndex.fromBytes([new Uint8Array(8)]).pairsWithin(-1, () => undefined)).toThrow(/number of bits/);
  });
});

describe('candidatePairs', () => {
  it('is the pairs within the candidate distance on either hash, each once, as a brute force finds them', () => {
    const dct = library(3), gradient = library(4);
    const n = Math.min(dct.length, gradient.length);
    const photos: SearchPhoto[] = Array.from({ length: n }, (_, i) => ({ id: i + 1, contentHash: `h${i}`, size: i, width: 4, height: 3, dct: dct[i]!, gradient: gradient[i]! }));
    const want = new Set<number>();
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
      if (hammingDistance(dct[i]!, dct[j]!) <= CANDIDATE_BITS || hammingDistance(gradient[i]!, gradient[j]!) <= CANDIDATE_BITS) want.add(i * n + j);
    }
    const got = [...candidatePairs(photos)];
    expect(got).toEqual([...want].sort((a, b) => a - b));
    expect(got.length).toBeGreaterThan(300);
  });
});

describe('candidatesTouching', () => {
  it('is candidatePairs restricted to the pairs with a marked side, whether few or most are marked', () => {
    const dct = library(6), gradient = library(7);
    const n = Math.min(dct.length, gradient.length);
    const photos: SearchPhoto[] = Array.from({ length: n }, (_, i) => ({ id: i + 1, contentHash: `h${i}`, size: i, width: 4, height: 3, dct: dct[i]!, gradient: gradient[i]! }));
    const all = [...candidatePairs(photos)];
    const rng = new Rng(10);
    for (const share of [0, 0.02, 0.4, 0.8]) {
      const marked = Uint8Array.from(photos, () => (rng.next() < share ? 1 : 0));
      const want = all.filter((key) => marked[Math.floor(key / n)] === 1 || marked[key % n] === 1);
      expect([...candidatesTouching(Uint32Array.from(photos.keys()), packHashes(photos).words, marked)], `${share} marked`).toEqual(want);
      if (share > 0) expect(want.length).toBeGreaterThan(0);
    }
  });
});
