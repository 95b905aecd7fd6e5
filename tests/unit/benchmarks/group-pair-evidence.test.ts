import { describe, expect, it } from 'vitest';

import { groupPairEvidence, proportionLowerBound, type AnsweredGroupPair, type OpenGroupPair } from '../../../src-main/core/benchmarks/feedback/group-pair-evidence.js';

describe('what the answers about two people could vouch for', () => {
  it('bounds a share from below as Clopper and Pearson do', () => {
    // Every answer "same": alpha^(1/n), so 0.99 at 95 % needs 299 of 299.
    expect(proportionLowerBound(10, 10)).toBeCloseTo(0.05 ** (1 / 10), 6);
    expect(proportionLowerBound(298, 298)).toBeLessThan(0.99);
    expect(proportionLowerBound(299, 299)).toBeGreaterThanOrEqual(0.99);
    // 5 of 10 at 95 % one-sided: the 5 % quantile of Beta(5, 6), 0.2224.
    expect(proportionLowerBound(5, 10)).toBeCloseTo(0.2224, 3);
    expect(proportionLowerBound(0, 7)).toBe(0);
    expect(proportionLowerBound(0, 0)).toBe(0);
    expect(() => proportionLowerBound(3, 2)).toThrow(RangeError);
  });

  it('counts answers and open pairs by band above the threshold and by the smaller group', () => {
    const answered: AnsweredGroupPair[] = [
      { mergeDistance: 0.5, sizes: [4, 4], same: true }, // below the threshold: in no band
      { mergeDistance: 0.52, sizes: [1, 9], same: true },
      { mergeDistance: 0.52, sizes: [3, 5], same: false },
      { mergeDistance: 0.56, sizes: [2, 2], same: true },
    ];
    const open: OpenGroupPair[] = [
      { mergeDistance: 0.515, sizes: [1, 20], same: true, truePairs: 20, falsePairs: 0 },
      { mergeDistance: 0.53, sizes: [6, 10], same: false, truePairs: 0, falsePairs: 60 },
      { mergeDistance: 0.58, sizes: [2, 3], same: false, truePairs: 0, falsePairs: 6 },
    ];
    const rows = groupPairEvidence(answered, open, 0.51, [0.53, 0.6], [1, 2]);
    expect(rows.map((r) => [r.minSize, r.from, r.to])).toEqual([
      [1, 0.51, 0.53],
      [1, 0.53, 0.6],
      [2, 0.51, 0.53],
      [2, 0.53, 0.6],
    ]);
    expect(rows[0]!.answered).toMatchObject({ same: 1, different: 1 });
    expect(rows[0]!.open).toEqual({ pairs: 2, same: 1, truePairs: 20, falsePairs: 60 });
    expect(rows[1]!.answered).toMatchObject({ same: 1, different: 0 });
    expect(rows[1]!.open).toEqual({ pairs: 1, same: 0, truePairs: 0, falsePairs: 6 });
    expect(rows[2]!.answered).toMatchObject({ same: 0, different: 1 });
    expect(rows[2]!.open).toEqual({ pairs: 1, same: 0, truePairs: 0, falsePairs: 60 });
    expect(rows[3]!.answered.precisionLowerBound).toBeCloseTo(0.05, 6);
  });
});
