import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countAnswers } from '../../../src-main/core/api/learning-view.js';
import { PeopleService } from '../../../src-main/core/people/people.service.js';
import { FaceDb, vec } from '../../support/face-db.js';

// Names read from another tool's XMP become the user's own answers: each face joins the person
// of that name (an existing one when there is one), with the labels that follow, in one action
// that one undo takes back exactly.

let lib: FaceDb;
let edits: PeopleService;

beforeEach(() => {
  lib = new FaceDb('confirm-names');
  edits = new PeopleService(lib.db, lib.people, lib.faces, lib.embeddings, lib.labels, lib.actions);
});

afterEach(() => lib.close());

describe('confirmNames', () => {
  it('puts each face in the person of its name, reusing one named so already (case and spaces ignored), with "same" labels', () => {
    const anna = lib.addPersonWithFaces([vec([0, 1]), vec([0, 1.1])], { name: 'Anna Lee' });
    const auto = lib.addPersonWithFaces([vec([0, 1.2]), vec([5, 1])]);
    const lone = lib.addFace(vec([9, 1]));
    const action = edits.confirmNames(
      [
        { faceId: auto.faces[0]!, name: 'anna  lee' },
        { faceId: lone, name: 'Ben' },
      ],
      'Took 2 names',
    );
    expect(action.kind).toBe('import.xmp');
    expect(lib.personOf(auto.faces[0]!)).toBe(anna.id);
    expect(lib.faces.find(auto.faces[0]!)!.assignedBy).toBe('user');
    expect(lib.personOf(auto.faces[1]!)).toBe(auto.id); // only the named face moves
    for (const f of anna.faces) expect(lib.labelOf(auto.faces[0]!, f)).toMatchObject({ same: 1, source: 'import.xmp', action_id: action.id });
    const ben = lib.personOf(lone)!;
    expect(lib.people.find(ben)!.name).toBe('Ben');
    expect(lib.people.find(anna.id)!.name).toBe('Anna Lee');
  });

  it('writes "different" between faces of one photo given different names', () => {
    const photo = lib.addPhoto();
    const a = lib.addFace(vec([0, 1]), { photo });
    const b = lib.addFace(vec([1, 1]), { photo });
    edits.confirmNames([{ faceId: a, name: 'Anna' }, { faceId: b, name: 'Ben' }], 'Took 2 names');
    expect(lib.labelOf(a, b)).toMatchObject({ same: 0, source: 'import.xmp' });
    expect(lib.personOf(a)).not.toBe(lib.personOf(b));
    // Training data like any answer, counted under their own source on the Recognition screen.
    expect(countAnswers(lib.labels.countBySource()).bySource).toEqual([{ source: 'xmp-tags', same: 0, different: 1 }]);
  });

  it('is taken back whole by one undo: people, assignments and labels as before', () => {
    const anna = lib.addPersonWithFaces([vec([0, 1])], { name: 'Anna' });
    const auto = lib.addPersonWithFaces([vec([0, 1.2]), vec([0, 1.3])]);
    const photo = lib.addPhoto();
    const x = lib.addFace(vec([3, 1]), { photo });
    const y = lib.addFace(vec([4, 1]), { photo });
    const before = lib.state();
    edits.confirmNames(
      [
        { faceId: auto.faces[0]!, name: 'Anna' },
        { faceId: x, name: 'Carl' },
        { faceId: y, name: 'Dora' },
      ],
      'Took 3 names',
    );
    expect(lib.state()).not.toEqual(before);
    edits.undo();
    expect(lib.state()).toEqual(before);
    expect(lib.people.find(anna.id)!.name).toBe('Anna');
  });
});
