import { describe, expect, it } from 'vitest';

import { CALIBRATION_MIN_EACH, calibrateSame } from '../../../src-main/core/people/review-calibration.js';

const answers = (rows: ReadonlyArray<[number, boolean, number]>): Array<{ p: number; same: boolean }> => rows.flatMap(([p, same, n]) => Array.from({ length: n }, () => ({ p, same })));

describe("the review's P(same), read by the user's answers", () => {
  it('leaves P as it is with fewer than the minimum answers of either kind', () => {
    const few = calibrateSame(answers([[0.99, true, 40], [0.9, false, CALIBRATION_MIN_EACH - 1]]));
    for (const p of [0.1, 0.5, 0.9, 0.99]) expect(few(p)).toBe(p);
  });

  it('sharpens an overconfident head: where answers show 0.9 is mostly "different" and 0.99 mostly "same", 0.9 falls well below 0.99', () => {
    const c = calibrateSame(answers([[0.99, true, 30], [0.99, false, 10], [0.9, true, 2], [0.9, false, 38]]));
    expect(c(0.9)).toBeLessThan(0.3);
    expect(c(0.99)).toBeGreaterThan(0.6);
    // Monotone: the head's order of pairs is kept.
    expect(c(0.95)).toBeGreaterThan(c(0.9));
    expect(c(0.99)).toBeGreaterThan(c(0.95));
  });

  it('never reverses the head: answers that contradict its order make it say nothing', () => {
    const c = calibrateSame(answers([[0.99, false, 40], [0.6, true, 40]]));
    expect(c(0.6)).toBeCloseTo(c(0.99), 9);
    expect(c(0.6)).toBeCloseTo(0.5, 9);
  });
});
