import { describe, expect, it } from 'vitest';

import { cutBetween, leavingSide, sidesWithout, spanningTree, splitGain } from '../../../src-main/core/people/group-split.js';

// Points on a line: the tree links each to its neighbour.
const line = (xs: readonly number[]) => (i: number, j: number): number => Math.abs(xs[i]! - xs[j]!);

describe("a group's spanning tree and its cuts", () => {
  it('links n items with n - 1 shortest links, the same tree for the same input', () => {
    const xs = [0, 0.1, 0.25, 1.5, 1.6];
    const tree = spanningTree(xs.length, line(xs));
    expect(tree).toHaveLength(4);
    expect(tree.map((e) => e.d).sort((a, b) => a - b)).toEqual([0.1, 0.1, 0.15, 1.25].map((d) => expect.closeTo(d, 9)));
    expect(spanningTree(xs.length, line(xs))).toEqual(tree);
    expect(spanningTree(0, line([]))).toEqual([]);
    expect(spanningTree(1, line([0]))).toEqual([]);
  });

  it('cuts the longest link on the path between two items told apart, and splits the items there', () => {
    const xs = [0, 0.1, 0.25, 1.5, 1.6];
    const tree = spanningTree(xs.length, line(xs));
    const cut = cutBetween(xs.length, tree, 0, 4)!;
    expect(tree[cut]!.d).toBeCloseTo(1.25, 9);
    const side = sidesWithout(xs.length, tree, cut);
    expect(side.slice(0, 3).every((s) => s === side[0])).toBe(true);
    expect(side[3]).toBe(side[4]);
    expect(side[3]).not.toBe(side[0]);
    // Between two close items the cut is their own link, whatever is farther away.
    const near = cutBetween(xs.length, tree, 1, 2)!;
    expect(tree[near]!.d).toBeCloseTo(0.15, 9);
  });

  it('never cuts a link the user decided (length 0): with only such links between the two, nothing', () => {
    const d = (i: number, j: number): number => (i + j === 1 ? 0 : line([0, 0.1, 2])(i, j));
    const tree = spanningTree(3, d);
    expect(cutBetween(3, tree, 0, 1)).toBeNull();
    expect(tree[cutBetween(3, tree, 0, 2)!]!.d).toBeCloseTo(1.9, 9);
  });

  it('lets the side without faces the user placed leave, else the smaller, else the newer', () => {
    const items = [1, 2, 3, 4].map((id) => ({ id, byUser: false }));
    expect(leavingSide(items, [true, true, true, false])).toBe(false);
    expect(leavingSide(items, [true, false, false, false])).toBe(true);
    expect(leavingSide([{ id: 1, byUser: false }, { id: 2, byUser: true }, { id: 3, byUser: false }], [true, false, false])).toBe(true);
    expect(leavingSide([{ id: 1, byUser: true }, { id: 2, byUser: false }, { id: 3, byUser: false }], [true, false, false])).toBe(false);
    expect(leavingSide([{ id: 7, byUser: false }, { id: 3, byUser: false }], [true, false])).toBe(true);
  });

  it('weighs a cut by what a right one adds to BCubed precision: 2·s·(n - s) / n', () => {
    expect(splitGain(1, 2)).toBe(1);
    expect(splitGain(4, 17)).toBeCloseTo((2 * 4 * 13) / 17, 12);
    expect(splitGain(0, 3)).toBe(0);
  });
});
