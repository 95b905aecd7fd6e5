import type { DuplicateClass, PairSide, PairVerdict, RelativeBox } from './verify-pair.js';
import { verifyPair } from './verify-pair.js';
import { HammingIndex, popcount } from './hamming-index.js';

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
  return mergeDisjoint(candidatesOnHash(at, words, DCT, null), candidatesOnHash(at, words, GRADIENT, DCT));
}

/** Where a photo's hash sits among its packed words: the DCT hash, then the gradient hash. */
export const DCT = 0, GRADIENT = 2;
export type HashAt = typeof DCT | typeof GRADIENT;

/**
 * The pairs (i < j, indexes of `at`) within CANDIDATE_BITS on one hash (`on`), leaving out those
 * also within it on the hash at `skip` (another search reports them), as i × n + j ascending.
 * One search of the two that candidatesAmong joins: either may run in its own thread.
 */
export function candidatesOnHash(at: Uint32Array, words: Uint32Array, on: HashAt, skip: HashAt | null): Float64Array {
  const n = at.length;
  const hi = new Uint32Array(n), lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    hi[i] = words[4 * at[i]! + on]!;
    lo[i] = words[4 * at[i]! + on + 1]!;
  }
  const keys: number[] = [];
  new HammingIndex(hi, lo).pairsWithin(CANDIDATE_BITS, (i, j) => {
    if (skip !== null) {
      const a = 4 * at[i]! + skip, b = 4 * at[j]! + skip;
      if (popcount(words[a]! ^ words[b]!) + popcount(words[a + 1]! ^ words[b + 1]!) <= CANDIDATE_BITS) return;
    }
    keys.push(i * n + j);
  });
  // The index reports each pair once.
  return Float64Array.from(keys).sort();
}

/**
 * The candidate pairs (i < j, indexes of `at`, as i × n + j ascending) of which at least one
 * side is marked (marked[i] for at[i]): candidatesAmong restricted to them, found at a cost that
 * grows with the marked photos (a scan's new ones) rather than with the library. When most are
 * marked (a library searched for the first time), the search of every pair costs less.
 */
export function candidatesTouching(at: Uint32Array, words: Uint32Array, marked: Uint8Array): Float64Array {
  const n = at.length;
  let count = 0;
  for (let i = 0; i < n; i++) count += marked[i]!;
  if (count === 0) return new Float64Array(0);
  if (2 * count >= n) return candidatesAmong(at, words).filter((key) => marked[Math.floor(key / n)]! === 1 || marked[key % n]! === 1);
  const keys: number[] = [];
  for (const [on, skip] of [[DCT, null], [GRADIENT, DCT]] as const) {
    const hi = new Uint32Array(n), lo = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      hi[i] = words[4 * at[i]! + on]!;
      lo[i] = words[4 * at[i]! + on + 1]!;
    }
    new HammingIndex(hi, lo).pairsTouching(marked, CANDIDATE_BITS, (i, j) => {
      if (skip !== null) {
        const a = 4 * at[i]! + skip, b = 4 * at[j]! + skip;
        if (popcount(words[a]! ^ words[b]!) + popcount(words[a + 1]! ^ words[b + 1]!) <= CANDIDATE_BITS) return;
      }
      keys.push(i * n + j);
    });
  }
  return Float64Array.from(keys).sort();
}

/** Two ascending lists with no key in common, as one ascending list. */
export function mergeDisjoint(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0, j = 0, k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! < b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

type Details = { thumb: Uint8Array; colour: Uint8Array };

/**
 * What a search of `photos` starts from: the exact copies (by size, then SHA-256), the photos
 * the hash search takes (`at`, indexes of `photos`, and `hashed`, those photos), and the
 * finer check of a candidate pair's two sides.
 */
interface SearchPlan {
  pairs: DuplicatePair[];
  at: Uint32Array;
  hashed: SearchPhoto[];
  words: Uint32Array;
  /** The candidate pairs (keys into `hashed`, ascending) the finer check decides, in that order. */
  toCheck(candidates: Float64Array): Array<[SearchPhoto, SearchPhoto]>;
  /** The two sides of a pair as verifyPair takes them; null when either has no thumbnails. */
  sides(lo: SearchPhoto, hi: SearchPhoto): [PairSide, PairSide] | null;
}

/** The exact copies among `photos` (by size, then SHA-256), those the user dismissed left out; `keys` holds every one ("a:b", a < b by order of `photos`). */
export function exactPairs(photos: readonly SearchPhoto[], dismissed: (a: SearchPhoto, b: SearchPhoto) => boolean): { pairs: DuplicatePair[]; keys: Set<string> } {
  const pairs: DuplicatePair[] = [];
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
  const keys = new Set<string>();
  for (const list of sameSize.values()) {
    const byHash = new Map<string, SearchPhoto[]>();
    for (const p of list) byHash.set(p.contentHash, [...(byHash.get(p.contentHash) ?? []), p]);
    for (const same of byHash.values()) {
      for (let i = 0; i < same.length; i++) for (let j = i + 1; j < same.length; j++) {
        keys.add(`${same[i]!.id}:${same[j]!.id}`);
        if (!dismissed(same[i]!, same[j]!)) pairs.push({ a: same[i]!.id, b: same[j]!.id, class: 'exact' });
      }
    }
  }
  return { pairs, keys };
}

/** The two sides of a pair as verifyPair takes them (null when either has no thumbnails), each photo's thumbnails read once. */
export function pairSides(options: SearchOptions): (lo: SearchPhoto, hi: SearchPhoto) => [PairSide, PairSide] | null {
  const lazy = options.detailsOf;
  const details = new Map<number, Details | null>();
  const detailOf = (p: SearchPhoto): Details | null => {
    if (p.thumb && p.colour) return { thumb: p.thumb, colour: p.colour };
    if (!details.has(p.id)) details.set(p.id, lazy?.(p.id) ?? null);
    return details.get(p.id)!;
  };
  const side = (p: SearchPhoto, d: Details): PairSide => ({
    thumb: d.thumb,
    colour: d.colour,
    aspect: p.width > 0 && p.height > 0 ? p.width / p.height : 1,
    faces: options.facesOf?.(p.id) ?? null,
  });
  return (lo, hi) => {
    const dl = detailOf(lo), dh = detailOf(hi);
    return dl && dh ? [side(lo, dl), side(hi, dh)] : null;
  };
}

/** The photos (indexes of `photos`) the hash search takes: those with both hashes, and thumbnails given or to be read. */
export function searchable(photos: readonly SearchPhoto[], options: SearchOptions, packed: PackedHashes): Uint32Array {
  const at: number[] = [];
  photos.forEach((p, i) => {
    if (packed.present[i] && ((p.thumb && p.colour) || options.detailsOf)) at.push(i);
  });
  return Uint32Array.from(at);
}

function planSearch(photos: readonly SearchPhoto[], options: SearchOptions): SearchPlan {
  const dismissed = options.dismissed ?? (() => false);
  const { pairs, keys: exactKeys } = exactPairs(photos, dismissed);
  const packed = options.packed ?? packHashes(photos);
  const at = searchable(photos, options, packed);
  const hashed = Array.from(at, (i) => photos[i]!);
  const n = hashed.length;
  return {
    pairs,
    at,
    hashed,
    words: packed.words,
    toCheck: (candidates) => {
      const out: Array<[SearchPhoto, SearchPhoto]> = [];
      for (const key of candidates) {
        const a = hashed[Math.floor(key / n)]!, b = hashed[key % n]!;
        const [lo, hi] = a.id < b.id ? [a, b] : [b, a];
        if (lo.contentHash === hi.contentHash && exactKeys.has(`${lo.id}:${hi.id}`)) continue;
        if (dismissed(lo, hi)) continue;
        out.push([lo, hi]);
      }
      return out;
    },
    sides: pairSides(options),
  };
}

/**
 * Every related pair of photos: exact copies by size then SHA-256; the rest by multi-index
 * hashing on both perceptual hashes, each candidate checked on its thumbnails and faces.
 */
export function findDuplicatePairs(photos: readonly SearchPhoto[], options: SearchOptions = {}): { pairs: DuplicatePair[]; candidates: number } {
  const plan = planSearch(photos, options);
  const candidates = candidatesAmong(plan.at, plan.words);
  const pairs = plan.pairs;
  for (const [lo, hi] of plan.toCheck(candidates)) {
    const sides = plan.sides(lo, hi);
    if (!sides) continue;
    const verdict = verifyPair(sides[0], sides[1]);
    if (verdict.class) pairs.push({ a: lo.id, b: hi.id, class: verdict.class });
  }
  return { pairs, candidates: candidates.length };
}

/** What findDuplicatePairsInThreads asks of its threads (pair-workers.ts). */
export interface PairThreads {
  /** candidatesOnHash in a thread. */
  search(at: Uint32Array, words: Uint32Array, on: HashAt, skip: HashAt | null): Promise<Float64Array>;
  /** verifyPair of each batch's pairs of sides (sides 0 and 1, 2 and 3, …) on the threads, the batches made one after another as they are sent; the classes, batch by batch. */
  verify(batches: Iterator<PairSide[]>): Promise<Array<Array<PairVerdict['class']>>>;
}

/** Pairs checked per message to a thread. */
const BATCH = 32;

/**
 * findDuplicatePairs with the two hash searches and the finer checks spread over threads: the
 * same pairs, in the same order. The thumbnails and faces are read here, a batch at a time,
 * while the threads check the batches sent before.
 */
export async function findDuplicatePairsInThreads(photos: readonly SearchPhoto[], threads: PairThreads, options: SearchOptions = {}): Promise<{ pairs: DuplicatePair[]; candidates: number }> {
  const plan = planSearch(photos, options);
  const [onDct, onGradient] = await Promise.all([threads.search(plan.at, plan.words, DCT, null), threads.search(plan.at, plan.words, GRADIENT, DCT)]);
  const candidates = mergeDisjoint(onDct, onGradient);
  const checks = plan.toCheck(candidates);
  // Each batch's pairs that have both sides' thumbnails, by their place in `checks`.
  const batchPairs: number[][] = [];
  function* batches(): Generator<PairSide[]> {
    for (let start = 0; start < checks.length; start += BATCH) {
      const sides: PairSide[] = [], which: number[] = [];
      for (let k = start; k < Math.min(checks.length, start + BATCH); k++) {
        const s = plan.sides(checks[k]![0], checks[k]![1]);
        if (!s) continue;
        sides.push(s[0], s[1]);
        which.push(k);
      }
      batchPairs.push(which);
      yield sides;
    }
  }
  const classes = await threads.verify(batches());
  const verdicts = new Array<PairVerdict['class']>(checks.length).fill(null);
  classes.forEach((cls, b) => batchPairs[b]!.forEach((k, m) => (verdicts[k] = cls[m]!)));
  const pairs = plan.pairs;
  checks.forEach(([lo, hi], k) => {
    const cls = verdicts[k];
    if (cls) pairs.push({ a: lo.id, b: hi.id, class: cls });
  });
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
