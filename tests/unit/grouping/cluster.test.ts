import { describe, expect, it } from 'vitest';
import { groupFaces, type GroupingInput } from '../../../src-main/core/grouping/cluster.js';

/** Faces as 2-d points; the kNN graph holds every pair (k = n - 1). */
function input(points: Array<[number, number]>, over: Partial<GroupingInput> = {}): GroupingInput {
  const n = points.length;
  const k = n - 1;
  const dist = (a: number, b: number): number => Math.hypot(points[a]![0] - points[b]![0], points[a]![1] - points[b]![1]);
  const neighbour = new Int32Array(n * k);
  const distance = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).sort((a, b) => dist(i, a) - dist(i, b));
    others.forEach((j, c) => {
      neighbour[i * k + c] = j;
      distance[i * k + c] = dist(i, j);
    });
  }
  return {
    n,
    photo: Int32Array.from({ length: n }, (_, i) => 100 + i),
    person: new Int32Array(n).fill(-1),
    edges: { queryFace: Int32Array.from({ length: n }, (_, i) => i), neighbour, distance, k },
    vectors: Float32Array.from(points.flat()),
    dims: 2,
    mustLink: [],
    cannotLink: [],
    ...over,
  };
}

// Two people: faces 0-3 around (0, 0), faces 4-7 around (1, 0).
const twoPeople: Array<[number, number]> = [
  [0, 0], [0.1, 0], [0, 0.1], [0.1, 0.1],
  [1, 0], [1.1, 0], [1, 0.1], [1.1, 0.1],
];
const opts = { linkage: 0.45, smallGroupMargin: 0, maxEdge: 0.6 };
const together = (label: Int32Array, a: number, b: number): boolean => label[a] === label[b];

describe('groupFaces', () => {
  it('puts close faces together and keeps distant ones apart', () => {
    const label = groupFaces(input(twoPeople), opts);
    expect(new Set(label).size).toBe(2);
    expect(together(label, 0, 3)).toBe(true);
    expect(together(label, 4, 7)).toBe(true);
    expect(together(label, 0, 4)).toBe(false);
  });

  it('never groups two faces of one photo', () => {
    const photo = Int32Array.from({ length: 8 }, (_, i) => 100 + i);
    photo[1] = photo[0]!;
    const label = groupFaces(input(twoPeople, { photo }), opts);
    expect(together(label, 0, 1)).toBe(false);
  });

  it('honours a "different people" answer even between very close faces', () => {
    const label = groupFaces(input(twoPeople, { cannotLink: [[0, 2]] }), opts);
    expect(together(label, 0, 2)).toBe(false);
  });

  it('honours a "same person" answer even between distant faces', () => {
    const label = groupFaces(input(twoPeople, { mustLink: [[0, 5]] }), opts);
    expect(together(label, 0, 5)).toBe(true);
  });

  it('does not merge two existing people, but lets new faces join one', () => {
    const person = new Int32Array(8).fill(-1);
    person[0] = 1;
    person[1] = 2; // the user split these into two people: they stay two
    const label = groupFaces(input(twoPeople, { person }), opts);
    expect(together(label, 0, 1)).toBe(false);
    expect(together(label, 2, 0) || together(label, 2, 1)).toBe(true);
  });

  it('refuses a chain: one close pair does not glue two groups whose faces are far apart on average', () => {
    // 0, 0.1, 0.2 and 0.6, 0.7, 0.8 on a line: faces 2 and 3 are 0.4 apart (single linkage
    // would merge at 0.45), but the root mean square distance across the groups is 0.61.
    const line: Array<[number, number]> = [[0, 0], [0.1, 0], [0.2, 0], [0.6, 0], [0.7, 0], [0.8, 0]];
    const label = groupFaces(input(line), { linkage: 0.45, smallGroupMargin: 0, maxEdge: 2 });
    expect(together(label, 0, 2)).toBe(true);
    expect(together(label, 3, 5)).toBe(true);
    expect(together(label, 2, 3)).toBe(false);
  });

  it('asks single faces to be closer than large groups before they merge', () => {
    // Two faces 0.42 apart merge at linkage 0.45, but not once a margin of 0.05 applies to a pair of singles.
    const pair: Array<[number, number]> = [[0, 0], [0.42, 0]];
    expect(together(groupFaces(input(pair), opts), 0, 1)).toBe(true);
    expect(together(groupFaces(input(pair), { ...opts, smallGroupMargin: 0.05 }), 0, 1)).toBe(false);
  });

  it('considers only groups joined by a neighbour pair within maxEdge', () => {
    const label = groupFaces(input([[0, 0], [0.3, 0]]), { linkage: 0.45, smallGroupMargin: 0, maxEdge: 0.2 });
    expect(together(label, 0, 1)).toBe(false);
  });
});
