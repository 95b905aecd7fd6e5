import { describe, expect, it } from 'vitest';
import { mergeDistance, rmsDistance, sumsByGroup } from '../../../src-main/core/grouping/merge-distance.js';

describe('merge distance', () => {
  // Rows of a 3 × 2 matrix: group 7 holds (0, 0) and (0, 2), group 9 holds (3, 0); the last row is in no group.
  const vectors = Float32Array.from([0, 0, 3, 0, 0, 2, 5, 5]);
  const sums = sumsByGroup(vectors, 2, [7, 9, 7, null]);

  it('sums each group, leaving out rows in none', () => {
    expect([...sums.keys()]).toEqual([7, 9]);
    expect(sums.get(7)).toEqual({ size: 2, sum: Float64Array.from([0, 2]), sumSq: 4 });
  });

  it('is the root mean square distance over all cross pairs, plus the margin shrunk by the groups’ sizes', () => {
    const brute = Math.sqrt((3 ** 2 + (3 ** 2 + 2 ** 2)) / 2);
    expect(rmsDistance(sums.get(7)!, sums.get(9)!)).toBeCloseTo(brute, 10);
    expect(mergeDistance(sums.get(7)!, sums.get(9)!, 0.04)).toBeCloseTo(brute + 0.04 / Math.sqrt(2), 10);
    expect(mergeDistance(sums.get(9)!, sums.get(9)!, 0)).toBeCloseTo(0, 10);
  });
});
