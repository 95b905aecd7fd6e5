import type { PairLabel } from '../db/labels.repository.js';

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * Which people the user's answers keep apart, directly or through other answers. A "different"
 * label between two faces keeps their people apart. A "same" label (a review answer, or the
 * samples a merge writes) ties the people of its faces, and the grouping keeps tied faces
 * together; so joining two people also joins everyone tied to either, and when that would put
 * two faces told apart together, the answer to "are these one person?" is known already: no.
 * (Two people who were both told apart from a third settle nothing between them: they may
 * well be one person.)
 */
export class PeopleToldApart {
  private readonly parent = new Map<number, number>();
  /** Pairs of people with a "different" label between their faces. */
  private readonly direct = new Set<string>();
  /** The same, between groups of tied people (by their roots). */
  private readonly tiedGroups = new Set<string>();

  constructor(labels: readonly PairLabel[], personOf: (faceId: number) => number | null) {
    const across = labels.flatMap((l) => {
      const pa = personOf(l.faceA), pb = personOf(l.faceB);
      return pa !== null && pb !== null && pa !== pb ? [{ pa, pb, same: l.same }] : [];
    });
    for (const { pa, pb, same } of across) {
      const ra = this.root(pa), rb = this.root(pb);
      if (same && ra !== rb) this.parent.set(ra, rb);
    }
    for (const { pa, pb, same } of across) {
      if (same) continue;
      this.direct.add(pairKey(pa, pb));
      const ra = this.root(pa), rb = this.root(pb);
      if (ra !== rb) this.tiedGroups.add(pairKey(ra, rb));
    }
  }

  /** Whether joining these two (different) people would join two faces told apart. */
  apart(personA: number, personB: number): boolean {
    const ra = this.root(personA), rb = this.root(personB);
    return this.direct.has(pairKey(personA, personB)) || (ra !== rb && this.tiedGroups.has(pairKey(ra, rb)));
  }

  private root(person: number): number {
    let r = person;
    for (let up = this.parent.get(r); up !== undefined; up = this.parent.get(r)) r = up;
    // Path compression: the next look-up goes straight to the root.
    for (let p = person; p !== r; ) {
      const up = this.parent.get(p)!;
      this.parent.set(p, r);
      p = up;
    }
    return r;
  }
}
