// Pure: the training pairs a library's answers give, split by person. No database, no tfjs.

export interface AnsweredPair {
  faceA: number;
  faceB: number;
  same: boolean;
  /** 1 for a user's answer or what it implies; less for weak evidence (two faces of one photo). */
  weight: number;
  kind: 'answer' | 'implied' | 'same-photo';
}

export interface FaceFacts {
  personId: number | null;
  /** 'user': the user put this face in its person (a merge, an answer, a move). */
  assignedBy: 'auto' | 'user' | null;
  photoId: number;
}

/** Weight of "two faces of one photo are different people": true, but never a pair grouping could confuse. */
export const SAME_PHOTO_WEIGHT = 0.3;
/** At most this many implied "same" pairs per face the user placed (the rest say nothing new). */
const IMPLIED_PER_FACE = 4;

/**
 * Every pair the user's decisions say something about: the labelled pairs themselves; faces
 * the user put in one person are the same person; two faces of one photo (one of them
 * labelled) are different people, as weak evidence. Never the automatic assignments.
 */
export function answeredPairs(labels: ReadonlyArray<{ faceA: number; faceB: number; same: boolean }>, faces: ReadonlyMap<number, FaceFacts>): AnsweredPair[] {
  const out: AnsweredPair[] = [];
  const seen = new Set<string>();
  const add = (a: number, b: number, same: boolean, weight: number, kind: AnsweredPair['kind']): void => {
    if (a === b || !faces.has(a) || !faces.has(b)) return;
    const key = a < b ? `${a}:${b}` : `${b}:${a}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ faceA: Math.min(a, b), faceB: Math.max(a, b), same, weight, kind });
  };
  for (const l of labels) add(l.faceA, l.faceB, l.same, 1, 'answer');

  const placed = new Map<number, number[]>();
  for (const [id, f] of faces) {
    if (f.assignedBy === 'user' && f.personId !== null) placed.set(f.personId, [...(placed.get(f.personId) ?? []), id]);
  }
  for (const ids of placed.values()) {
    ids.sort((x, y) => x - y);
    for (let i = 0; i < ids.length; i++) {
      for (let k = 1; k <= IMPLIED_PER_FACE && i + k < ids.length; k++) add(ids[i]!, ids[i + k]!, true, 1, 'implied');
    }
  }

  const labelled = new Set(labels.flatMap((l) => [l.faceA, l.faceB]));
  const byPhoto = new Map<number, number[]>();
  for (const [id, f] of faces) byPhoto.set(f.photoId, [...(byPhoto.get(f.photoId) ?? []), id]);
  for (const ids of byPhoto.values()) {
    for (const a of ids) {
      if (!labelled.has(a)) continue;
      for (const b of ids) if (b !== a) add(a, b, false, SAME_PHOTO_WEIGHT, 'same-photo');
    }
  }
  return out;
}

/**
 * Splits pairs into a fit part and a held-out part by person, never pair by pair: faces that
 * are one person (linked by "same" pairs or by their current person) form one unit, each
 * unit falls on one side (by a seeded hash, so a rerun splits alike), and a pair whose two
 * units fall on different sides is left out of both. Of the seeded splits, the first whose
 * both sides hold "same" and "different" answers is taken.
 */
export function splitByPerson(
  pairs: readonly AnsweredPair[],
  faces: ReadonlyMap<number, FaceFacts>,
  heldOutShare = 0.3,
): { fit: AnsweredPair[]; heldOut: AnsweredPair[]; people: number } {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a), rb = find(b);
    if (ra !== rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
  };
  // A face stands for its person: one node per person, or per face without one.
  const node = (face: number): number => {
    const p = faces.get(face)?.personId;
    return p == null ? -face : p;
  };
  for (const p of pairs) {
    find(node(p.faceA));
    find(node(p.faceB));
    if (p.same) union(node(p.faceA), node(p.faceB));
  }
  const units = new Set(pairs.flatMap((p) => [find(node(p.faceA)), find(node(p.faceB))]));
  // The first of a few seeded splits whose both sides hold both kinds of answer: with few
  // people in the "different" answers, one split can leave a side without any.
  const splitWith = (salt: number): { fit: AnsweredPair[]; heldOut: AnsweredPair[] } => {
    const heldOutUnit = (unit: number): boolean => hashToUnit(unit + salt * 0x632be5ab) < heldOutShare;
    const fit: AnsweredPair[] = [], heldOut: AnsweredPair[] = [];
    for (const p of pairs) {
      const a = heldOutUnit(find(node(p.faceA))), b = heldOutUnit(find(node(p.faceB)));
      if (a !== b) continue;
      (a ? heldOut : fit).push(p);
    }
    return { fit, heldOut };
  };
  const bothKinds = (part: readonly AnsweredPair[]): boolean => part.some((p) => p.same && p.weight >= 1) && part.some((p) => !p.same && p.weight >= 1);
  let chosen = splitWith(0);
  for (let salt = 1; salt < SPLIT_TRIES && !(bothKinds(chosen.fit) && bothKinds(chosen.heldOut)); salt++) {
    const next = splitWith(salt);
    if (bothKinds(next.fit) && bothKinds(next.heldOut)) chosen = next;
  }
  return { ...chosen, people: units.size };
}

/** How many seeded splits by person are tried for one that holds both kinds of answer on both sides. */
const SPLIT_TRIES = 32;

/** A number in [0, 1) from an integer, the same on every run. */
function hashToUnit(x: number): number {
  let h = (x | 0) ^ 0x9e3779b9;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}
