import { describe, expect, it } from 'vitest';

import { vetoCandidates } from '../../../src-main/core/grouping/candidate-veto.js';

describe('the pair head over candidate pairs', () => {
  it('drops the candidate pairs it calls different and keeps those it has no opinion on', () => {
    const edges = {
      queryFace: Int32Array.from([0, 1]),
      neighbour: Int32Array.from([1, 2, 0, -1]),
      distance: Float32Array.from([0.3, 0.5, 0.3, Infinity]),
      k: 2,
    };
    const seen: Array<[number, number]> = [];
    const r = vetoCandidates(edges, (i, j) => {
      i.forEach((a, p) => seen.push([a, j[p]!]));
      return Float32Array.from(i, (a, p) => (a === 0 && j[p] === 2 ? 0.1 : a === 1 ? NaN : 0.9));
    });
    expect(seen).toEqual([[0, 1], [0, 2], [1, 0]]);
    expect(r).toEqual({ scored: 3, dropped: 1 });
    expect(Array.from(edges.distance)).toEqual([Float32Array.from([0.3])[0], Infinity, Float32Array.from([0.3])[0], Infinity]);
  });
});
