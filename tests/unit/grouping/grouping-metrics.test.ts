import { describe, expect, it } from 'vitest';
import { scoreGrouping } from '../../../src-main/core/grouping/grouping-metrics.js';

describe('scoreGrouping', () => {
  it('is perfect for the truth itself', () => {
    const s = scoreGrouping(['a', 'a', 'b'], ['x', 'x', 'y']);
    expect(s.pairwisePrecision).toBe(1);
    expect(s.pairwiseRecall).toBe(1);
    expect(s.bcubedF).toBe(1);
  });

  it('counts a wrong merge against precision and a split against recall', () => {
    // truth: {0,1,2} {3}; predicted: {0,1} {2,3}
    const s = scoreGrouping([1, 1, 2, 2], [7, 7, 7, 8]);
    expect(s.pairwisePrecision).toBeCloseTo(1 / 2); // (0,1) right, (2,3) wrong
    expect(s.pairwiseRecall).toBeCloseTo(1 / 3); // (0,1) of (0,1),(0,2),(1,2)
    // BCubed precision: items 0,1 -> 1; items 2,3 -> 1/2 each => 0.75
    expect(s.bcubedPrecision).toBeCloseTo(0.75);
    // BCubed recall: 0,1 -> 2/3; 2 -> 1/3; 3 -> 1 => (2/3+2/3+1/3+1)/4
    expect(s.bcubedRecall).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4);
  });
});
