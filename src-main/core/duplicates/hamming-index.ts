import { align16, PAGE } from '../ml/wasm-bytes.js';
import { hammingKernel, type ScanChunk } from './hamming-kernel.js';

/**
 * Every pair of 64-bit hashes within a Hamming distance, by multi-index hashing (Norouzi et
 * al.): the hash is cut into four 16-bit chunks, each with its own table of buckets. Two hashes
 * within r bits of each other differ in some chunk by at most ⌊r/4⌋ bits (pigeonhole), so
 * comparing every bucket with the buckets within ⌊r/4⌋ bits of it finds every such pair: exact,
 * not approximate.
 *
 * Why four chunks of 16 bits: with n hashes, a chunk of b bits and s bits of radius per chunk,
 * each hash meets about chunks × V(b, s) × n / 2^b others, V being the number of b-bit masks of
 * at most s bits. For n = 100,000 and r = 11: 4 × 137 × n / 2^16 ≈ 840; three chunks of ~21
 * bits (s = 3) probe 1,562 buckets a chunk; twelve chunks of ~5 bits (s = 0, "r + 1 blocks")
 * meet n × 12 / 32 ≈ 37,500 each. Sixteen bits a chunk is the cheapest.
 *
 * The work goes bucket by bucket (a bucket against its neighbours within s bits), not hash by
 * hash: each comparison reads two runs of a table laid out in bucket order, and a pair is
 * reported by the first chunk in which it is close, so that no per-pair set is needed. The
 * comparisons run in WebAssembly (hamming-kernel.ts) where the runtime has it.
 */
export class HammingIndex {
  /** High and low 32 bits of each hash. */
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;

  /** From 8-byte hashes (big-endian bits, as the fingerprints store them). */
  static fromBytes(hashes: readonly Uint8Array[]): HammingIndex {
    const hi = new Uint32Array(hashes.length), lo = new Uint32Array(hashes.length);
    hashes.forEach((h, i) => {
      hi[i] = ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
      lo[i] = ((h[4]! << 24) | (h[5]! << 16) | (h[6]! << 8) | h[7]!) >>> 0;
    });
    return new HammingIndex(hi, lo);
  }

  /** Hash i is `hi[i]` (its first 32 bits) then `lo[i]`. */
  constructor(hi: Uint32Array, lo: Uint32Array) {
    if (hi.length !== lo.length) throw new Error('a hash needs both halves');
    this.hi = hi;
    this.lo = lo;
  }

  get size(): number {
    return this.hi.length;
  }

  distance(i: number, j: number): number {
    return popcount(this.hi[i]! ^ this.hi[j]!) + popcount(this.lo[i]! ^ this.lo[j]!);
  }

  /** Every pair i < j within `maxDistance` bits, each once, with its distance; in no set order. */
  pairsWithin(maxDistance: number, onPair: (i: number, j: number, distance: number) => void, options: { kernel?: 'wasm' | 'js' } = {}): void {
    if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 64) throw new Error('the distance is a whole number of bits, 0 to 64');
    if (this.size < 2) return;
    const kernel = options.kernel === 'js' ? null : hammingKernel();
    if (kernel) this.pairsInWasm(kernel, maxDistance, onPair);
    else if (options.kernel === 'wasm') throw new Error('this runtime has no WebAssembly');
    else this.pairsInJs(maxDistance, onPair);
  }

  /**
   * Every pair i < j within `maxDistance` bits of which at least one side is marked, each once,
   * with its distance; in no set order. Each marked hash looks in the buckets within ⌊r/4⌋ bits
   * of its own, chunk by chunk: the work grows with the marked hashes, not with all pairs (a
   * scan's new photos against the library).
   */
  pairsTouching(marked: Uint8Array, maxDistance: number, onPair: (i: number, j: number, distance: number) => void): void {
    if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 64) throw new Error('the distance is a whole number of bits, 0 to 64');
    if (marked.length !== this.size) throw new Error('one mark a hash');
    const n = this.size;
    const perChunk = Math.floor(maxDistance / 4);
    const probes = chunkProbes(perChunk);
    const which: number[] = [];
    for (let i = 0; i < n; i++) if (marked[i]) which.push(i);
    if (which.length === 0 || n < 2) return;
    const starts = new Uint32Array(65537), order = new Uint32Array(n), sorted = new Uint32Array(2 * n);
    for (let c = 0; c < 4; c++) {
      this.sortByChunk(c, starts, order, sorted);
      const shift = c % 2 === 0 ? 16 : 0;
      const words = c < 2 ? this.hi : this.lo;
      for (const i of which) {
        const own = (words[i]! >>> shift) & 0xffff;
        const ih = this.hi[i]!, il = this.lo[i]!;
        for (let q = 0; q < probes.length; q++) {
          const b = own ^ probes[q]!;
          for (let r = starts[b]!, end = starts[b + 1]!; r < end; r++) {
            const j = order[r]!;
            // Two marked hashes: the pair is reported from the lower one.
            if (j === i || (marked[j] && j < i)) continue;
            const xh = ih ^ sorted[2 * r]!, xl = il ^ sorted[2 * r + 1]!;
            const d = popcount(xh) + popcount(xl);
            if (d > maxDistance || firstCloseChunk(xh, xl, perChunk) !== c) continue;
            if (i < j) onPair(i, j, d);
            else onPair(j, i, d);
          }
        }
      }
    }
  }

  /**
   * Counting sort of the hashes by chunk c into `starts` (bucket k holds sorted positions
   * starts[k] .. starts[k + 1]), `order` (each position's hash) and `sorted` (its two halves).
   */
  private sortByChunk(c: number, starts: Uint32Array, order: Uint32Array, sorted: Uint32Array): void {
    const { hi, lo } = this;
    const n = hi.length;
    const shift = c % 2 === 0 ? 16 : 0;
    const words = c < 2 ? hi : lo;
    starts.fill(0);
    for (let i = 0; i < n; i++) starts[((words[i]! >>> shift) & 0xffff) + 1]!++;
    for (let k = 1; k < 65537; k++) starts[k]! += starts[k - 1]!;
    const fill = starts.slice(0, 65536);
    for (let i = 0; i < n; i++) order[fill[(words[i]! >>> shift) & 0xffff]!++] = i;
    for (let p = 0; p < n; p++) {
      sorted[2 * p] = hi[order[p]!]!;
      sorted[2 * p + 1] = lo[order[p]!]!;
    }
  }

  private pairsInWasm(kernel: WebAssembly.Module, maxDistance: number, onPair: (i: number, j: number, distance: number) => void): void {
    const n = this.size;
    const perChunk = Math.floor(maxDistance / 4);
    const probes = chunkProbes(perChunk), skips = groupEnds(probes);
    const startsAt = 0, probesAt = align16(65537 * 4), skipsAt = align16(probesAt + 4 * probes.length), sortedAt = align16(skipsAt + 4 * probes.length);
    const orderAt = align16(sortedAt + 8 * n), countAt = align16(orderAt + 4 * n), outAt = countAt + 16;
    let capacity = 1 << 16;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((outAt + 12 * capacity) / PAGE) });
    const scan = new WebAssembly.Instance(kernel, { env: { mem: memory } }).exports.scan as ScanChunk;
    const view = (at: number, length: number): Uint32Array => new Uint32Array(memory.buffer, at, length);
    view(probesAt, probes.length).set(probes);
    view(skipsAt, skips.length).set(skips);
    for (let c = 0; c < 4; c++) {
      this.sortByChunk(c, view(startsAt, 65537), view(orderAt, n), view(sortedAt, 2 * n));
      for (;;) {
        scan(c, perChunk, maxDistance, probes.length, capacity, startsAt, probesAt, sortedAt, orderAt, outAt, countAt, skipsAt);
        const count = view(countAt, 1)[0]!;
        if (count !== 0xffffffff) {
          const out = view(outAt, 3 * count);
          for (let k = 0; k < 3 * count; k += 3) {
            const i = out[k]!, j = out[k + 1]!;
            if (i < j) onPair(i, j, out[k + 2]!);
            else onPair(j, i, out[k + 2]!);
          }
          break;
        }
        // More pairs than room: a larger output, and the chunk again.
        capacity *= 4;
        const needed = Math.ceil((outAt + 12 * capacity) / PAGE);
        memory.grow(needed - memory.buffer.byteLength / PAGE);
      }
    }
  }

  private pairsInJs(maxDistance: number, onPair: (i: number, j: number, distance: number) => void): void {
    const n = this.size;
    const perChunk = Math.floor(maxDistance / 4);
    const probes = chunkProbes(perChunk), skips = groupEnds(probes);
    const starts = new Uint32Array(65537);
    const order = new Uint32Array(n);
    // The hashes in bucket order, each as its two halves side by side.
    const sorted = new Uint32Array(2 * n);
    for (let c = 0; c < 4; c++) {
      this.sortByChunk(c, starts, order, sorted);
      for (let a = 0; a < 65536; a++) {
        const a0 = starts[a]!, a1 = starts[a + 1]!;
        if (a0 === a1) continue;
        for (let q = 0; q < probes.length; q++) {
          const b = a ^ probes[q]!;
          // Each unordered pair of buckets once: the bucket with itself, else from the lower one.
          // b < a when a has the probe's highest bit: so do all the probes of its group.
          if (b < a) {
            q = skips[q]!;
            continue;
          }
          const b0 = b === a ? 0 : starts[b]!, b1 = starts[b + 1]!;
          if (b !== a && b0 === b1) continue;
          for (let p = a0; p < a1; p++) {
            const ph = sorted[2 * p]!, pl = sorted[2 * p + 1]!;
            for (let r = b === a ? p + 1 : b0; r < b1; r++) {
              const xh = ph ^ sorted[2 * r]!, xl = pl ^ sorted[2 * r + 1]!;
              const d = popcount(xh) + popcount(xl);
              if (d > maxDistance || firstCloseChunk(xh, xl, perChunk) !== c) continue;
              const i = order[p]!, j = order[r]!;
              if (i < j) onPair(i, j, d);
              else onPair(j, i, d);
            }
          }
        }
      }
    }
  }
}

/** The first of the four chunks of a difference with at most `bits` bits set (some is, when the difference is within 4 × bits + 3). */
function firstCloseChunk(xh: number, xl: number, bits: number): number {
  if (popcount(xh >>> 16) <= bits) return 0;
  if (popcount(xh & 0xffff) <= bits) return 1;
  if (popcount(xl >>> 16) <= bits) return 2;
  return 3;
}

/**
 * For each probe (masks in ascending order, thus grouped by their highest bit), the index of
 * the last one with the same highest bit: where a bucket has that bit set, each of them leads
 * to a lower bucket, and the search skips them together.
 */
function groupEnds(probes: Uint32Array): Uint32Array {
  const ends = new Uint32Array(probes.length);
  const top = (m: number): number => 31 - Math.clz32(m);
  for (let q = probes.length - 1; q >= 0; q--) ends[q] = q + 1 < probes.length && top(probes[q + 1]!) === top(probes[q]!) ? ends[q + 1]! : q;
  return ends;
}

const probeCache = new Map<number, Uint32Array>();
/** The 16-bit masks of at most `bits` bits, in ascending order (the empty mask first). */
function chunkProbes(bits: number): Uint32Array {
  const cached = probeCache.get(bits);
  if (cached) return cached;
  const masks: number[] = [];
  for (let m = 0; m < 65536; m++) if (popcount(m) <= bits) masks.push(m);
  const out = Uint32Array.from(masks);
  probeCache.set(bits, out);
  return out;
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
