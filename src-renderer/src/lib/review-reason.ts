import type { ReviewReason } from '../../../src-main/core/contract/api.js';
import { plural } from './format.js';

/** Why the review asks about a pair, in what the answer changes rather than in distances. */
export function reviewReasonText(reason: ReviewReason): string {
  switch (reason.kind) {
    case 'may-be-one-person':
      return `These two groups look alike; one answer merges or separates ${plural(reason.photos, 'photo')}: “Same person” puts them together, “Different” keeps them apart for good.`;
    case 'may-be-two-people':
      return reason.apart <= 1
        ? `Is this the same person as the rest of this group? One of these faces may not belong with the other ${plural(reason.otherPhotos, 'photo')} of this person: “Different” takes it out.`
        : `Is this the same person as the rest of this group? This person's ${plural(reason.otherPhotos + 1, 'photo')} may show two people: “Different” separates ${plural(reason.apart, 'photo')} from the others.`;
  }
}
