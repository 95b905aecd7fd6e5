/**
 * Multi-index hashing (Norouzi et al.) over 64-bit hashes: four 16-bit chunks, each in its
 * own table; probing every chunk value within 2 bits finds every pair within 11 bits of each
 * other (by the pigeonhole principle one chunk differs by at most 2), and a few beyond.
 */
export class HammingIndex {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  /** Per chunk: bucket start offsets (65537) and the item ids sorted by bucket. */
  private readonly starts: Uint32Array[] = [];
  private readonly items: Uint32Array[] = [];

  constructor(hashes: readonly Uint8Array[]) {
    const n = hashes.length;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    hashes.forEach((h, i) => {
      this.hi[i] = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
      this.lo[i] = ((h[4]! << 24) | (h[5]! << 16) | (h[6]! << 8) | h[7]!) >>> 0;
    });
    for (let c = 0; c < 4; c++) {
      const counts = new Uint32Array(65537);
      for (let i = 0; i < n; i++) counts[this.chunk(i, c) + 1]!++;
      for (let k = 1; k < 65537; k++) counts[k]! += counts[k - 1]!;
      const fill = counts.slice(0, 65536);
      const items = new Uint32Array(n);
      for (let i = 0; i < n; i++) items[fill[this.chunk(i, c)]!++] = i;
      this.starts.push(counts);
      this.items.push(items);
    }
  }

  get size(): number {
    return this.hi.length;
  }

  private chunk(i: number, c: number): number {
    return c < 2 ? (this.hi[i]! >>> (c === 0 ? 16 : 0)) & 0xffff : (this.lo[i]! >>> (c === 2 ? 16 : 0)) & 0xffff;
  }

  distance(i: number, j: number): number {
    return popcount(this.hi[i]! ^ this.hi[j]!) + popcount(this.lo[i]! ^ this.lo[j]!);
  }

  /** Every pair i < j within `maxDistance` bits (complete up to 11), with its distance. */
  pairsWithin(maxDistance: number, onPair: (i: number, j: number, distance: number) => void): void {
    const n = this.size;
    const seen = new Int32Array(n).fill(-1);
    const probes = chunkProbes();
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 4; c++) {
        const key = this.chunk(i, c);
        const starts = this.starts[c]!, items = this.items[c]!;
        for (let q = 0; q < probes.length; q++) {
          const k = key ^ probes[q]!;
          for (let p = starts[k]!, end = starts[k + 1]!; p < end; p++) {
            const j = items[p]!;
            if (j <= i || seen[j] === i) continue;
            seen[j] = i;
            const d = this.distance(i, j);
            if (d <= maxDistance) onPair(i, j, d);
          }
        }
      }
    }
  }
}

let probeCache: Uint32Array | null = null;
/** The 16-bit masks of at most 2 bits: 1 + 16 + 120. */
function chunkProbes(): Uint32Array {
  if (probeCache) return probeCache;
  const masks = [0];
  for (let a = 0; a < 16; a++) masks.push(1 << a);
  for (let a = 0; a < 16; a++) for (let b = a + 1; b < 16; b++) masks.push((1 << a) | (1 << b));
  probeCache = Uint32Array.from(masks);
  return probeCache;
}

export function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let k = 0; k < a.length; k++) d += popcount(a[k]! ^ b[k]!);
  return d;
}
