import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBlob } from '../../../src-main/core/db/blobs.js';
import { DEFAULT_GROUPING } from '../../../src-main/core/grouping/grouping.service.js';
import type { CandidatePairHead } from '../../../src-main/core/grouping/candidate-pair-head.js';
import { REVIEW_BAND, ReviewService, type ReviewCandidate } from '../../../src-main/core/people/review.service.js';
import { SPREAD_MAX_PER_PERSON, SPREAD_WINDOW } from '../../../src-main/core/people/review-spread.js';
import { FaceDb, vec } from '../../support/face-db.js';

// ReviewService over a real SQLite library (exact kNN runs on tfjs): which pairs of faces the
// review asks about, in which order. Each pair lies in a region of its own of the descriptor
// space (regions are 2.8 apart, far outside the band), at a chosen distance. Without a pair
// head, P(same) of a pair is read from its distance d: 1 / (1 + exp((d - 0.51) / 0.03)), 0.5 at
// the threshold. Two groups are asked about once, by their likeliest pair; they rank by that
// P(same), times the share of each group's close neighbours (its own faces included) that lie
// in the other (1 for a pair alone in its region), times the smaller group's faces to the power
// 0.25.

let lib: FaceDb;
let skipped: Array<[number, number]>;
/** The face pairs of the newest review answers, oldest first. */
let answered: Array<[number, number]>;
/** The next free region for `pair`. */
let region = 0;

beforeEach(() => {
  lib = new FaceDb('review');
  skipped = [];
  answered = [];
  region = 0;
});

afterEach(() => lib.close());

const review = (linkage?: number, head?: CandidatePairHead): ReviewService =>
  new ReviewService(
    lib.faces,
    lib.labels,
    { skippedPairs: () => skipped, recentReviewPairs: (count) => answered.slice(-count) },
    linkage === undefined ? undefined : { ...DEFAULT_GROUPING, linkage },
    head,
  );

/** A point of region `r`, shifted by (dx, dy) inside it. */
const at = (r: number, dx = 0, dy = 0): Float32Array => vec([r, 2], [100, dx], [101, dy]);

/** Two faces `d` apart in a fresh region: in two new people, or both in one. */
function pair(d: number, kind: 'across' | 'inside', options: { assignedBy?: 'auto' | 'user' } = {}): { a: number; b: number; people: [number, number] } {
  const r = region++;
  const p = lib.addPerson();
  const q = kind === 'across' ? lib.addPerson() : p;
  const a = lib.addFace(at(r), { person: p });
  const b = lib.addFace(at(r, d), { person: q, assignedBy: options.assignedBy });
  return { a, b, people: [p, q] };
}

/** `n` more photos of `person`, each face alone in a region of its own (no pair of them is asked about; far from every face). */
function morePhotos(person: number, n: number): void {
  for (let i = 0; i < n; i++) lib.addFace(at(region++), { person });
}

/** A person of `n` photos around `centre`: each face 0.1 from it along a dimension of its own (from `firstDim`). */
function personAround(centre: Float32Array, n: number, firstDim: number): number {
  const person = lib.addPerson();
  for (let i = 0; i < n; i++) {
    const v = Float32Array.from(centre);
    v[firstDim + i] = 0.1;
    lib.addFace(v, { person });
  }
  return person;
}

/**
 * Two people of `nA` and `nB` photos in a fresh region, their centres `apart` apart: every
 * face of one is sqrt(apart² + 0.02) from every face of the other, and that is their average
 * linkage too.
 */
function twoPeople(apart: number, nA: number, nB: number): [number, number] {
  const r = region++;
  return [personAround(at(r), nA, 102), personAround(at(r, apart), nB, 102 + nA)];
}

const ids = (cs: readonly ReviewCandidate[]): string[] => cs.map((c) => `${c.faceA}-${c.faceB}`);
const id = (p: { a: number; b: number }): string => `${p.a}-${p.b}`;
/** The pairs of people in the queue, in the order they first come up. */
const peoplePairs = (cs: readonly ReviewCandidate[]): string[] => [...new Set(cs.map((c) => `${c.personA}-${c.personB}`))];
const people = (p: readonly [number, number]): string => `${p[0]}-${p[1]}`;

describe('the review queue', () => {
  it('asks about pairs across two people and about the weakest link inside one, by what an answer is expected to change; below the band too across, within it inside', async () => {
    const inside1 = pair(0.5, 'inside'); // P(same) 0.58: a cut is likely wrong, 0.99 - 0.58 = 0.41
    const across1 = pair(0.4, 'across'); // P(same) 0.98
    const across2 = pair(0.55, 'across'); // 0.21
    const inside2 = pair(0.58, 'inside'); // P(same) 0.09: 0.99 - 0.09 = 0.90
    const across3 = pair(0.64, 'across'); // 0.01
    const across0 = pair(0.3, 'across'); // far below the threshold, yet two people: asked first
    pair(0.7, 'across'); // 0.19 above the threshold: outside the band
    pair(0.7, 'inside'); // outside the band
    pair(0.3, 'inside'); // 0.21 below the threshold: the grouping is sure
    const service = review();
    expect(await service.linkage()).toBe(0.51);

    const queue = await service.candidates();
    expect(ids(queue)).toEqual([across0, across1, inside2, inside1, across2, across3].map(id));
    expect(queue.map((c) => c.samePerson)).toEqual([false, false, true, true, false, false]);
    expect(queue[1]!.distance).toBeCloseTo(0.4, 4);
    expect(queue[3]!.distance).toBeCloseTo(0.5, 4);
    expect(queue.every((c) => c.faceA < c.faceB && Math.abs(c.distance - 0.51) <= REVIEW_BAND + 0.21)).toBe(true);
  });

  it('is empty for a library of one face, or none', async () => {
    expect(await review().candidates()).toEqual([]);
    lib.addFace(at(0), { person: lib.addPerson() });
    expect(await review().candidates()).toEqual([]);
  });

  it('centres the band on the threshold it is given', async () => {
    const near = pair(0.3, 'across');
    pair(0.55, 'across');
    expect(ids(await review(0.3).candidates())).toEqual([id(near)]);
  });

  it('never asks about two faces of one photo, a face without a person, or a face of a hidden person', async () => {
    const photo = lib.addPhoto();
    lib.addFace(at(0), { person: lib.addPerson(), photo });
    lib.addFace(at(0, 0.5), { person: lib.addPerson(), photo });
    lib.addFace(at(1), { person: lib.addPerson() });
    lib.addFace(at(1, 0.5)); // not grouped yet
    lib.addFace(at(2), { person: lib.addPerson() });
    lib.addFace(at(2, 0.5), { person: lib.addPerson({ hidden: true }) });
    region = 3;
    const asked = pair(0.5, 'across');
    expect(ids(await review().candidates())).toEqual([id(asked)]);
  });

  it('never asks about a link between two faces the user placed in their person; a face the grouping put beside one is asked about', async () => {
    const placed = lib.addPerson();
    lib.addFace(at(region), { person: placed, assignedBy: 'user' });
    lib.addFace(at(region++, 0.5), { person: placed, assignedBy: 'user' });
    const auto = pair(0.52, 'inside', { assignedBy: 'user' });
    expect(ids(await review().candidates())).toEqual([id(auto)]);
  });
});

describe('what an answer teaches', () => {
  it('asks about two people once, by their likeliest pair', async () => {
    const lone = pair(0.47, 'across'); // P(same) 0.79
    // Two people with two pairs across them, far apart from each other: 0.52 (P 0.42) and 0.44 (P 0.91).
    const r = region++;
    const [pa, pb] = [lib.addPerson(), lib.addPerson()];
    lib.addFace(at(r), { person: pa });
    lib.addFace(at(r, 0.52), { person: pb });
    const a2 = lib.addFace(at(r, 0, 1.5), { person: pa });
    const b2 = lib.addFace(at(r, 0.44, 1.5), { person: pb });
    expect(ids(await review().candidates())).toEqual([`${a2}-${b2}`, id(lone)]);
  });

  it('weighs a pair by the share of the look-alikes of each group that fall in the other', async () => {
    // X resembles three people of one face each (0.47 to 0.49 from it, along dimensions of their
    // own, 0.66 or more apart): a third of X's look-alikes each, all of theirs: 2/3 of P 0.79 to 0.62.
    const r = region++;
    const x = lib.addFace(at(r), { person: lib.addPerson() });
    const like = [0.47, 0.48, 0.49].map((d, i) => lib.addFace(vec([r, 2], [102 + i, d]), { person: lib.addPerson() }));
    const lone = pair(0.5, 'across'); // P 0.58, but all of each one's look-alikes
    const queue = await review().candidates();
    expect(ids(queue)).toEqual([id(lone), ...like.map((b) => `${x}-${b}`)]);
  });

  it('weighs the likelihood by the faces one answer moves, and by how much of each group looks most like the other', async () => {
    // Faces 0.52 apart: P 0.42. Each face's close neighbours are its 3 own and the 4 other ones: share 4/7; 4 faces move: 0.42 × 4/7 × 4^0.25 = 0.34.
    const big = twoPeople(0.5, 4, 4);
    const small = pair(0.55, 'across'); // P 0.21, share 1, one face: 0.21
    // Faces 0.60 apart: P 0.05; each face's 10 nearest are its 7 own and 3 of the other: share 3/10, 8 faces move: 0.02.
    const far = twoPeople(0.5831, 8, 8);
    const queue = await review().candidates();
    expect(peoplePairs(queue)).toEqual([people(big), people(small.people), people(far)]);
    expect(queue[0]!.reason).toEqual({ kind: 'may-be-one-person', photos: 8 });
    expect(queue[0]!.distance).toBeCloseTo(Math.sqrt(0.27), 3);
  });

  it('says why it asks, in photos: what one answer merges or keeps apart, or what the doubtful face is with', async () => {
    const across = pair(0.55, 'across');
    morePhotos(across.people[0], 11); // 12 photos
    morePhotos(across.people[1], 4); // 5 photos
    const inside = pair(0.5, 'inside');
    morePhotos(inside.people[0], 7); // 9 photos
    // A second face on a photo the person is on already, and a face on a photo that is gone, add no photo.
    lib.addFace(at(region++), { person: inside.people[0], photo: lib.photoOf(inside.a) });
    lib.setPhotoStatus(lib.photoOf(lib.addFace(at(region++), { person: inside.people[0] })), 'gone');

    const queue = await review().candidates();
    expect(ids(queue)).toEqual([across, inside].map(id));
    expect(queue.map((c) => c.reason)).toEqual([
      { kind: 'may-be-one-person', photos: 17 },
      { kind: 'may-be-two-people', otherPhotos: 8, apart: 1 },
    ]);
    expect(queue.map((c) => [c.personA, c.personB])).toEqual([across.people, inside.people]);
  });

  it('scores with the pair head it is given, asking it for the installed head (never a learned one)', async () => {
    const near = pair(0.45, 'across');
    const far = pair(0.6, 'across');
    const asked: unknown[] = [];
    // A head that finds the farther pair likelier than the nearer one.
    const head: CandidatePairHead = {
      scorerFor: async (faceIds, _descriptors, _dims, learned) => {
        asked.push(learned);
        return (i, j) => Float32Array.from(i, (a, q) => (faceIds[a] === far.a || faceIds[j[q]!] === far.a ? 0.9 : 0.2));
      },
    };
    expect(ids(await review(undefined, head).candidates())).toEqual([far, near].map(id));
    expect(asked).toEqual([null]);
    // Without an opinion (no model installed), the distance decides.
    const none: CandidatePairHead = { scorerFor: async () => null };
    expect(ids(await review(undefined, none).candidates())).toEqual([near, far].map(id));
  });
});

describe('the spread over people', () => {
  /**
   * Four pairs across one face's person P and four people of one face each, the likeliest (the
   * four faces around P's lie along dimensions of their own, too far apart to be asked about);
   * then two pairs of other people.
   */
  function onePersonFirst(): { withP: Array<{ a: number; b: number }>; others: Array<{ a: number; b: number }> } {
    const r = region++;
    const p = lib.addFace(at(r), { person: lib.addPerson() });
    // P(same) 0.79 to 0.70, times 5/8 (a quarter of P's look-alikes each, all of theirs): 0.49 to 0.44.
    const withP = [0.47, 0.475, 0.48, 0.485].map((d, i) => ({ a: p, b: lib.addFace(vec([r, 2], [102 + i, d]), { person: lib.addPerson() }) }));
    return { withP, others: [pair(0.52, 'across'), pair(0.53, 'across')] }; // 0.42, 0.34
  }

  /** The most pairs one person is in among any SPREAD_WINDOW pairs in a row. */
  function mostOfOnePerson(queue: readonly ReviewCandidate[]): number {
    let most = 0;
    for (let i = 0; i < queue.length; i++) {
      const count = new Map<number, number>();
      for (const c of queue.slice(i, i + SPREAD_WINDOW)) for (const p of new Set([c.personA, c.personB])) count.set(p, (count.get(p) ?? 0) + 1);
      most = Math.max(most, ...count.values());
    }
    return most;
  }

  it('asks about one person at most twice among a few pairs in a row: the others are interleaved', async () => {
    const { withP: [p1, p2, p3, p4], others: [q1, q2] } = onePersonFirst();
    const queue = await review().candidates();
    expect(ids(queue)).toEqual([p1!, p2!, q1!, q2!, p3!, p4!].map(id));
    expect(mostOfOnePerson(queue)).toBe(SPREAD_MAX_PER_PERSON);
  });

  it('goes on from the pairs just answered, and asks about the one person all the same when nobody else is left', async () => {
    const { withP: [p1, p2, p3, p4], others: [q1, q2] } = onePersonFirst();
    for (const p of [p1!, p2!]) lib.labels.record(p.a, p.b, false, 'review.different');
    expect(ids(await review().candidates())).toEqual([p3!, p4!, q1!, q2!].map(id)); // answered elsewhere, not just now
    answered.push([p1!.a, p1!.b], [p2!.b, p2!.a]);
    expect(ids(await review().candidates())).toEqual([q1!, q2!, p3!, p4!].map(id));
  });
});

describe('answers', () => {
  it('a labelled pair leaves the queue', async () => {
    const x = pair(0.47, 'across'); // P(same) 0.79
    const y = pair(0.52, 'inside');
    const z = pair(0.45, 'across'); // 0.88
    const service = review();
    expect(ids(await service.candidates())).toEqual([z, x, y].map(id));
    lib.labels.record(x.a, x.b, true, 'review.same');
    lib.labels.record(y.b, y.a, false, 'review.different');
    expect(ids(await service.candidates())).toEqual([id(z)]);
  });

  it('"different" sets the two people apart: no other pair across them is asked; "same" does not', async () => {
    // Two people with two close pairs across them (a1-b1 and a2-b2), the pairs 1.5 apart.
    const [pa, pb] = [lib.addPerson(), lib.addPerson()];
    const a1 = lib.addFace(at(0), { person: pa });
    const b1 = lib.addFace(at(0, 0.5), { person: pb });
    const a2 = lib.addFace(at(0, 0, 1.5), { person: pa });
    const b2 = lib.addFace(at(0, 0.53, 1.5), { person: pb });
    region = 1;
    const other = pair(0.48, 'across');
    const service = review();
    // A and B are asked about once, by their likelier pair (P 0.58), after `other` (0.73).
    expect(ids(await service.candidates())).toEqual([id(other), `${a1}-${b1}`]);

    lib.labels.record(a1, b1, true, 'review.same');
    expect(ids(await service.candidates())).toEqual([id(other), `${a2}-${b2}`]);
    lib.labels.record(a1, b1, false, 'review.different');
    expect(ids(await service.candidates())).toEqual([id(other)]);
  });

  it('does not ask whether two people are one when joining them would join faces told apart, through people tied by "same"', async () => {
    const ab = pair(0.5, 'across'); // P(same) 0.58
    const cd = pair(0.54, 'across'); // 0.27
    const [a, b] = ab.people;
    // T is another person with a "same" label to a face of A (the grouping keeps labelled faces
    // together), and told apart from B: a "same" for A and B would put T and B together.
    const a2 = lib.addFace(at(region++), { person: a });
    const t = lib.addFace(at(region++), { person: lib.addPerson() });
    const service = review();
    expect(ids(await service.candidates())).toEqual([ab, cd].map(id));
    lib.labels.record(a2, t, true, 'review.same');
    lib.labels.record(t, ab.b, false, 'review.different');
    // C and D were both told apart from B: that settles nothing between them.
    lib.labels.record(cd.a, ab.b, false, 'review.different');
    lib.labels.record(cd.b, ab.b, false, 'review.different');
    expect(ids(await service.candidates())).toEqual([id(cd)]);
    expect(lib.personOf(ab.a)).toBe(a);
    expect(lib.personOf(ab.b)).toBe(b);
    // Without the tie (the newer answer says T is not A), A and B are an open question again.
    lib.labels.record(a2, t, false, 'review.different');
    expect(ids(await service.candidates())).toEqual([ab, cd].map(id));
  });

  it('skipped pairs come last, in their own order, whichever way round they were given', async () => {
    const z = pair(0.5, 'inside'); // 0.01 from the threshold
    const x = pair(0.5, 'across'); // P(same) 0.58
    const y = pair(0.4, 'across'); // 0.98
    const u = pair(0.58, 'inside'); // 0.07 from the threshold
    skipped.push([z.b, z.a], [y.a, y.b]);
    expect(ids(await review().candidates())).toEqual([u, x, y, z].map(id));
    skipped.length = 0;
    expect(ids(await review().candidates())).toEqual([y, u, x, z].map(id));
  });

  it('sees the people as they are now: merges and hidden people count at once, without invalidate()', async () => {
    const x = pair(0.47, 'across'); // P(same) 0.79
    const y = pair(0.45, 'across'); // 0.88
    const service = review();
    expect(ids(await service.candidates())).toEqual([y, x].map(id));
    lib.faces.assign(x.b, x.people[0], 'auto'); // the grouping now has them as one person
    const queue = await service.candidates();
    expect(ids(queue)).toEqual([y, x].map(id));
    expect(queue[1]!.samePerson).toBe(true);
    lib.people.update(y.people[1], { hidden: true });
    expect(ids(await service.candidates())).toEqual([id(x)]);
  });
});

describe('invalidate', () => {
  it('recomputes the neighbours: a descriptor changed in place counts only after it', async () => {
    const x = pair(0.47, 'across'); // P(same) 0.79
    const y = pair(0.45, 'across'); // 0.88
    const service = review();
    expect(ids(await service.candidates())).toEqual([y, x].map(id));
    // A rescan wrote a new descriptor for x.b (same face ids, same count): x is no longer close.
    lib.db.prepare('UPDATE embeddings SET vector = ? WHERE face_id = ?').run(toBlob(at(40)), x.b);
    expect(ids(await service.candidates())).toEqual([y, x].map(id)); // the neighbourhood of before
    service.invalidate();
    expect(ids(await service.candidates())).toEqual([id(y)]);
  });

  it('notices new faces, and faces whose photo is gone, by itself', async () => {
    const x = pair(0.47, 'across'); // P(same) 0.79
    const y = pair(0.45, 'across'); // 0.88
    const service = review();
    expect(ids(await service.candidates())).toEqual([y, x].map(id));
    const z = pair(0.4, 'across'); // 0.98
    expect(ids(await service.candidates())).toEqual([z, y, x].map(id));
    lib.setPhotoStatus(lib.photoOf(y.b), 'gone');
    expect(ids(await service.candidates())).toEqual([z, x].map(id));
  });
});
