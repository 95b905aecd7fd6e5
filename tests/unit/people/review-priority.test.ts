import { describe, expect, it } from 'vitest';

import { compareGroupPairs, expectedChange, GAIN_EXPONENT } from '../../../src-main/core/people/review-priority.js';

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
