// Pure: whether a library's answers about two people could show that merging groups a little
// beyond grouping's threshold is safe, and what such a rule would merge. No database.

/** Two people as grouping compares them: their merge distance (rms + margin/sqrt(|A|·|B|)) and sizes. */
export interface GroupPair {
  mergeDistance: number;
  sizes: [number, number];
}

/** An answered pair of people (the answer is the truth: the simulated user answers truthfully). */
export interface AnsweredGroupPair extends GroupPair {
  same: boolean;
}

/** A pair of people no answer is about, with what merging them would add (from the known identities). */
export interface OpenGroupPair extends GroupPair {
  /** Whether most of the two groups' faces are one person. */
  same: boolean;
  /** Face pairs of one person and of two people that merging the two groups would put together. */
  truePairs: number;
  falsePairs: number;
}

export interface EvidenceRow {
  /** Merge distance band (from, to], above grouping's threshold. */
  from: number;
  to: number;
  /** Both groups at least this many faces. */
  minSize: number;
  answered: { same: number; different: number; precisionLowerBound: number };
  open: { pairs: number; same: number; truePairs: number; falsePairs: number };
}

/**
 * The one-sided lower confidence bound (Clopper–Pearson, level 1 − alpha) of a proportion with
 * `successes` of `n`: the p at which seeing at least `successes` has probability alpha. With
 * every answer "same" it is alpha^(1/n): 0.99 needs 299 answers at alpha 0.05, none "different".
 */
export function proportionLowerBound(successes: number, n: number, alpha = 0.05): number {
  if (!(Number.isInteger(successes) && Number.isInteger(n) && n >= 0 && successes >= 0 && successes <= n)) throw new RangeError(`${successes} of ${n} is not a count`);
  if (successes === 0) return 0;
  // P(X >= successes | p) rises with p: bisect for where it equals alpha.
  const atLeast = (p: number): number => {
    let total = 0;
    let logC = 0; // log C(n, k), built up from k = 0
    for (let k = 0; k <= n; k++) {
      if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
      if (k >= successes) total += Math.exp(logC + k * Math.log(p) + (n - k) * Math.log1p(-p));
    }
    return total;
  };
  let lo = 0, hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (atLeast(mid) < alpha) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The answered and the open pairs of people above `threshold`, by merge distance band and the
 * smaller group's least size: how many answers say "same" (and the lower bound of that share),
 * and how many open pairs a rule merging the band would merge, how many truly one person, and
 * the face pairs it would add of each kind.
 */
export function groupPairEvidence(
  answered: readonly AnsweredGroupPair[],
  open: readonly OpenGroupPair[],
  threshold: number,
  bands: readonly number[],
  minSizes: readonly number[],
  alpha = 0.05,
): EvidenceRow[] {
  const rows: EvidenceRow[] = [];
  for (const minSize of minSizes) {
    let from = threshold;
    for (const to of bands) {
      if (!(to > from)) continue;
      const inBand = (p: GroupPair): boolean => Math.min(p.sizes[0], p.sizes[1]) >= minSize && p.mergeDistance > from && p.mergeDistance <= to;
      const a = answered.filter(inBand);
      const o = open.filter(inBand);
      const same = a.filter((x) => x.same).length;
      rows.push({
        from,
        to,
        minSize,
        answered: { same, different: a.length - same, precisionLowerBound: proportionLowerBound(same, a.length, alpha) },
        open: {
          pairs: o.length,
          same: o.filter((x) => x.same).length,
          truePairs: o.reduce((t, x) => t + x.truePairs, 0),
          falsePairs: o.reduce((t, x) => t + x.falsePairs, 0),
        },
      });
      from = to;
    }
  }
  return rows;
}
