import { describe, expect, it } from 'vitest';
import { groupFaces, type GroupingInput } from '../../src-main/core/people/cluster.js';

/** All pairs as kNN lists (k = n - 1) from a distance function. */
function fullGraph(n: number, dist: (a: number, b: number) => number): GroupingInput['edges'] {
  const k = n - 1;
  const queryFace = Int32Array.from({ length: n }, (_, i) => i);
  const neighbour = new Int32Array(n * k);
  const distance = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).sort((a, b) => dist(i, a) - dist(i, b));
    others.forEach((j, c) => {
      neighbour[i * k + c] = j;
      distance[i * k + c] = dist(i, j);
    });
  }
  return { queryFace, neighbour, distance, k };
}

// Two tight people: faces 0-3 (A) and 4-7 (B); within 0.2, across 0.9.
const person = (i: number): number => (i < 4 ? 0 : 1);
const dist = (a: number, b: number): number => (person(a) === person(b) ? 0.2 : 0.9);
const base = (over: Partial<GroupingInput> = {}): GroupingInput => ({
  n: 8,
  photo: Int32Array.from({ length: 8 }, (_, i) => 100 + i),
  person: new Int32Array(8).fill(-1),
  edges: fullGraph(8, dist),
  mustLink: [],
  cannotLink: [],
  ...over,
});
const opts = { linkage: 0.45, maxEdge: 0.6 };

function together(label: Int32Array, a: number, b: number): boolean {
  return label[a] === label[b];
}

describe('groupFaces', () => {
  it('puts close faces together and keeps distant ones apart', () => {
    const label = groupFaces(base(), opts);
    expect(new Set(label).size).toBe(2);
    expect(together(label, 0, 3)).toBe(true);
    expect(together(label, 4, 7)).toBe(true);
    expect(together(label, 0, 4)).toBe(false);
  });

  it('never groups two faces of one photo', () => {
    const photo = Int32Array.from({ length: 8 }, (_, i) => 100 + i);
    photo[1] = photo[0]!;
    const label = groupFaces(base({ photo }), opts);
    expect(together(label, 0, 1)).toBe(false);
  });

  it('honours a "different people" answer even between very close faces', () => {
    const label = groupFaces(base({ cannotLink: [[0, 2]] }), opts);
    expect(together(label, 0, 2)).toBe(false);
  });

  it('honours a "same person" answer even between distant faces', () => {
    const label = groupFaces(base({ mustLink: [[0, 5]] }), opts);
    expect(together(label, 0, 5)).toBe(true);
  });

  it('does not merge two existing people, but lets new faces join one', () => {
    const existing = new Int32Array(8).fill(-1);
    existing[0] = 1;
    existing[1] = 2; // the user split A into two people: they stay two
    const label = groupFaces(base({ person: existing }), opts);
    expect(together(label, 0, 1)).toBe(false);
    expect(together(label, 2, 0) || together(label, 2, 1)).toBe(true);
  });

  it('average linkage refuses a chain: one close pair does not glue two far groups', () => {
    // 0-1-2 tight, 3-4-5 tight, only 2~3 close: the mean over all neighbour pairs is far.
    const pos = [0, 0.1, 0.2, 0.6, 0.7, 0.8];
    const d = (a: number, b: number): number => Math.abs(pos[a]! - pos[b]!) * (a === 2 && b === 3 ? 1 : a === 3 && b === 2 ? 1 : 1.5);
    const n = 6;
    const label = groupFaces(
      { n, photo: Int32Array.from({ length: n }, (_, i) => i), person: new Int32Array(n).fill(-1), edges: fullGraph(n, d), mustLink: [], cannotLink: [] },
      { linkage: 0.45, maxEdge: 2 },
    );
    expect(together(label, 0, 2)).toBe(true);
    expect(together(label, 3, 5)).toBe(true);
    expect(together(label, 0, 5)).toBe(false);
  });
});
