// Pure: how much one answer about two groups is expected to change the grouping.

/**
 * How much the size of what an answer moves weighs: gain^GAIN_EXPONENT. A group of 16 faces
 * that may join another goes ahead of a single face only when it is at least half as likely to
 * be right (16^0.25 = 2), never over one much likelier.
 */
export const GAIN_EXPONENT = 0.25;

export interface GroupsToRank {
  /** P(same person) of the two groups' most alike pair of faces, by the shipped pair head read through the user's answers. */
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

/**
 * How much an answer about a group's weakest link weighs against one about two groups: a right
 * cut adds to the BCubed precision of the faces it separates what a right merge adds to their
 * recall.
 */
export const SPLIT_WEIGHT = 1;
/**
 * P(same) of two faces the grouping linked, where a side of a cut has no two faces to read it
 * from (a lone face): the shipped head gives most such pairs 0.98–0.99.
 */
export const LINKED_SAME = 0.99;

export interface GroupToCut {
  /** Mean P(same person) across the cut, by the shipped pair head. */
  across: number;
  /** Mean P(same person) of two faces on one side of the cut (null: each side is one face). */
  within: number | null;
  /** Faces that would leave, of the group's `faces`. */
  leaving: number;
  faces: number;
}

/**
 * What an answer about a group's weakest link is expected to change: how much less alike the
 * faces are across the cut than on either side of it (the head's P(same) of faces the grouping
 * linked is high and overconfident everywhere, and lower across a large group's many poses:
 * the contrast, not the level, tells two people), times the BCubed weight of the cut.
 */
export function expectedSplit(group: GroupToCut): number {
  const contrast = Math.max(0, (group.within ?? LINKED_SAME) - group.across);
  return SPLIT_WEIGHT * contrast * ((2 * group.leaving * (group.faces - group.leaving)) / Math.max(1, group.faces));
}
