// Pure: how much one answer about two groups is expected to change the grouping.

/**
 * How much the size of what an answer moves weighs: gain^GAIN_EXPONENT. A group of 16 faces
 * that may join another goes ahead of a single face only when it is at least half as likely to
 * be right (16^0.25 = 2), never over one much likelier.
 */
export const GAIN_EXPONENT = 0.25;

export interface GroupsToRank {
  /** P(same person) of the two groups' most alike pair of faces, by the shipped pair head. */
  same: number;
  /**
   * The share of each group's close neighbours (its faces' nearest faces on other photos, its
   * own included) that lie in the other group, averaged over the two: near 1 when a group's
   * faces look most like the other's (a person split in two), near 0 when the other group is
   * one look-alike among many, or each group looks most like itself.
   */
  lookAlikeShare: number;
  /** Faces the answer moves: the smaller group's (a "same" puts them with the other, a "different" keeps them apart for good). */
  gain: number;
}

/**
 * What an answer about two groups is expected to change, higher first: the chance they are
 * one person (a "same" is what moves the grouping; a "different" across two groups only
 * confirms it), made surer when each group's look-alikes point at the other, times the faces
 * the answer moves, softly (a merge of big groups saves the user the most work, a likely
 * merge of small ones still goes first).
 */
export function expectedChange(groups: GroupsToRank): number {
  return groups.same * groups.lookAlikeShare * Math.pow(Math.max(1, groups.gain), GAIN_EXPONENT);
}

/** The order of the review of two groups: by `expectedChange`, then by the distance of their most alike pair. */
export function compareGroupPairs(x: GroupsToRank & { distance: number }, y: GroupsToRank & { distance: number }): number {
  return expectedChange(y) - expectedChange(x) || x.distance - y.distance;
}
