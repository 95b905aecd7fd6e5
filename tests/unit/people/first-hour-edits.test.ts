import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../../../src-main/core/analysis/descriptor.js';
import { DEFAULT_GROUPING } from '../../../src-main/core/grouping/grouping.service.js';
import { PeopleService } from '../../../src-main/core/people/people.service.js';
import { PersonLikeness } from '../../../src-main/core/people/person-likeness.js';
import { FaceDb, vec } from '../../support/face-db.js';

// The edits of a user's first hour: "Not a face", a name that is already taken, and the
// people alike to one (the merge dialog's order and the person page's suggestions) with
// their "No" answer, over a real SQLite library written directly (no ML).

let lib: FaceDb;
let edits: PeopleService;
let likeness: PersonLikeness;

beforeEach(() => {
  lib = new FaceDb('first-hour');
  edits = new PeopleService(lib.db, lib.people, lib.faces, lib.embeddings, lib.labels, lib.actions);
  likeness = new PersonLikeness(lib.faces, lib.labels, async () => DEFAULT_GROUPING);
});

afterEach(() => lib.close());

/** `n` faces `spread` apart around a point `at` along dimension 0 (descriptor units). */
const around = (at: number, n: number, spread = 0.05): Float32Array[] => Array.from({ length: n }, (_, i) => vec([0, at], [1, i * spread]));

describe('"Not a face"', () => {
  it('takes the detections out of their person and of every grouping, remembers it, and undo puts them back', () => {
    const p = lib.addPersonWithFaces(around(0, 3));
    const bark = p.faces[2]!;
    const before = lib.state();
    const r = edits.markNotFaces(p.id, [bark]);
    expect(r.action).toMatchObject({ kind: 'not-a-face', summary: 'Marked a picture of an unnamed person as not a face' });
    expect(r.person).toMatchObject({ id: p.id, faces: 2 });
    expect(lib.personOf(bark)).toBeNull();
    expect(lib.faces.listNotFaces().map((f) => f.faceId)).toEqual([bark]);
    // Not grouped again (grouping and review read this list), not counted, not on its photo.
    const grouped = lib.faces.listForGrouping(lib.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS)).map((f) => f.id);
    expect(grouped).toEqual([p.faces[0], p.faces[1]]);
    expect(lib.faces.listForPhoto(lib.photoOf(bark)).map((f) => f.id)).not.toContain(bark);
    expect(lib.faces.countOnPresentPhotos()).toBe(2);

    edits.undo();
    expect(lib.state()).toEqual(before);
    expect(lib.faces.listNotFaces()).toEqual([]);
  });

  it("on a person's only face, says that the person is no longer listed; undo brings them back", () => {
    const p = lib.addPersonWithFaces(around(0, 1));
    const before = lib.state();
    const r = edits.markNotFaces(p.id, [p.faces[0]!]);
    expect(r.person).toBeNull();
    expect(r.action.summary).toBe('Marked the only picture of an unnamed person as not a face: that person is no longer listed');
    edits.undo();
    expect(lib.state()).toEqual(before);
  });

  it('refuses a face of someone else', () => {
    const a = lib.addPersonWithFaces(around(0, 2));
    const b = lib.addPersonWithFaces(around(5, 2));
    expect(() => edits.markNotFaces(a.id, [b.faces[0]!])).toThrow(/not one of an unnamed person's faces/);
  });
});

describe('a name that is already taken', () => {
  it('is not taken silently: the answer names the person who has it (case and accents aside), and nothing changes', () => {
    const angelina = lib.addPersonWithFaces(around(0, 3), { name: 'Angelina Jolie' });
    const other = lib.addPersonWithFaces(around(5, 1));
    const r = edits.rename(other.id, 'angelina JOLIÉ', false);
    expect(r.action).toBeNull();
    expect(r.sameName).toMatchObject({ id: angelina.id, name: 'Angelina Jolie', photos: 3 });
    expect(lib.people.find(other.id)!.name).toBeNull();
  });

  it('is taken when the user says it is another person of that name', () => {
    lib.addPersonWithFaces(around(0, 3), { name: 'Angelina Jolie' });
    const other = lib.addPersonWithFaces(around(5, 1));
    const r = edits.rename(other.id, 'Angelina Jolie', true);
    expect(r.sameName).toBeNull();
    expect(r.person.name).toBe('Angelina Jolie');
  });
});

describe('people alike', () => {
  it('orders everyone by the grouping\'s merge distance, unnamed people included, with their nearest faces first', async () => {
    const jen = lib.addPersonWithFaces(around(0, 4), { name: 'Jennifer Aniston' });
    const far = lib.addPersonWithFaces(around(3, 2), { name: 'Someone Else' });
    const fragment = lib.addPersonWithFaces(around(0.3, 2));
    const alike = await likeness.alike(jen.id, 10);
    expect(alike.map((a) => a.personId)).toEqual([fragment.id, far.id]);
    expect(alike[0]).toMatchObject({ likely: true, toldApart: false });
    expect(alike[1]!.likely).toBe(false);
    // Its face nearer to Jennifer's faces comes first.
    expect(alike[0]!.faceIds).toEqual([fragment.faces[1], fragment.faces[0]]);
    expect(alike[0]!.distance).toBeLessThan(alike[1]!.distance);
  });

  it('"No" to a suggestion is a "different" answer that keeps the two apart, and undo takes it back', async () => {
    const jen = lib.addPersonWithFaces(around(0, 3), { name: 'Jennifer Aniston' });
    const fragment = lib.addPersonWithFaces(around(0.3, 2));
    const action = edits.tellApart(jen.id, fragment.id);
    expect(action).toMatchObject({ kind: 'suggestion.different', summary: 'An unnamed person is not Jennifer Aniston' });
    const labels = lib.state().labels;
    expect(labels).toHaveLength(6);
    expect(labels.every((l) => l.same === 0 && l.source === 'suggestion.different')).toBe(true);
    expect((await likeness.alike(jen.id, 10))[0]).toMatchObject({ personId: fragment.id, likely: false, toldApart: true });
    edits.undo();
    expect(lib.state().labels).toEqual([]);
  });
});
