import type { DuplicateClass, PairSide, RelativeBox } from './verify-pair.js';
import { verifyPair } from './verify-pair.js';
import { HammingIndex } from './hamming-index.js';

/** One photo as the search reads it. */
export interface SearchPhoto {
  id: number;
  contentHash: string;
  size: number;
  width: number;
  height: number;
  /** The 8-byte hashes (or none here: SearchOptions.packed holds them). */
  dct?: Uint8Array | null;
  gradient?: Uint8Array | null;
  /** The finer check's thumbnails: here, or read for the candidates only (SearchOptions.detailsOf). */
  thumb?: Uint8Array | null;
  colour?: Uint8Array | null;
}

export interface DuplicatePair {
  a: number;
  b: number;
  class: DuplicateClass;
}

/** Hash distance under which a pair is checked further: the index finds every pair within it. */
export const CANDIDATE_BITS = 11;

export interface SearchOptions {
  /** Faces of a photo in fractions of its frame; null when not analysed for faces. */
  facesOf?: (photoId: number) => RelativeBox[] | null;
  /** True when the user said these two are not duplicates. */
  dismissed?: (a: SearchPhoto, b: SearchPhoto) => boolean;
  /** The thumbnails of a photo given without them (read for the candidates only); null when it has none. */
  detailsOf?: (photoId: number) => { thumb: Uint8Array; colour: Uint8Array } | null;
  /** The photos' hashes packed (as a library of 100,000 is read), instead of each photo's bytes. */
  packed?: PackedHashes;
}

/**
 * The two hashes of `photos[i]` as 32-bit halves at words[4i .. 4i + 3]: DCT high and low,
 * gradient high and low (big-endian, as the fingerprints store them); present[i] = 1 when the
 * photo has them.
 */
export interface PackedHashes {
  words: Uint32Array;
  present: Uint8Array;
}

/** The hashes of photos given as bytes, packed. */
export function packHashes(photos: readonly SearchPhoto[]): PackedHashes {
  const words = new Uint32Array(4 * photos.length), present = new Uint8Array(photos.length);
  const word = (h: Uint8Array, k: number): number => ((h[k]! << 24) | (h[k + 1]! << 16) | (h[k + 2]! << 8) | h[k + 3]!) >>> 0;
  photos.forEach((p, i) => {
    if (!p.dct || !p.gradient) return;
    present[i] = 1;
    words.set([word(p.dct, 0), word(p.dct, 4), word(p.gradient, 0), word(p.gradient, 4)], 4 * i);
  });
  return { words, present };
}

/**
 * Every pair (i < j, indexes of `photos`) within CANDIDATE_BITS on the DCT hash or on the
 * gradient hash, each once, as i × n + j in ascending order.
 */
export function candidatePairs(photos: readonly SearchPhoto[]): Float64Array {
  return candidatesAmong(Uint32Array.from(photos.keys()), packHashes(photos).words);
}

/** candidatePairs of the photos at `at` (indexes into the packed words); i and j index `at`. */
function candidatesAmong(at: Uint32Array, words: Uint32Array): Float64Array {
  const n = at.length;
  const keys: number[] = [];
  for (const offset of [0, 2]) {
    const hi = new Uint32Array(n), lo = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      hi[i] = words[4 * at[i]! + offset]!;
      lo[i] = words[4 * at[i]! + offset + 1]!;
    }
    new HammingIndex(hi, lo).pairsWithin(CANDIDATE_BITS, (i, j) => {
      keys.push(i * n + j);
    });
  }
  const sorted = Float64Array.from(keys).sort();
  let m = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[m++] = sorted[k]!;
  return sorted.subarray(0, m);
}

/**
 * Every related pair of photos: exact copies by size then SHA-256; the rest by multi-index
 * hashing on both perceptual hashes, each candidate checked on its thumbnails and faces.
 */
export function findDuplicatePairs(photos: readonly SearchPhoto[], options: SearchOptions = {}): { pairs: DuplicatePair[]; candidates: number } {
  const pairs: DuplicatePair[] = [];
  const dismissed = options.dismissed ?? (() => false);
  // Photos by size, a list made only for a size two photos share (a library is mostly unique sizes).
  const firstOfSize = new Map<number, SearchPhoto>();
  const sameSize = new Map<number, SearchPhoto[]>();
  for (const p of photos) {
    const first = firstOfSize.get(p.size);
    if (first === undefined) {
      firstOfSize.set(p.size, p);
      continue;
    }
    const list = sameSize.get(p.size);
    if (list) list.push(p);
    else sameSize.set(p.size, [first, p]);
  }
  const exactKeys = new Set<string>();
  for (const list of sameSize.values()) {
    const byHash = new Map<string, SearchPhoto[]>();
    for (const p of list) byHash.set(p.contentHash, [...(byHash.get(p.contentHash) ?? []), p]);
    for (const same of byHash.values()) {
      for (let i = 0; i < same.length; i++) for (let j = i + 1; j < same.length; j++) {
        exactKeys.add(`${same[i]!.id}:${same[j]!.id}`);
        if (!dismissed(same[i]!, same[j]!)) pairs.push({ a: same[i]!.id, b: same[j]!.id, class: 'exact' });
      }
    }
  }

  const lazy = options.detailsOf;
  const packed = options.packed ?? packHashes(photos);
  const at: number[] = [];
  photos.forEach((p, i) => {
    if (packed.present[i] && ((p.thumb && p.colour) || lazy)) at.push(i);
  });
  const hashed = at.map((i) => photos[i]!);
  const candidates = candidatesAmong(Uint32Array.from(at), packed.words);
  const n = hashed.length;
  const details = new Map<number, { thumb: Uint8Array; colour: Uint8Array } | null>();
  const detailOf = (p: SearchPhoto): { thumb: Uint8Array; colour: Uint8Array } | null => {
    if (p.thumb && p.colour) return { thumb: p.thumb, colour: p.colour };
    if (!details.has(p.id)) details.set(p.id, lazy?.(p.id) ?? null);
    return details.get(p.id)!;
  };
  const side = (p: SearchPhoto, d: { thumb: Uint8Array; colour: Uint8Array }): PairSide => ({
    thumb: d.thumb,
    colour: d.colour,
    aspect: p.width > 0 && p.height > 0 ? p.width / p.height : 1,
    faces: options.facesOf?.(p.id) ?? null,
  });
  for (const key of candidates) {
    const a = hashed[Math.floor(key / n)]!, b = hashed[key % n]!;
    const [lo, hi] = a.id < b.id ? [a, b] : [b, a];
    if (lo.contentHash === hi.contentHash && exactKeys.has(`${lo.id}:${hi.id}`)) continue;
    if (dismissed(lo, hi)) continue;
    const dl = detailOf(lo), dh = detailOf(hi);
    if (!dl || !dh) continue;
    const verdict = verifyPair(side(lo, dl), side(hi, dh));
    if (verdict.class) pairs.push({ a: lo.id, b: hi.id, class: verdict.class });
  }
  return { pairs, candidates: candidates.length };
}

const RANK: Record<DuplicateClass, number> = { exact: 0, same: 1, edited: 2, similar: 3 };

/** Groups of photos: connected by duplicate pairs (exact, same, edited), or by similar pairs alone. */
export function groupPairs(pairs: readonly DuplicatePair[]): Array<{ class: DuplicateClass; members: number[] }> {
  const groups: Array<{ class: DuplicateClass; members: number[] }> = [];
  for (const wanted of ['duplicate', 'similar'] as const) {
    const parent = new Map<number, number>();
    const find = (x: number): number => {
      let r = x;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(x, r);
      return r;
    };
    const cls = new Map<number, DuplicateClass>();
    const chosen = pairs.filter((p) => (wanted === 'similar') === (p.class === 'similar'));
    for (const p of chosen) {
      for (const x of [p.a, p.b]) if (!parent.has(x)) parent.set(x, x);
      const ra = find(p.a), rb = find(p.b);
      if (ra !== rb) parent.set(ra, rb);
    }
    for (const p of chosen) {
      const r = find(p.a);
      const c = cls.get(r);
      if (!c || RANK[p.class] > RANK[c]) cls.set(r, p.class);
    }
    const members = new Map<number, number[]>();
    for (const x of parent.keys()) {
      const r = find(x);
      const list = members.get(r);
      if (list) list.push(x);
      else members.set(r, [x]);
    }
    for (const [r, m] of members) groups.push({ class: cls.get(find(r))!, members: m.sort((x, y) => x - y) });
  }
  return groups;
}
