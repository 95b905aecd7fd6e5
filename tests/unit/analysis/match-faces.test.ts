import { describe, expect, it } from 'vitest';
import { boxIoU, matchFaces, MIN_MATCH_IOU } from '../../../src-main/core/analysis/match-faces.js';

const box = (x: number, y: number, width: number, height = width) => ({ x, y, width, height });

describe('boxIoU', () => {
  it('is 1 for the same box and 0 for boxes apart', () => {
    expect(boxIoU(box(10, 10, 50), box(10, 10, 50))).toBe(1);
    expect(boxIoU(box(0, 0, 10), box(20, 20, 10))).toBe(0);
  });

  it('is 0 for boxes that only touch along an edge or at a corner', () => {
    expect(boxIoU(box(0, 0, 10), box(10, 0, 10))).toBe(0);
    expect(boxIoU(box(0, 0, 10), box(10, 10, 10))).toBe(0);
  });

  it('is 0, not NaN, when a box has no area', () => {
    expect(boxIoU(box(0, 0, 0), box(0, 0, 0))).toBe(0);
    expect(boxIoU(box(0, 0, 10, 0), box(0, 0, 10))).toBe(0);
    expect(boxIoU(box(0, 0, -5), box(-5, -5, 10))).toBe(0);
  });

  it('divides the shared area by the area both cover, whichever box comes first', () => {
    // Half of a 10 x 10 box shifted over another: 50 / 150.
    expect(boxIoU(box(0, 0, 10), box(5, 0, 10))).toBeCloseTo(1 / 3, 12);
    expect(boxIoU(box(5, 0, 10), box(0, 0, 10))).toBeCloseTo(1 / 3, 12);
    // A box inside another: its area over the larger one's.
    expect(boxIoU(box(0, 0, 20), box(5, 5, 10))).toBeCloseTo(100 / 400, 12);
  });
});

describe('matchFaces', () => {
  it('lets a face that moved a little take over the previous one, and a face new to the photo take over none', () => {
    const previous = [box(100, 100, 80)];
    const found = [box(400, 50, 60), box(108, 96, 84)];
    expect(matchFaces(previous, found)).toEqual([null, 0]);
  });

  it('matches at exactly the minimum overlap and not just below it', () => {
    expect(MIN_MATCH_IOU).toBe(0.5);
    const previous = box(0, 0, 10);
    const halfOfIt = box(0, 0, 10, 5); // inside it, half its area: IoU exactly 0.5
    expect(boxIoU(previous, halfOfIt)).toBe(0.5);
    expect(matchFaces([previous], [halfOfIt])).toEqual([0]);
    const justLess = box(0, 0, 10, 5 - 1e-9);
    expect(boxIoU(previous, justLess)).toBeLessThan(0.5);
    expect(matchFaces([previous], [justLess])).toEqual([null]);
  });

  it('gives each previous face to one found face at most: the one overlapping it most', () => {
    const previous = [box(0, 0, 100)];
    const found = [box(20, 0, 100), box(5, 0, 100)];
    expect(matchFaces(previous, found)).toEqual([null, 0]);
  });

  it('is greedy by overlap: the closest pair is settled first, and the others take what is left', () => {
    // found[0] overlaps both previous faces; previous[1] is its best but found[1] overlaps previous[1] even more.
    const previous = [box(0, 0, 100), box(20, 0, 100)];
    const found = [box(12, 0, 100), box(21, 0, 100)];
    expect(boxIoU(previous[1]!, found[1]!)).toBeGreaterThan(boxIoU(previous[1]!, found[0]!));
    expect(boxIoU(previous[1]!, found[0]!)).toBeGreaterThan(boxIoU(previous[0]!, found[0]!));
    expect(matchFaces(previous, found)).toEqual([0, 1]);
  });

  it('keeps every face of a photo analysed again unchanged, in any order', () => {
    const previous = [box(10, 10, 40), box(200, 30, 50), box(400, 60, 30)];
    expect(matchFaces(previous, [previous[2]!, previous[0]!, previous[1]!])).toEqual([2, 0, 1]);
  });

  it('handles photos without faces on either side', () => {
    expect(matchFaces([], [box(0, 0, 10)])).toEqual([null]);
    expect(matchFaces([box(0, 0, 10)], [])).toEqual([]);
    expect(matchFaces([], [])).toEqual([]);
  });

  it('leaves out a pair the same-face check refuses, however much it overlaps', () => {
    const previous = [box(0, 0, 100), box(300, 0, 100)];
    const found = [box(0, 0, 100), box(300, 0, 100)];
    expect(matchFaces(previous, found, (p, f) => !(p === 0 && f === 0))).toEqual([null, 1]);
  });

  it('breaks ties in overlap the same way every time: the earlier found face first', () => {
    const previous = [box(0, 0, 10)];
    const found = [box(1, 0, 10), box(-1, 0, 10)];
    expect(boxIoU(previous[0]!, found[0]!)).toBe(boxIoU(previous[0]!, found[1]!));
    expect(matchFaces(previous, found)).toEqual([0, null]);
  });
});
