/** In any SPREAD_WINDOW pairs asked in a row, one person is in at most SPREAD_MAX_PER_PERSON of them. */
export const SPREAD_WINDOW = 4;
export const SPREAD_MAX_PER_PERSON = 2;
/** Only the head of the queue is ever asked (it is worked out again after each answer): the rest keeps its rank order. */
export const SPREAD_HORIZON = 100;

export interface PairOfPeople {
  personA: number;
  personB: number;
}

const peopleIn = (p: PairOfPeople): number[] => (p.personA === p.personB ? [p.personA] : [p.personA, p.personB]);

/**
 * Reorders ranked pairs so that the questions move around the library instead of dwelling on
 * one person: each next pair is the best-ranked one whose people were not in
 * SPREAD_MAX_PER_PERSON of the SPREAD_WINDOW - 1 pairs before it, the pairs just answered
 * (`asked`, oldest first) included. When every pair left involves such a person, the
 * best-ranked goes next all the same.
 */
export function spreadOverPeople<T extends PairOfPeople>(ranked: readonly T[], asked: readonly PairOfPeople[] = []): T[] {
  const recent = asked.slice(-(SPREAD_WINDOW - 1)).map(peopleIn);
  const fits = (p: T): boolean => peopleIn(p).every((person) => recent.filter((r) => r.includes(person)).length < SPREAD_MAX_PER_PERSON);
  const out: T[] = [];
  // Pairs passed over, in rank order: all of them rank before ranked[next].
  const held: T[] = [];
  let next = 0;
  while (out.length < SPREAD_HORIZON && (held.length > 0 || next < ranked.length)) {
    const waiting = held.findIndex(fits);
    let pick: T;
    if (waiting >= 0) {
      pick = held.splice(waiting, 1)[0]!;
    } else {
      while (next < ranked.length && !fits(ranked[next]!)) held.push(ranked[next++]!);
      pick = next < ranked.length ? ranked[next++]! : held.shift()!;
    }
    out.push(pick);
    recent.push(peopleIn(pick));
    if (recent.length > SPREAD_WINDOW - 1) recent.shift();
  }
  return [...out, ...held, ...ranked.slice(next)];
}
