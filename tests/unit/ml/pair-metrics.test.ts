import { describe, expect, it } from 'vitest';

import { accuracyAt, auc, bestThreshold, binaryCrossEntropy, confusionAt, crossFoldAccuracy, rocCurve, thinRoc } from '../../../src-main/core/ml/pair-metrics.js';

describe('pair metrics', () => {
  it('computes AUC as the share of (same, different) pairs ranked right, ties half', () => {
    expect(auc([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
    expect(auc([0.1, 0.2, 0.9, 0.8], [true, true, false, false])).toBe(0);
    expect(auc([0.5, 0.5], [true, false])).toBe(0.5);
    // 3 same x 2 different = 6 pairs; 0.7 > 0.6 > 0.4 | 0.65, 0.3: wins 1+1+1 (vs 0.3) + 1 (0.7 vs 0.65) = 4
    expect(auc([0.7, 0.6, 0.4, 0.65, 0.3], [true, true, true, false, false])).toBeCloseTo(4 / 6, 12);
  });

  it('chooses the threshold of best accuracy, midway between scores', () => {
    const s = [0.9, 0.8, 0.3, 0.2, 0.6];
    const y = [true, true, false, false, false];
    expect(bestThreshold(s, y)).toBeCloseTo(0.7, 12);
    expect(accuracyAt(s, y, 0.7)).toBe(1);
    expect(confusionAt(s, y, 0.5)).toEqual({ tp: 2, fp: 1, tn: 2, fn: 0 });
  });

  it('reproduces View 2 figures on a synthetic slice: thresholds from the other folds', () => {
    // Fold 0 separates at 0.5, fold 1 at 0.5, fold 2 has one pair on the wrong side.
    const scores = [0.9, 0.1, 0.8, 0.2, 0.7, 0.6];
    const same = [true, false, true, false, true, false];
    const fold = [0, 0, 1, 1, 2, 2];
    const r = crossFoldAccuracy(scores, same, fold);
    // Fold 2's threshold comes from folds 0-1 (midway 0.2..0.8 -> 0.5): 0.6 is called same -> 1/2.
    expect(r.foldAccuracies).toEqual([1, 1, 0.5]);
    expect(r.accuracy).toBeCloseTo(2.5 / 3, 12);
    // sample sd of (1, 1, 0.5) = sqrt(((1/6)^2*2 + (1/3)^2)/2) = 0.288675; / sqrt(3)
    expect(r.stderr).toBeCloseTo(0.288675134595 / Math.sqrt(3), 9);
  });

  it('draws the ROC curve from (0, 0) to (1, 1) and scores probabilities by cross-entropy', () => {
    const roc = rocCurve([0.9, 0.1, 0.5], [true, false, true]);
    expect(roc[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(roc.at(-1)).toEqual({ fpr: 1, tpr: 1 });
    expect(binaryCrossEntropy([0.5, 0.5], [true, false])).toBeCloseTo(Math.log(2), 12);
  });

  it('thins a ROC curve to a few points along it, keeping both ends', () => {
    const scores = Array.from({ length: 500 }, (_, i) => i / 500);
    const same = scores.map((s, i) => s > 0.3 || i % 7 === 0);
    const full = rocCurve(scores, same);
    const thin = thinRoc(full, 64);
    expect(thin).toHaveLength(64);
    expect(thin[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(thin.at(-1)).toEqual({ fpr: 1, tpr: 1 });
    for (let k = 1; k < thin.length; k++) {
      expect(thin[k]!.fpr).toBeGreaterThanOrEqual(thin[k - 1]!.fpr);
      expect(thin[k]!.tpr).toBeGreaterThanOrEqual(thin[k - 1]!.tpr);
    }
    expect(thinRoc(full.slice(0, 10), 64)).toHaveLength(10);
  });
});
