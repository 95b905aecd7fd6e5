import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBlob } from '../../../src-main/core/db/blobs.js';
import { REVIEW_BAND, ReviewService, type ReviewCandidate } from '../../../src-main/core/people/review.service.js';
import { FaceDb, vec } from '../../support/face-db.js';

// ReviewService over a real SQLite library (exact kNN runs on tfjs): which pairs of faces the
// review asks about, in which order. Each pair lies in a region of its own of the descriptor
// space (regions are 2.8 apart, far outside the band), at a chosen distance.

let lib: FaceDb;
let skipped: Array<[number, number]>;
/** The next free region for `pair`. */
let region = 0;

beforeEach(() => {
  lib = new FaceDb('review');
  skipped = [];
  region = 0;
});

afterEach(() => lib.close());

const review = (threshold?: number): ReviewService => new ReviewService(lib.faces, lib.labels, () => skipped, threshold);

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

const ids = (cs: readonly ReviewCandidate[]): string[] => cs.map((c) => `${c.faceA}-${c.faceB}`);
const id = (p: { a: number; b: number }): string => `${p.a}-${p.b}`;

describe('the review queue', () => {
  it('asks first about pairs across two people, then pairs inside one, each by closeness to the threshold', async () => {
    const inside1 = pair(0.5, 'inside'); // 0.01 from the threshold, but inside one person
    const across1 = pair(0.4, 'across'); // 0.11
    const across2 = pair(0.55, 'across'); // 0.04
    const inside2 = pair(0.58, 'inside'); // 0.07
    const across3 = pair(0.64, 'across'); // 0.13
    pair(0.3, 'across'); // 0.21: outside the band
    pair(0.7, 'inside'); // 0.19: outside the band
    const service = review();
    expect(await service.linkage()).toBe(0.51);

    const queue = await service.candidates();
    expect(ids(queue)).toEqual([across2, across1, across3, inside1, inside2].map(id));
    expect(queue.map((c) => c.samePerson)).toEqual([false, false, false, true, true]);
    expect(queue[0]!.distance).toBeCloseTo(0.55, 4);
    expect(queue[3]!.distance).toBeCloseTo(0.5, 4);
    expect(queue.every((c) => c.faceA < c.faceB && Math.abs(c.distance - 0.51) <= REVIEW_BAND)).toBe(true);
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

  it('never asks about a pair inside a person where the user put either face', async () => {
    pair(0.5, 'inside', { assignedBy: 'user' });
    const auto = pair(0.52, 'inside');
    expect(ids(await review().candidates())).toEqual([id(auto)]);
  });
});

describe('answers', () => {
  it('a labelled pair leaves the queue', async () => {
    const x = pair(0.5, 'across');
    const y = pair(0.52, 'inside');
    const z = pair(0.45, 'across');
    const service = review();
    expect(ids(await service.candidates())).toEqual([x, z, y].map(id));
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
    expect(ids(await service.candidates())).toEqual([`${a1}-${b1}`, `${a2}-${b2}`, id(other)]);

    lib.labels.record(a1, b1, true, 'review.same');
    expect(ids(await service.candidates())).toEqual([`${a2}-${b2}`, id(other)]);
    lib.labels.record(a1, b1, false, 'review.different');
    expect(ids(await service.candidates())).toEqual([id(other)]);
  });

  it('skipped pairs come last, in their own order, whichever way round they were given', async () => {
    const z = pair(0.5, 'inside'); // 1.01
    const x = pair(0.55, 'across'); // 0.04
    const y = pair(0.4, 'across'); // 0.11
    const u = pair(0.58, 'inside'); // 1.07
    skipped.push([z.b, z.a], [y.a, y.b]);
    expect(ids(await review().candidates())).toEqual([x, u, y, z].map(id));
    skipped.length = 0;
    expect(ids(await review().candidates())).toEqual([x, y, z, u].map(id));
  });

  it('sees the people as they are now: merges and hidden people count at once, without invalidate()', async () => {
    const x = pair(0.5, 'across');
    const y = pair(0.45, 'across');
    const service = review();
    expect(ids(await service.candidates())).toEqual([x, y].map(id));
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
    const x = pair(0.5, 'across');
    const y = pair(0.45, 'across');
    const service = review();
    expect(ids(await service.candidates())).toEqual([x, y].map(id));
    // A rescan wrote a new descriptor for x.b (same face ids, same count): x is no longer close.
    lib.db.prepare('UPDATE embeddings SET vector = ? WHERE face_id = ?').run(toBlob(at(40)), x.b);
    expect(ids(await service.candidates())).toEqual([x, y].map(id)); // the neighbourhood of before
    service.invalidate();
    expect(ids(await service.candidates())).toEqual([id(y)]);
  });

  it('notices new faces, and faces whose photo is gone, by itself', async () => {
    const x = pair(0.5, 'across');
    const y = pair(0.45, 'across');
    const service = review();
    expect(ids(await service.candidates())).toEqual([x, y].map(id));
    const z = pair(0.4, 'across');
    expect(ids(await service.candidates())).toEqual([x, y, z].map(id));
    lib.setPhotoStatus(lib.photoOf(y.b), 'gone');
    expect(ids(await service.candidates())).toEqual([x, z].map(id));
  });
});
