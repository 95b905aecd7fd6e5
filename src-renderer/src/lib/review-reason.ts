import type { ReviewReason } from '../../../src-main/core/contract/api.js';
import { plural } from './format.js';

/** Why the review asks about a pair, in what the answer changes rather than in distances. */
export function reviewReasonText(reason: ReviewReason): string {
  switch (reason.kind) {
    case 'may-be-one-person':
      return `These two groups look alike; one answer merges or separates ${plural(reason.photos, 'photo')}: “Same person” puts them together, “Different” keeps them apart for good.`;
    case 'may-be-two-people':
      return `One of these faces may not belong with the other ${plural(reason.otherPhotos, 'photo')} of this person: “Different” takes it out.`;
  }
}
