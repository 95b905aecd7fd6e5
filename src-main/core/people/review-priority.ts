// Pure: how much one answer about two groups is expected to change the grouping.

/**
 * How much the size of what an answer moves weighs: gain^GAIN_EXPONENT. A merge of two groups
 * of 16 faces goes ahead of a pair of single faces only when it is at least half as likely to
 * be right (32^0.25 / 2^0.25 = 2), never over one much likelier.
 */
export const GAIN_EXPONENT = 0.25;

export interface GroupsToRank {
  /** P(same person) of the two groups' most alike pair of faces, by the shipped pair head. */
  same: number;
  /**
   * How much each group's look-alikes (the candidate neighbours of its faces that lie in
   * other groups) fall in the other group, averaged over the two: 1 when each group resembles
   * nobody else, near 0 when the other group is one look-alike among many.
   */
  lookAlikeShare: number;
  /** Faces the answer merges ("same") or separates for good ("different"): both groups'. */
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
