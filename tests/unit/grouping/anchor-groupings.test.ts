import { describe, expect, it } from 'vitest';
import { chineseWhispers, densityGroups } from '../../../src-main/core/grouping/anchor-groupings.js';
import type { GroupingEdges } from '../../../src-main/core/grouping/cluster.js';

/** kNN lists (k = n - 1) for points on a line. */
function lineEdges(xs: number[]): GroupingEdges {
  const n = xs.length, k = n - 1;
  const neighbour = new Int32Array(n * k), distance = new Float32Array(n * k);
  xs.forEach((x, i) => {
    const others = xs.map((_, j) => j).filter((j) => j !== i).sort((a, b) => Math.abs(xs[a]! - x) - Math.abs(xs[b]! - x));
    others.forEach((j, c) => {
      neighbour[i * k + c] = j;
      distance[i * k + c] = Math.abs(xs[j]! - x);
    });
  });
  return { queryFace: Int32Array.from(xs, (_, i) => i), neighbour, distance, k };
}

describe('anchor groupings', () => {
  const xs = [0, 0.05, 0.1, 0.15, 5, 5.05, 5.1, 9];
  it('Chinese whispers separates two dense groups and leaves the far point alone', () => {
    const l = chineseWhispers(xs.length, lineEdges(xs), 0.3);
    expect(l[0]).toBe(l[3]);
    expect(l[4]).toBe(l[6]);
    expect(l[0]).not.toBe(l[4]);
    expect(new Set(l).size).toBe(3);
  });

  it("Immich's density rule needs enough neighbours to found a person", () => {
    const l = densityGroups(xs.length, lineEdges(xs), 0.3, 3);
    expect(l[0]).toBe(l[3]); // four faces within 0.3 of each other: a person
    expect(new Set([l[4], l[5], l[6]]).size).toBe(3); // three faces, two neighbours each: no core, alone
  });
});
