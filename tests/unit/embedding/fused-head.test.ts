import { describe, expect, it } from 'vitest';

import { fitLogistic } from '../../../src-main/core/ml/logistic.js';
import { fusedFeatures, fusedScore, FUSED_FEATURES, type FusedHead } from '../../../src-main/core/embedding/seed/fused-head.js';
import { Rng } from '../../../src-main/core/ml/rng.js';

describe('fused pair head', () => {
  it('learns from descriptor distance and seed score, and ranks close pairs as the same person', () => {
    const rng = new Rng(5);
    const X: number[][] = [], y: boolean[] = [];
    for (let i = 0; i < 2000; i++) {
      const same = i % 2 === 0;
      const d = same ? 0.35 + 0.12 * rng.next() : 0.55 + 0.3 * rng.next();
      const p = same ? 0.4 + 0.6 * rng.next() : 0.6 * rng.next();
      X.push(fusedFeatures(d, p));
      y.push(same);
    }
    const fit = fitLogistic(X, y);
    const head: FusedHead = { format: 'facepair-fused', version: 1, features: [...FUSED_FEATURES], ...fit, seedKey: 'x', trainedOn: 'synthetic', useForGrouping: false };
    let right = 0;
    X.forEach((_, i) => {
      const d = X[i]![0]!, logit = X[i]![2]!;
      const prob = fusedScore(head, d, 1 / (1 + Math.exp(-logit)));
      if (prob >= 0.5 === y[i]) right++;
    });
    expect(right / X.length).toBeGreaterThan(0.98);
    expect(fusedScore(head, 0.3, 0.9)).toBeGreaterThan(fusedScore(head, 0.8, 0.9));
    expect(fusedScore(head, 0.5, 0.9)).toBeGreaterThan(fusedScore(head, 0.5, 0.1));
  });
});

describe('compiled fused head', () => {
  it('equals fusedScore', async () => {
    const { compileFused } = await import('../../../src-main/core/embedding/seed/fused-head.js');
    const head: FusedHead = { format: 'facepair-fused', version: 1, features: [...FUSED_FEATURES], mean: [0.6, 0.4, -1], std: [0.2, 0.25, 3], weights: [-2, 0.5, 1.2], bias: 0.3, seedKey: 'x', trainedOn: 'x', useForGrouping: false };
    const f = compileFused(head);
    for (const [d, p] of [[0.3, 0.9], [0.9, 0.1], [0.55, 0.5], [1.2, 1e-9]] as const) expect(f(d, p)).toBeCloseTo(fusedScore(head, d, p), 12);
  });
});
