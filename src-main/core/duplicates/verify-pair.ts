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
  thumb: Uint8Array | Float64Array;
  colour: Uint8Array | Float64Array;
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
  /** The largest difference of one 8×8 block of the aligned thumbnails (grey levels in standard deviations): a subject that moved. */
  worstBlock: number;
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

/**
 * The finer check's version: raise it with any change to verifyPair or its limits. Its checks
 * are kept in the library (duplicate_pairs), and a new version makes them again, once.
 */
export const VERIFY_VERSION = 1;

/** The finer check's limits, measured on `npm run bench:duplicates`. */
export const VERIFY_LIMITS = {
  sameGrey: 0.97,
  sameDetail: 0.9,
  sameCrop: 0.015,
  sameAspect: 0.02,
  sameBrightness: 1.02,
  sameColour: 0.012,
  /**
   * A copy differs nowhere: its worst 8×8 block stays small (at most 0.10 over the 326 true
   * "same" pairs of the bench), where the next shot of a burst, its subject moved, differs in one
   * (0.35 and more over its 150 burst pairs), even when the whole frame correlates at 0.97.
   */
  sameBlock: 0.25,
  editedGrey: 0.93,
  /** Detail asked of an edit without a crop (brightness, colour: bursts fall below it) and of a crop. */
  editedDetail: 0.95,
  croppedDetail: 0.85,
  editedCrop: 0.13,
  editedBlock: 0.5,
  similarGrey: 0.75,
};

const N = THUMB_SIDE;
const STEP = 0.01;
const MAX_CUT = 0.14;

function pearson(a: Float64Array, b: Float64Array): number {
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

/** Bilinear sample of channel `ch` of a side×side image with `stride` channels, at fractions of its frame. */
function sample2d(img: Float64Array, side: number, stride: number, ch: number, fx: number, fy: number): number {
  const u = Math.min(side - 1, Math.max(0, fx * side - 0.5));
  const v = Math.min(side - 1, Math.max(0, fy * side - 0.5));
  const x = Math.floor(u), y = Math.floor(v), ax = u - x, ay = v - y;
  const x1 = Math.min(side - 1, x + 1), y1 = Math.min(side - 1, y + 1);
  const top = img[(y * side + x) * stride + ch]! * (1 - ax) + img[(y * side + x1) * stride + ch]! * ax;
  const bottom = img[(y1 * side + x) * stride + ch]! * (1 - ax) + img[(y1 * side + x1) * stride + ch]! * ax;
  return top * (1 - ay) + bottom * ay;
}

function profiles(thumb: Float64Array): { cols: Float64Array; rows: Float64Array } {
  const cols = new Float64Array(N), rows = new Float64Array(N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
    cols[x] = cols[x]! + thumb[y * N + x]!;
    rows[y] = rows[y]! + thumb[y * N + x]!;
  }
  return { cols, rows };
}

/** The span [a0, a1] of the big profile that best matches the whole small one: a coarse grid, then its neighbours. */
function bestSpan(big: Float64Array, small: Float64Array): { a0: number; a1: number; r: number } {
  const resampled = new Float64Array(N);
  const tryAt = (a0: number, a1: number): number => {
    for (let k = 0; k < N; k++) resampled[k] = sample1d(big, a0 + ((k + 0.5) / N) * (a1 - a0));
    return pearson(resampled, small);
  };
  let best = { a0: 0, a1: 1, r: tryAt(0, 1) };
  for (let i = 0; i * 2 * STEP <= MAX_CUT + 1e-9; i++) for (let j = 0; j * 2 * STEP <= MAX_CUT + 1e-9; j++) {
    const a0 = i * 2 * STEP, a1 = 1 - j * 2 * STEP;
    const r = tryAt(a0, a1);
    if (r > best.r + 1e-6) best = { a0, a1, r };
  }
  const coarse = best;
  for (const d0 of [-STEP, 0, STEP]) for (const d1 of [-STEP, 0, STEP]) {
    const a0 = coarse.a0 + d0, a1 = coarse.a1 + d1;
    if ((d0 === 0 && d1 === 0) || a0 < 0 || a1 > 1 || a0 > MAX_CUT + 1e-9 || a1 < 1 - MAX_CUT - 1e-9) continue;
    const r = tryAt(a0, a1);
    if (r > best.r + 1e-6) best = { a0, a1, r };
  }
  return best;
}

/**
 * Where each of the 32 columns (or rows) of a region falls in the big thumbnail: the two cells
 * and the weight of the second, exactly as sample2d computes them for that column.
 */
function axisTaps(a0: number, a1: number, from: Int32Array, to: Int32Array, weight: Float64Array): void {
  for (let k = 0; k < N; k++) {
    const f = a0 + ((k + 0.5) / N) * (a1 - a0);
    const u = Math.min(N - 1, Math.max(0, f * N - 0.5));
    const i = Math.floor(u);
    from[k] = i;
    to[k] = Math.min(N - 1, i + 1);
    weight[k] = u - i;
  }
}

/**
 * The big thumbnail's region resampled onto the small one's 32×32 grid, into `out`: the same
 * bilinear arithmetic as sample2d, its taps computed once a column and once a row. Each row of
 * the thumbnail is first interpolated across (as sample2d's top and bottom), kept while the
 * region's left and right stay: the search moves one side at a time, so a move of the top or
 * the bottom only interpolates those rows down.
 */
class RegionSampler {
  private readonly x0 = new Int32Array(N);
  private readonly x1 = new Int32Array(N);
  private readonly ax = new Float64Array(N);
  private readonly y0 = new Int32Array(N);
  private readonly y1 = new Int32Array(N);
  private readonly ay = new Float64Array(N);
  /** Every row of the thumbnail interpolated at the columns of the region's left and right (across). */
  private readonly across = new Float64Array(N * N);
  private acrossFor: { x0: number; x1: number } | null = null;

  constructor(private readonly thumb: Float64Array) {}

  sample(region: Region, out: Float64Array): Float64Array {
    const { thumb, x0, x1, ax, y0, y1, ay, across } = this;
    if (this.acrossFor === null || this.acrossFor.x0 !== region.x0 || this.acrossFor.x1 !== region.x1) {
      axisTaps(region.x0, region.x1, x0, x1, ax);
      for (let row = 0; row < N * N; row += N) {
        for (let x = 0; x < N; x++) {
          const wx = ax[x]!;
          across[row + x] = thumb[row + x0[x]!]! * (1 - wx) + thumb[row + x1[x]!]! * wx;
        }
      }
      this.acrossFor = { x0: region.x0, x1: region.x1 };
    }
    axisTaps(region.y0, region.y1, y0, y1, ay);
    for (let y = 0; y < N; y++) {
      const r0 = y0[y]! * N, r1 = y1[y]! * N, wy = ay[y]!;
      for (let x = 0; x < N; x++) out[y * N + x] = across[r0 + x]! * (1 - wy) + across[r1 + x]! * wy;
    }
    return out;
  }
}

/** The big thumbnail's region resampled onto the small one's 32×32 grid. */
function resampleRegion(thumb: Float64Array, region: Region): Float64Array {
  return new RegionSampler(thumb).sample(region, new Float64Array(N * N));
}

function gradients(img: Float64Array, g = new Float64Array(2 * (N - 1) * (N - 1))): Float64Array {
  let k = 0;
  for (let y = 0; y < N - 1; y++) for (let x = 0; x < N - 1; x++) {
    g[k++] = img[y * N + x + 1]! - img[y * N + x]!;
    g[k++] = img[(y + 1) * N + x]! - img[y * N + x]!;
  }
  return g;
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / Math.max(1, a.length);
}

function colourDifference(big: Float64Array, small: Float64Array, region: Region): number {
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

/**
 * Pearson correlation of many series with one fixed series: the same sums in the same order as
 * pearson(a, target), the target's share of them computed once.
 */
class CorrelationWith {
  private readonly centred: Float64Array;
  private readonly sum: number;
  private readonly variance: number;

  constructor(target: Float64Array) {
    const n = target.length;
    let sb = 0;
    for (let i = 0; i < n; i++) sb += target[i]!;
    const mb = sb / n;
    this.centred = new Float64Array(n);
    let vb = 0;
    for (let i = 0; i < n; i++) {
      const db = target[i]! - mb;
      this.centred[i] = db;
      vb += db * db;
    }
    this.sum = sb;
    this.variance = vb;
  }

  of(a: Float64Array): number {
    const n = a.length;
    let sa = 0;
    for (let i = 0; i < n; i++) sa += a[i]!;
    return this.withSum(a, sa);
  }

  /**
   * of(gradients(img, g)) in one pass less: each gradient is added to the sum as it is written
   * into `g` (the same sums in the same order).
   */
  ofGradients(img: Float64Array, g: Float64Array): number {
    let sa = 0, k = 0;
    for (let y = 0; y < N - 1; y++) {
      for (let x = 0; x < N - 1; x++) {
        const at = y * N + x;
        const dx = img[at + 1]! - img[at]!, dy = img[at + N]! - img[at]!;
        g[k++] = dx;
        g[k++] = dy;
        sa += dx;
        sa += dy;
      }
    }
    return this.withSum(g, sa);
  }

  /** The correlation of `a`, its sum given. */
  private withSum(a: Float64Array, sa: number): number {
    const n = a.length, db = this.centred;
    const ma = sa / n;
    let cov = 0, va = 0;
    for (let i = 0; i < n; i++) {
      const da = a[i]! - ma;
      cov += da * db[i]!;
      va += da * da;
    }
    const vb = this.variance;
    if (va < 1e-9 || vb < 1e-9) return va < 1e-9 && vb < 1e-9 ? 1 : 0;
    return cov / Math.sqrt(va * vb);
  }
}

/** Coordinate ascent of the region's four sides on the detail correlation, in half steps. */
function refine(big: Float64Array, small: Float64Array, start: Region): Region {
  const target = new CorrelationWith(gradients(small));
  const sampler = new RegionSampler(big);
  const resampled = new Float64Array(N * N), detail = new Float64Array(2 * (N - 1) * (N - 1));
  // The ascent comes back to regions it measured (a side moved out, then in): each is measured
  // once. A few dozen regions at most: a list compared side by side costs less than a map keyed
  // by their four numbers written out.
  const measured: Array<{ r: Region; f: number }> = [];
  const fit = (r: Region): number => {
    for (const m of measured) if (m.r.x0 === r.x0 && m.r.x1 === r.x1 && m.r.y0 === r.y0 && m.r.y1 === r.y1) return m.f;
    const f = target.ofGradients(sampler.sample(r, resampled), detail);
    measured.push({ r, f });
    return f;
  };
  let best = start, bestFit = fit(start);
  for (let round = 0; round < 3; round++) {
    let improved = false;
    for (const key of ['x0', 'x1', 'y0', 'y1'] as const) {
      for (const d of [-STEP / 2, STEP / 2, -STEP, STEP]) {
        const r = { ...best, [key]: best[key] + d };
        if (r.x0 < 0 || r.y0 < 0 || r.x1 > 1 || r.y1 > 1 || r.x0 > MAX_CUT || r.y0 > MAX_CUT || r.x1 < 1 - MAX_CUT || r.y1 < 1 - MAX_CUT) continue;
        const f = fit(r);
        if (f > bestFit + 1e-6) {
          best = r;
          bestFit = f;
          improved = true;
        }
      }
    }
    if (!improved) break;
  }
  return best;
}

/** Mean absolute difference of the standardised thumbnails in their worst 8×8 block. */
function worstBlock(a: Float64Array, b: Float64Array): number {
  const za = standardise(a), zb = standardise(b);
  let worst = 0;
  for (let by = 0; by < N; by += 8) for (let bx = 0; bx < N; bx += 8) {
    let s = 0;
    for (let y = by; y < by + 8; y++) for (let x = bx; x < bx + 8; x++) s += Math.abs(za[y * N + x]! - zb[y * N + x]!);
    worst = Math.max(worst, s / 64);
  }
  return worst;
}

function standardise(a: Float64Array): Float64Array {
  const m = mean(a);
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i]! - m) ** 2;
  const sd = Math.sqrt(v / a.length) || 1;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i]! - m) / sd;
  return out;
}

type FloatSide = { thumb: Float64Array; colour: Float64Array };

const asFloat = (s: PairSide): FloatSide => ({
  thumb: s.thumb instanceof Float64Array ? s.thumb : Float64Array.from(s.thumb),
  colour: s.colour instanceof Float64Array ? s.colour : Float64Array.from(s.colour),
});

const FULL_FRAME: Region = { x0: 0, x1: 1, y0: 0, y1: 1 };

/** Where `small` sits in `big`: the best spans of the profiles, then refined on the detail. */
function align(big: Float64Array, small: Float64Array): Region {
  const pb = profiles(big), ps = profiles(small);
  const xs = bestSpan(pb.cols, ps.cols), ys = bestSpan(pb.rows, ps.rows);
  return refine(big, small, { x0: xs.a0, x1: xs.a1, y0: ys.a0, y1: ys.a1 });
}

/**
 * Identical thumbnails (the same pixels: a copy with other metadata, a lossless conversion):
 * the whole frame correlates 1 with itself and no crop can beat it by the search's margin
 * (1e-6), so the search would answer the whole frame; it is skipped.
 */
function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One direction: `small` is (perhaps) a crop of `big`. */
function evidenceOf(bigSide: PairSide, smallSide: PairSide, big: FloatSide, small: FloatSide): PairEvidence {
  const region = sameValues(big.thumb, small.thumb) ? FULL_FRAME : align(big.thumb, small.thumb);
  const aligned = resampleRegion(big.thumb, region);
  const greyCorrelation = pearson(aligned, small.thumb);
  const detailCorrelation = pearson(gradients(aligned), gradients(small.thumb));
  const mb = mean(aligned) + 1, ms = mean(small.thumb) + 1;
  return {
    greyCorrelation,
    detailCorrelation,
    worstBlock: worstBlock(aligned, small.thumb),
    crop: Math.max(region.x0, 1 - region.x1, region.y0, 1 - region.y1),
    brightness: Math.max(mb / ms, ms / mb),
    colour: colourDifference(big.colour, small.colour, region),
    aspectDifference: Math.abs(Math.log(bigSide.aspect / smallSide.aspect)),
    facesAgree: facesAgree(bigSide.faces, smallSide.faces, region),
  };
}

export function classify(e: PairEvidence): PairVerdict['class'] {
  const L = VERIFY_LIMITS;
  if (e.greyCorrelation < L.similarGrey) return null;
  const copyLike = e.facesAgree !== false;
  if (
    copyLike && e.greyCorrelation >= L.sameGrey && e.detailCorrelation >= L.sameDetail && e.crop <= L.sameCrop &&
    e.aspectDifference <= L.sameAspect && e.brightness <= L.sameBrightness && e.colour <= L.sameColour && e.worstBlock <= L.sameBlock
  ) return 'same';
  if (copyLike && e.greyCorrelation >= L.editedGrey && e.detailCorrelation >= (e.crop < 0.03 ? L.editedDetail : L.croppedDetail) && e.crop <= L.editedCrop && e.worstBlock <= L.editedBlock) return 'edited';
  return 'similar';
}

/**
 * The finer check of a candidate pair (close hashes): aligns the two thumbnails (either may be
 * a crop of the other), compares their grey levels, detail, brightness, colour and faces, and
 * says which class of duplicate they are, or none.
 */
export function verifyPair(a: PairSide, b: PairSide): PairVerdict {
  const fa = asFloat(a), fb = asFloat(b);
  const ab = evidenceOf(a, b, fa, fb);
  // Identical thumbnails: both directions align the whole frame and resample it to the same
  // values, so their grey, detail and crop, and thus their scores, are the same numbers, and the
  // first direction is the one kept; the second is not worked out.
  if (sameValues(fa.thumb, fb.thumb)) return { class: classify(ab), evidence: ab };
  const ba = evidenceOf(b, a, fb, fa);
  const score = (e: PairEvidence): number => e.greyCorrelation + e.detailCorrelation - e.crop;
  const evidence = score(ab) >= score(ba) ? ab : ba;
  return { class: classify(evidence), evidence };
}
