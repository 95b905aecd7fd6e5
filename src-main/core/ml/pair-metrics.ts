/**
 * Figures of a pair matcher: scores (higher = more likely the same person) and labels.
 * Pure functions, no tfjs.
 */

/** Area under the ROC curve (Mann-Whitney U; ties count one half). */
export function auc(scores: ArrayLike<number>, same: ArrayLike<boolean>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0, neg = 0, rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (same[idx[k]!]) {
        pos++;
        rankSumPos += avgRank;
      } else neg++;
    }
    i = j + 1;
  }
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

export function accuracyAt(scores: ArrayLike<number>, same: ArrayLike<boolean>, threshold: number, subset?: readonly number[]): number {
  const ids = subset ?? Array.from({ length: scores.length }, (_, i) => i);
  let right = 0;
  for (const i of ids) if (scores[i]! >= threshold === same[i]!) right++;
  return ids.length === 0 ? NaN : right / ids.length;
}

/** The threshold (midway between neighbouring scores) that maximises accuracy on `subset`. */
export function bestThreshold(scores: ArrayLike<number>, same: ArrayLike<boolean>, subset?: readonly number[]): number {
  const ids = [...(subset ?? Array.from({ length: scores.length }, (_, i) => i))].sort((a, b) => scores[a]! - scores[b]!);
  if (ids.length === 0) return 0;
  // Threshold below everything: all "same".
  let right = ids.filter((i) => same[i]).length;
  let best = right, bestT = scores[ids[0]!]! - 1;
  for (let k = 0; k < ids.length; k++) {
    // Moving the threshold above ids[k]: it becomes "different".
    right += same[ids[k]!] ? -1 : 1;
    const next = k + 1 < ids.length ? scores[ids[k + 1]!]! : scores[ids[k]!]! + 1;
    if (next === scores[ids[k]!]!) continue;
    if (right > best) {
      best = right;
      bestT = (scores[ids[k]!]! + next) / 2;
    }
  }
  return bestT;
}

export interface FoldFigures {
  accuracy: number;
  /** Standard error of the mean over the folds (sample standard deviation / sqrt(folds)). */
  stderr: number;
  foldAccuracies: number[];
  thresholds: number[];
}

/** LFW View 2: each fold's accuracy at the threshold chosen on the other folds. */
export function crossFoldAccuracy(scores: ArrayLike<number>, same: ArrayLike<boolean>, fold: ArrayLike<number>): FoldFigures {
  const folds = [...new Set(Array.from(fold))].sort((a, b) => a - b);
  const foldAccuracies: number[] = [];
  const thresholds: number[] = [];
  for (const f of folds) {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < scores.length; i++) (fold[i] === f ? test : train).push(i);
    const t = bestThreshold(scores, same, train);
    thresholds.push(t);
    foldAccuracies.push(accuracyAt(scores, same, t, test));
  }
  const k = foldAccuracies.length;
  const mean = foldAccuracies.reduce((s, a) => s + a, 0) / k;
  const variance = k > 1 ? foldAccuracies.reduce((s, a) => s + (a - mean) ** 2, 0) / (k - 1) : 0;
  return { accuracy: mean, stderr: Math.sqrt(variance / k), foldAccuracies, thresholds };
}

export interface RocPoint {
  fpr: number;
  tpr: number;
}

/** The ROC curve: one point per distinct score, from (0, 0) to (1, 1). */
export function rocCurve(scores: ArrayLike<number>, same: ArrayLike<boolean>): RocPoint[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const pos = idx.filter((i) => same[i]).length, neg = idx.length - pos;
  const out: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0, fp = 0;
  for (let k = 0; k < idx.length; k++) {
    if (same[idx[k]!]) tp++;
    else fp++;
    if (k + 1 === idx.length || scores[idx[k + 1]!] !== scores[idx[k]!]) out.push({ fpr: neg ? fp / neg : 0, tpr: pos ? tp / pos : 0 });
  }
  return out;
}

/**
 * At most `max` points of a ROC curve, evenly spaced along it, its ends kept: enough to draw
 * it, small enough to store with every learned version.
 */
export function thinRoc(points: readonly RocPoint[], max: number): RocPoint[] {
  const round = (v: number): number => Math.round(v * 1e4) / 1e4;
  const keep = points.length <= max ? points : Array.from({ length: max }, (_, k) => points[Math.round((k * (points.length - 1)) / (max - 1))]!);
  return keep.map((p) => ({ fpr: round(p.fpr), tpr: round(p.tpr) }));
}

export interface Confusion {
  /** same predicted same */
  tp: number;
  /** different predicted same */
  fp: number;
  tn: number;
  fn: number;
}

export function confusionAt(scores: ArrayLike<number>, same: ArrayLike<boolean>, threshold: number | ArrayLike<number>): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const t = typeof threshold === 'number' ? threshold : threshold[i]!;
    const predicted = scores[i]! >= t;
    if (same[i]) {
      if (predicted) c.tp++;
      else c.fn++;
    } else if (predicted) c.fp++;
    else c.tn++;
  }
  return c;
}

/** Mean binary cross-entropy of probabilities. */
export function binaryCrossEntropy(prob: ArrayLike<number>, same: ArrayLike<boolean>): number {
  let s = 0;
  for (let i = 0; i < prob.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, prob[i]!));
    s -= same[i] ? Math.log(p) : Math.log(1 - p);
  }
  return s / prob.length;
}
