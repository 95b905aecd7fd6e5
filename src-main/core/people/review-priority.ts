/**
 * How much priority one doubling of the photos an answer moves is worth, in units of distance
 * from the threshold: a pair that would merge two 16-photo people goes ahead of a pair of
 * single faces up to 0.04 nearer the threshold, not of one much nearer.
 */
export const PRIORITY_PER_DOUBLING = 0.01;

export interface PairToRank {
  samePerson: boolean;
  /**
   * How far what grouping decides on lies from its threshold: for two people, their merge
   * distance (average linkage over all their faces), for a pair inside one, its distance.
   */
  fromThreshold: number;
  /** How far the pair's own distance lies from the threshold: of many pairs of the same two people, the nearest shows them. */
  pairFromThreshold: number;
  /** Photos the answer moves: the smaller person's for two people ("same" merges it), 1 inside one. */
  photosMoved: number;
}

/**
 * By how much an answer is expected to change the grouping, lower first. Nearness to the
 * threshold is the main key (a pair far from it is nearly certain and teaches little); the
 * photos the answer moves weigh in by their doubling (a merge of two big people saves the
 * user the most).
 */
export function reviewPriority(pair: PairToRank): number {
  return pair.fromThreshold - PRIORITY_PER_DOUBLING * Math.log2(Math.max(1, pair.photosMoved));
}

/**
 * The order of the review: pairs across two people before every pair inside one (a
 * "different" there moves a single face), each by `reviewPriority`.
 */
export function compareForReview(x: PairToRank, y: PairToRank): number {
  return Number(x.samePerson) - Number(y.samePerson) || reviewPriority(x) - reviewPriority(y) || x.pairFromThreshold - y.pairFromThreshold;
}
