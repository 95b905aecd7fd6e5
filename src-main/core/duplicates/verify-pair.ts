import { COLOUR_SIDE, THUMB_SIDE } from '../analysis/fingerprint.js';

/** The classes of duplicates, from the strictest. */
export type DuplicateClass = 'exact' | 'same' | 'edited' | 'similar';
export const DUPLICATE_CLASSES: readonly DuplicateClass[] = ['exact', 'same', 'edited', 'similar'];

/** A face's box in fractions of its upright photo. */
export interface RelativeBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PairSide {
  thumb: Uint8Array;
  colour: Uint8Array;
  /** Upright width / height. */
  aspect: number;
  /** The faces found by the analysis; null when unknown. */
  faces: RelativeBox[] | null;
}

/** Where one picture sits inside the other: fractions of the larger one's frame. */
interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface PairEvidence {
  /** Pearson correlation of the aligned grey thumbnails. */
  greyCorrelation: number;
  /** Pearson correlation of their gradients: fine detail that a burst or another photo does not share. */
  detailCorrelation: number;
  /** The largest share of a side cut away from one picture to give the other. */
  crop: number;
  /** Mean brightness of one over the other's, ≥ 1. */
  brightness: number;
  /** Mean difference of chromaticity (r and b shares) over the colour grid. */
  colour: number;
  aspectDifference: number;
  /** False when both have faces known and they are not the same faces in the same places. */
  facesAgree: boolean | null;
}

export interface PairVerdict {
  /** null: not related. */
  class: Exclude<DuplicateClass, 'exact'> | null;
  evidence: PairEvidence;
}

/** The finer check's limits, measured on `npm run bench:duplicates`. */
export const VERIFY_LIMITS = {
  sameGrey: 0.97,
  sameDetail: 0.9,
  sameCrop: 0.015,
  sameAspect: 0.02,
  sameBrightness: 1.04,
  sameColour: 0.012,
  editedGrey: 0.93,
  editedDetail: 0.75,
  editedCrop: 0.13,
  similarGrey: 0.75,
};

const N = THUMB_SIDE;
const STEP = 0.01;
const MAX_CUT = 0.14;

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n, mb = sb / n;
  let cov = 0, va = 0, vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va < 1e-9 || vb < 1e-9) return va < 1e-9 && vb < 1e-9 ? 1 : 0;
  return cov / Math.sqrt(va * vb);
}

/** Linear interpolation of a profile of `n` cells at a position in fractions of the frame. */
function sample1d(p: Float64Array, pos: number): number {
  const n = p.length;
  const u = Math.min(n - 1, Math.max(0, pos * n - 0.5));
  const i = Math.floor(u), f = u - i;
  return i + 1 < n ? p[i]! * (1 - f) + p[i + 1]! * f : p[i]!;
}

function sample2d(img: ArrayLike<number>, side: number, stride: number, ch: number, fx: number, fy: number): number {
  const u = Math.min(side - 1, Math.max(0, fx * side - 0.5));
  const v = Math.min(side - 1, Math.max(0, fy * side - 0.5));
  const x = Math.floor(u), y = Math.floor(v), ax = u - x, ay = v - y;
  const x1 = Math.min(side - 1, x + 1), y1 = Math.min(side - 1, y + 1);
  const at = (xx: number, yy: number): number => img[(yy * side + xx) * stride + ch]!;
  return (at(x, y) * (1 - ax) + at(x1, y) * ax) * (1 - ay) + (at(x, y1) * (1 - ax) + at(x1, y1) * ax) * ay;
}

function profiles(thumb: Uint8Array): { cols: Float64Array; rows: Float64Array } {
  const cols = new Float64Array(N), rows = new Float64Array(N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    cols[x] = cols[x]! + thumb[y * N + x]!;
    rows[y] = rows[y]! + thumb[y * N + x]!;
  }
  return { cols, rows };
}

/** The span [a0, a1] of the big profile that best matches the whole small one. */
function bestSpan(big: Float64Array, small: Float64Array): { a0: number; a1: number; r: number } {
  const resampled = new Float64Array(N);
  let best = { a0: 0, a1: 1, r: -2 };
  for (let a0 = 0; a0 <= MAX_CUT + 1e-9; a0 += STEP) {
    for (let a1 = 1; a1 >= 1 - MAX_CUT - 1e-9; a1 -= STEP) {
      for (let k = 0; k < N; k++) resampled[k] = sample1d(big, a0 + ((k + 0.5) / N) * (a1 - a0));
      const r = pearson(resampled, small);
      if (r > best.r + 1e-6) best = { a0, a1, r };
    }
  }
  return best;
}

/** The big thumbnail's region resampled onto the small one's 32×32 grid. */
function resampleRegion(thumb: Uint8Array, region: Region): Float64Array {
  const out = new Float64Array(N * N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    const fx = region.x0 + ((x + 0.5) / N) * (region.x1 - region.x0);
    const fy = region.y0 + ((y + 0.5) / N) * (region.y1 - region.y0);
    out[y * N + x] = sample2d(thumb, N, 1, 0, fx, fy);
  }
  return out;
}

function gradients(img: ArrayLike<number>): Float64Array {
  const g = new Float64Array(2 * (N - 1) * (N - 1));
  let k = 0;
  for (let y = 0; y < N - 1; y++) for (let x = 0; x < N - 1; x++) {
    g[k++] = img[y * N + x + 1]! - img[y * N + x]!;
    g[k++] = img[(y + 1) * N + x]! - img[y * N + x]!;
  }
  return g;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / Math.max(1, a.length);
}

function colourDifference(big: Uint8Array, small: Uint8Array, region: Region): number {
  const S = COLOUR_SIDE;
  let sum = 0;
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) {
    const fx = region.x0 + ((x + 0.5) / S) * (region.x1 - region.x0);
    const fy = region.y0 + ((y + 0.5) / S) * (region.y1 - region.y0);
    const r1 = sample2d(big, S, 3, 0, fx, fy), g1 = sample2d(big, S, 3, 1, fx, fy), b1 = sample2d(big, S, 3, 2, fx, fy);
    const o = 3 * (y * S + x);
    const r2 = small[o]!, g2 = small[o + 1]!, b2 = small[o + 2]!;
    const t1 = r1 + g1 + b1 + 1, t2 = r2 + g2 + b2 + 1;
    sum += Math.abs(r1 / t1 - r2 / t2) + Math.abs(b1 / t1 - b2 / t2);
  }
  return sum / (2 * S * S);
}

/** Faces of the big picture moved into the small one's frame must be the small one's faces. */
function facesAgree(big: RelativeBox[] | null, small: RelativeBox[] | null, region: Region): boolean | null {
  if (big === null || small === null) return null;
  const w = region.x1 - region.x0, h = region.y1 - region.y0;
  const moved = big
    .map((f) => ({ x: (f.x - region.x0) / w, y: (f.y - region.y0) / h, w: f.w / w, h: f.h / h }))
    // A face cut away by the crop is no disagreement.
    .filter((f) => f.x + f.w / 2 > 0.02 && f.x + f.w / 2 < 0.98 && f.y + f.h / 2 > 0.02 && f.y + f.h / 2 < 0.98);
  if (moved.length !== small.length) return false;
  const used = new Set<number>();
  for (const f of moved) {
    const cx = f.x + f.w / 2, cy = f.y + f.h / 2;
    let hit = -1;
    small.forEach((g, k) => {
      if (used.has(k) || hit >= 0) return;
      const near = Math.abs(g.x + g.w / 2 - cx) < Math.max(0.03, f.w * 0.25) && Math.abs(g.y + g.h / 2 - cy) < Math.max(0.03, f.h * 0.25);
      if (near && g.w / f.w > 0.75 && g.w / f.w < 1.33) hit = k;
    });
    if (hit < 0) return false;
    used.add(hit);
  }
  return true;
}

/** One direction: `small` is (perhaps) a crop of `big`. */
function evidenceOf(big: PairSide, small: PairSide): PairEvidence {
  const pb = profiles(big.thumb), ps = profiles(small.thumb);
  const xs = bestSpan(pb.cols, ps.cols), ys = bestSpan(pb.rows, ps.rows);
  const region: Region = { x0: xs.a0, x1: xs.a1, y0: ys.a0, y1: ys.a1 };
  const aligned = resampleRegion(big.thumb, region);
  const greyCorrelation = pearson(aligned, small.thumb);
  const detailCorrelation = pearson(gradients(aligned), gradients(small.thumb));
  const mb = mean(aligned) + 1, ms = mean(small.thumb) + 1;
  return {
    greyCorrelation,
    detailCorrelation,
    crop: Math.max(region.x0, 1 - region.x1, region.y0, 1 - region.y1),
    brightness: Math.max(mb / ms, ms / mb),
    colour: colourDifference(big.colour, small.colour, region),
    aspectDifference: Math.abs(Math.log(big.aspect / small.aspect)),
    facesAgree: facesAgree(big.faces, small.faces, region),
  };
}

export function classify(e: PairEvidence): PairVerdict['class'] {
  const L = VERIFY_LIMITS;
  if (e.greyCorrelation < L.similarGrey) return null;
  const copyLike = e.facesAgree !== false;
  if (
    copyLike && e.greyCorrelation >= L.sameGrey && e.detailCorrelation >= L.sameDetail && e.crop <= L.sameCrop &&
    e.aspectDifference <= L.sameAspect && e.brightness <= L.sameBrightness && e.colour <= L.sameColour
  ) return 'same';
  if (copyLike && e.greyCorrelation >= L.editedGrey && e.detailCorrelation >= L.editedDetail && e.crop <= L.editedCrop) return 'edited';
  return 'similar';
}

/**
 * The finer check of a candidate pair (close hashes): aligns the two thumbnails (either may be
 * a crop of the other), compares their grey levels, detail, brightness, colour and faces, and
 * says which class of duplicate they are, or none.
 */
export function verifyPair(a: PairSide, b: PairSide): PairVerdict {
  const ab = evidenceOf(a, b), ba = evidenceOf(b, a);
  const score = (e: PairEvidence): number => e.greyCorrelation + e.detailCorrelation - e.crop;
  const evidence = score(ab) >= score(ba) ? ab : ba;
  return { class: classify(evidence), evidence };
}
