import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMS } from '../../../src-main/core/analysis/descriptor.js';
import type { CandidatePairHead } from '../../../src-main/core/grouping/candidate-pair-head.js';
import type { PairProbabilities } from '../../../src-main/core/grouping/candidate-veto.js';
import { DEFAULT_GROUPING, GroupingService } from '../../../src-main/core/grouping/grouping.service.js';
import { FaceDb, vec } from '../../support/face-db.js';

// GroupingService over a real SQLite library (exact kNN runs on tfjs): which person each new
// face ends up in. Faces are placed at known distances (see `vec`) against the product
// settings: two single faces link up to about 0.47 apart (linkage 0.51 less the small-group
// margin), and only neighbours closer than 0.6 are compared at all.

let lib: FaceDb;

beforeEach(() => {
  lib = new FaceDb('grouping');
});

afterEach(() => lib.close());

const grouping = (head: CandidatePairHead | null = null): GroupingService => new GroupingService(lib.faces, lib.people, lib.labels, head);

/** A point of its own region of the descriptor space (regions are 1.4 or more apart), shifted by `dx` along one axis. */
const at = (region: number, dx = 0, dy = 0): Float32Array => vec([region, 1], [100, dx], [101, dy]);

const key = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** A pair head that calls the given face pairs different (P = 0.1) and every other pair the same (P = 0.9). */
class FakeHead implements CandidatePairHead {
  readonly calls: Array<{ faceIds: number[]; descriptors: Float32Array; dims: number }> = [];
  constructor(
    private readonly different: ReadonlyArray<readonly [number, number]>,
    private readonly opinion: 'scores' | 'none' | 'no-scorer' = 'scores',
  ) {}

  async scorerFor(faceIds: readonly number[], descriptors: Float32Array, dims: number): Promise<PairProbabilities | null> {
    this.calls.push({ faceIds: [...faceIds], descriptors: descriptors.slice(), dims });
    if (this.opinion === 'no-scorer') return null;
    const apart = new Set(this.different.map(([a, b]) => key(a, b)));
    return (i, j) =>
      Float32Array.from(i, (a, p) => (this.opinion === 'none' ? NaN : apart.has(key(faceIds[a]!, faceIds[j[p]!]!)) ? 0.1 : 0.9));
  }
}

describe('groupNewFaces', () => {
  it('with no new face, does nothing and writes nothing', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const before = lib.state();
    const summary = await grouping().groupNewFaces();
    expect(summary).toMatchObject({ faces: 2, newFaces: 0, joinedExisting: 0, newPeople: 0 });
    expect(lib.state()).toEqual(before);
    expect(lib.personOf(p.faces[0]!)).toBe(p.id);
  });

  it('a lone face in an empty library becomes a person of its own', async () => {
    const f = lib.addFace(at(0));
    expect(await grouping().groupNewFaces()).toMatchObject({ faces: 1, newFaces: 1, newPeople: 1 });
    expect(lib.personOf(f)).not.toBeNull();
    expect(lib.faces.find(f)!.assignedBy).toBe('auto');
  });

  it('new faces join the existing person they are close to, or form new people', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1), at(0, 0.2)], { name: 'Ana' });
    const joining = [lib.addFace(at(0, 0.1, 0.15)), lib.addFace(at(0, 0.3))];
    const [m1, m2] = [lib.addFace(at(1)), lib.addFace(at(1, 0.2))];
    const alone = lib.addFace(at(2));
    const summary = await grouping().groupNewFaces();

    expect(summary).toMatchObject({ faces: 8, newFaces: 5, joinedExisting: 2, newPeople: 2 });
    for (const f of joining) {
      expect(lib.personOf(f)).toBe(p.id);
      expect(lib.faces.find(f)!.assignedBy).toBe('auto');
    }
    const newPerson = lib.personOf(m1);
    expect(newPerson).not.toBeNull();
    expect(lib.personOf(m2)).toBe(newPerson);
    expect([p.id, newPerson]).not.toContain(lib.personOf(alone));
    expect(lib.personOf(alone)).not.toBeNull();
    expect(lib.people.find(p.id)!.name).toBe('Ana');
    expect(lib.personIds()).toHaveLength(3);
  });

  it('never merges two existing people, however close; a new face joins the one it is nearer', async () => {
    // On a line: p1 at 0 and 0.1, p2 at 0.3 and 0.4 (close enough to be one group from
    // scratch), the new face at -0.1: nearer p1, as a whole.
    const p1 = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const p2 = lib.addPersonWithFaces([at(0, 0.3), at(0, 0.4)]);
    const near1 = lib.addFace(at(0, -0.1));
    const summary = await grouping().groupNewFaces();
    expect(summary).toMatchObject({ joinedExisting: 1, newPeople: 0 });
    expect(lib.personOf(near1)).toBe(p1.id);
    expect(p1.faces.map((f) => lib.personOf(f))).toEqual([p1.id, p1.id]);
    expect(p2.faces.map((f) => lib.personOf(f))).toEqual([p2.id, p2.id]);
    expect(lib.personIds()).toEqual([p1.id, p2.id]);
  });

  it('never moves a face already grouped, even one that lies closer to another person', async () => {
    const p1 = lib.addPersonWithFaces([at(0), at(1)]); // its second face sits among p2's
    const p2 = lib.addPersonWithFaces([at(1, 0.1), at(1, 0.2)]);
    lib.addFace(at(1, 0.15));
    const before = lib.state().faces.filter((f) => f.person_id !== null);
    await grouping().groupNewFaces();
    expect(lib.state().faces.filter((f) => before.some((b) => b.id === f.id))).toEqual(before);
    expect(lib.personOf(p1.faces[1]!)).toBe(p1.id);
    expect(lib.personIds()).toEqual([p1.id, p2.id]);
  });

  it('never puts two faces of one photo together, nor a new face into a person already on its photo', async () => {
    const photo = lib.addPhoto();
    const a = lib.addFace(at(0), { photo });
    const b = lib.addFace(at(0), { photo }); // the very same descriptor
    const p = lib.addPerson();
    const shared = lib.addPhoto();
    lib.addFace(at(1), { person: p, photo: shared });
    const c = lib.addFace(at(1, 0.05), { photo: shared });
    await grouping().groupNewFaces();
    expect(lib.personOf(a)).not.toBeNull();
    expect(lib.personOf(b)).not.toBeNull();
    expect(lib.personOf(a)).not.toBe(lib.personOf(b));
    expect(lib.personOf(c)).not.toBe(p);
  });

  it('a "different" label keeps two close new faces apart', async () => {
    const [a, b] = [lib.addFace(at(0)), lib.addFace(at(0, 0.1))];
    const [c, d] = [lib.addFace(at(1)), lib.addFace(at(1, 0.1))]; // the same pair, unlabelled
    lib.labels.record(a, b, false, 'review.different');
    await grouping().groupNewFaces();
    expect(lib.personOf(a)).not.toBe(lib.personOf(b));
    expect(lib.personOf(c)).toBe(lib.personOf(d));
  });

  it('a "same" label keeps two far new faces together', async () => {
    const [a, b] = [lib.addFace(at(0)), lib.addFace(at(1))];
    const [c, d] = [lib.addFace(at(2)), lib.addFace(at(3))]; // as far apart, unlabelled
    lib.labels.record(b, a, true, 'review.same');
    expect(await grouping().groupNewFaces()).toMatchObject({ newPeople: 3 });
    expect(lib.personOf(a)).toBe(lib.personOf(b));
    expect(lib.personOf(c)).not.toBe(lib.personOf(d));
  });

  it("labels with an existing person's face: \"same\" brings a far face in, \"different\" keeps a close one out", async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const far = lib.addFace(at(5));
    const close = lib.addFace(at(0, 0.05));
    lib.labels.record(far, p.faces[1]!, true, 'merge');
    lib.labels.record(close, p.faces[0]!, false, 'reject');
    await grouping().groupNewFaces();
    expect(lib.personOf(far)).toBe(p.id);
    expect(lib.personOf(close)).not.toBe(p.id);
    expect(lib.personOf(close)).not.toBeNull();
  });

  it('leaves out faces on photos that are gone', async () => {
    const f = lib.addFace(at(0));
    lib.setPhotoStatus(lib.photoOf(f), 'gone');
    const g = lib.addFace(at(0, 0.1));
    expect(await grouping().groupNewFaces()).toMatchObject({ faces: 1, newFaces: 1, newPeople: 1 });
    expect(lib.personOf(f)).toBeNull();
    expect(lib.personOf(g)).not.toBeNull();
  });
});

describe('the candidate pair head', () => {
  it('a pair the head calls different is not linked, though the descriptors are close', async () => {
    const [a, b] = [lib.addFace(at(0)), lib.addFace(at(0, 0.1))];
    const [c, d] = [lib.addFace(at(1)), lib.addFace(at(1, 0.1))];
    const head = new FakeHead([[a, b]]);
    await grouping(head).groupNewFaces();
    expect(lib.personOf(a)).not.toBe(lib.personOf(b));
    expect(lib.personOf(c)).toBe(lib.personOf(d));
  });

  it('keeps a new face out of a person when it calls the face different from all of theirs', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const f = lib.addFace(at(0, 0.05));
    await grouping(new FakeHead(p.faces.map((g) => [f, g] as const))).groupNewFaces();
    expect(lib.personOf(f)).not.toBe(p.id);
  });

  it('is asked once per run, only about the faces of candidate pairs (within maxEdge), with their descriptors', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const f = lib.addFace(at(0, 0.2));
    const far = lib.addFace(at(3, 0.2)); // in no candidate pair: nothing for the head to decide
    const head = new FakeHead([]);
    await grouping(head).groupNewFaces();
    expect(head.calls).toHaveLength(1);
    const [call] = head.calls;
    expect([...call!.faceIds].sort((a, b) => a - b)).toEqual([...p.faces, f].sort((a, b) => a - b));
    expect(call!.faceIds).not.toContain(far);
    expect(call!.dims).toBe(DESCRIPTOR_DIMS);
    const row = call!.faceIds.indexOf(f);
    expect(call!.descriptors.subarray(row * DESCRIPTOR_DIMS, (row + 1) * DESCRIPTOR_DIMS)).toEqual(at(0, 0.2));
  });

  it('without a scorer, or with no opinion (NaN), the descriptor alone decides', async () => {
    for (const opinion of ['no-scorer', 'none'] as const) {
      const [a, b] = [lib.addFace(at(opinion === 'none' ? 0 : 1)), lib.addFace(at(opinion === 'none' ? 0 : 1, 0.1))];
      await grouping(new FakeHead([[a, b]], opinion)).groupNewFaces();
      expect(lib.personOf(a)).not.toBeNull();
      expect(lib.personOf(a)).toBe(lib.personOf(b));
    }
  });
});

describe('proposeFromScratch', () => {
  it('groups every face afresh and writes nothing', async () => {
    // Two existing people that the product keeps apart, but that lie close; and a new face.
    const p1 = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const p2 = lib.addPersonWithFaces([at(0, 0, 0.1), at(0, 0.1, 0.1)]);
    const lone = lib.addFace(at(4));
    const before = lib.state();
    const { faceIds, label } = await grouping().proposeFromScratch();
    expect(lib.state()).toEqual(before);
    expect(faceIds).toEqual([...p1.faces, ...p2.faces, lone]);
    expect(label).toHaveLength(5);
    expect(new Set(label.subarray(0, 4)).size).toBe(1); // from scratch, the two people are one
    expect(label[4]).not.toBe(label[0]);
    expect(lib.personOf(lone)).toBeNull();
  });

  it('takes other settings: a tiny linkage leaves every face alone', async () => {
    lib.addPersonWithFaces([at(0), at(0, 0.1), at(0, 0.2)]);
    const { label } = await grouping().proposeFromScratch({ linkage: 0.01 });
    expect(new Set(label).size).toBe(3);
    // The defaults are untouched by the override.
    expect(new Set((await grouping().proposeFromScratch()).label).size).toBe(1);
    expect(DEFAULT_GROUPING.linkage).toBe(0.51);
  });

  it('runs the reference algorithms too, writing nothing', async () => {
    const close = [at(0), at(0, 0.1), at(0, 0.2), at(0, 0.1, 0.1)].map((v) => lib.addFace(v));
    const far = lib.addFace(at(3));
    const before = lib.state();
    for (const algorithm of ['chinese-whispers', 'immich-density'] as const) {
      const { faceIds, label } = await grouping().proposeFromScratch({}, algorithm);
      expect(faceIds).toEqual([...close, far]);
      expect(new Set(label.subarray(0, 4)).size).toBe(1);
      expect(label[4]).not.toBe(label[0]);
    }
    expect(lib.state()).toEqual(before);
  });
});
