import { describe, expect, it } from 'vitest';

import { reviewReasonText } from '../../../src-renderer/src/lib/review-reason.js';

describe('why the review asks, in words', () => {
  it('about two groups: what one answer merges or keeps apart', () => {
    expect(reviewReasonText({ kind: 'may-be-one-person', photos: 12 })).toBe(
      'These two groups look alike; one answer merges or separates 12 photos: “Same person” puts them together, “Different” keeps them apart for good.',
    );
  });

  it("about one group's weakest link: whether it is one person, and what “Different” separates", () => {
    expect(reviewReasonText({ kind: 'may-be-two-people', otherPhotos: 1, apart: 1 })).toBe(
      'Is this the same person as the rest of this group? One of these faces may not belong with the other 1 photo of this person: “Different” takes it out.',
    );
    expect(reviewReasonText({ kind: 'may-be-two-people', otherPhotos: 16, apart: 4 })).toBe(
      "Is this the same person as the rest of this group? This person's 17 photos may show two people: “Different” separates 4 photos from the others.",
    );
  });
});
