import { describe, expect, it } from 'vitest';

import { compareGroupPairs, expectedChange, expectedSplit, GAIN_EXPONENT, LINKED_SAME, SPLIT_WEIGHT } from '../../../src-main/core/people/review-priority.js';

describe('what an answer about two groups is expected to change', () => {
  it('is the chance they are one person, times the share of look-alikes, times the faces moved to a small power', () => {
    expect(expectedChange({ same: 0.5, lookAlikeShare: 1, gain: 16 })).toBeCloseTo(0.5 * Math.pow(16, GAIN_EXPONENT), 12);
    // A group of 16 that is half as likely to join weighs as much as a single face that surely does.
    expect(expectedChange({ same: 0.5, lookAlikeShare: 1, gain: 16 })).toBeCloseTo(expectedChange({ same: 1, lookAlikeShare: 1, gain: 1 }), 12);
    expect(expectedChange({ same: 0.9, lookAlikeShare: 0.25, gain: 1 })).toBeCloseTo(0.225, 12);
    // No group is empty; a gain of 0 counts as 1.
    expect(expectedChange({ same: 0.9, lookAlikeShare: 1, gain: 0 })).toBeCloseTo(0.9, 12);
  });

  it('orders higher first, then by the distance of the most alike pair', () => {
    const a = { same: 0.9, lookAlikeShare: 1, gain: 1, distance: 0.5 };
    const b = { same: 0.6, lookAlikeShare: 1, gain: 1, distance: 0.3 };
    const c = { same: 0.9, lookAlikeShare: 1, gain: 1, distance: 0.4 };
    expect([a, b, c].sort(compareGroupPairs)).toEqual([c, a, b]);
  });
});

describe("what an answer about a group's weakest link is expected to change", () => {
  it('is how much less alike the faces are across the cut than on its sides, times the BCubed weight of the cut', () => {
    expect(expectedSplit({ across: 0.6, within: 0.9, leaving: 4, faces: 17 })).toBeCloseTo(SPLIT_WEIGHT * 0.3 * ((2 * 4 * 13) / 17), 12);
    // A lone face on each side: the sides are read as linked faces usually are.
    expect(expectedSplit({ across: 0.6, within: null, leaving: 1, faces: 2 })).toBeCloseTo(SPLIT_WEIGHT * (LINKED_SAME - 0.6), 12);
    // Faces as alike across the cut as on its sides (one person in many poses): nothing to expect.
    expect(expectedSplit({ across: 0.8, within: 0.7, leaving: 10, faces: 20 })).toBe(0);
  });
});
