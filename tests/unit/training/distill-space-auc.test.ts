import { describe, expect, it } from 'vitest';
import { distillSpaceAuc } from '../../../src-main/core/training/seed/distill-space-auc.js';

describe('distillSpaceAuc', () => {
  it('is 1 when every person sits apart from the others, 0 when the space is upside down', () => {
    // Two people, two images each, in 2-d: tight clusters far apart.
    const persons = [0, 0, 1, 1];
    const apart = Float32Array.from([0, 0, 0.1, 0, 5, 5, 5, 5.1]);
    expect(distillSpaceAuc(apart, 2, persons)).toBe(1);
    // One person's two images far apart, two other people between them: the same pair ranks last.
    const swapped = Float32Array.from([0, 0, 10, 0, 5, 0, 5.5, 0]);
    expect(distillSpaceAuc(swapped, 2, [0, 0, 1, 2])).toBe(0);
  });

  it("counts every pair: a same pair closer than 3 of the 5 different pairs scores 3/5", () => {
    // On a line: a0 = 0, a1 = 2 (same pair at distance 2); b = 1 and c = 5 are single images.
    // Different pairs at distances a0-b 1, a1-b 1, a0-c 5, a1-c 3, b-c 4: the same pair (2) is closer than 3 of them.
    const proj = Float32Array.from([0, 2, 1, 5]);
    expect(distillSpaceAuc(proj, 1, [0, 0, 1, 2])).toBeCloseTo(3 / 5, 12);
  });

  it('rejects a projection that does not match the images', () => {
    expect(() => distillSpaceAuc(new Float32Array(5), 2, [0, 1, 2])).toThrow(/5 values for 3 images of 2 dimensions/);
  });
});
