import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActionsRepository } from '../../../src-main/core/db/actions.repository.js';
import { openDatabase, type Db } from '../../../src-main/core/db/database.js';
import { EmbeddingsRepository } from '../../../src-main/core/db/embeddings.repository.js';
import { FacesRepository } from '../../../src-main/core/db/faces.repository.js';
import { LabelsRepository } from '../../../src-main/core/db/labels.repository.js';
import { PeopleRepository } from '../../../src-main/core/db/people.repository.js';
import type { CandidatePairHead } from '../../../src-main/core/grouping/candidate-pair-head.js';
import { GroupingService } from '../../../src-main/core/grouping/grouping.service.js';
import { PeopleService } from '../../../src-main/core/people/people.service.js';
import { FaceDb, vec } from '../../support/face-db.js';

// A scan (or learning run) groups from what it read, then writes; meanwhile the window, on
// another connection to the same library, edits people. The edit made in between must be
// kept: grouping re-reads what it overwrites inside its write transaction.

let lib: FaceDb;
let other: Db;
let window: PeopleService;

beforeEach(() => {
  lib = new FaceDb('grouping-edits');
  // The window's own connection, as a second process has.
  other = openDatabase(lib.db.name);
  const faces = new FacesRepository(other);
  window = new PeopleService(other, new PeopleRepository(other), faces, new EmbeddingsRepository(other), new LabelsRepository(other), new ActionsRepository(other));
});

afterEach(() => {
  other.close();
  lib.close();
});

const at = (region: number, dx = 0): Float32Array => vec([region, 1], [100, dx]);

/** A pair head with no opinion that runs `edit` once, after grouping has read the faces and before it writes. */
function editMeanwhile(edit: () => void): CandidatePairHead {
  let done = false;
  return {
    scorerFor: async () => {
      if (!done) {
        done = true;
        edit();
      }
      return null;
    },
  };
}

const grouping = (head: CandidatePairHead): GroupingService => new GroupingService(lib.faces, lib.people, lib.labels, head);

describe('an edit made while grouping runs', () => {
  it('a rename is kept, and the new face still joins the person', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const newcomer = lib.addFace(at(0, 0.05));
    await grouping(editMeanwhile(() => window.rename(p.id, 'Ann'))).groupNewFaces();
    expect(lib.people.find(p.id)?.name).toBe('Ann');
    expect(lib.personOf(newcomer)).toBe(p.id);
  });

  it('a merge is kept, and a new face of the merged-away person follows it into the merged person', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const q = lib.addPersonWithFaces([at(2), at(2, 0.1)], { name: 'Bea' });
    const newcomer = lib.addFace(at(0, 0.05));
    // Without the re-read, the grouping assigns the newcomer to the deleted person: FOREIGN KEY constraint failed.
    await grouping(editMeanwhile(() => window.merge(q.id, [p.id]))).groupNewFaces();
    expect(lib.people.find(p.id)).toBeUndefined();
    expect([...p.faces, ...q.faces, newcomer].map((f) => lib.personOf(f))).toEqual(Array(5).fill(q.id));
    expect(lib.people.find(q.id)?.name).toBe('Bea');
    expect(lib.labelOf(p.faces[0]!, q.faces[0]!)?.same).toBe(1);
  });

  it('"not this person" on a face the grouping releases (a learned version regrouping) keeps the face out', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1), at(0, 0.2)]);
    const [stray] = p.faces as [number, ...number[]];
    let newPersonIds: number[] = [];
    const head = editMeanwhile(() => {
      newPersonIds = window.rejectFaces(p.id, [stray]).newPersonIds;
    });
    // Every automatic assignment is released, as a newly learned version does.
    await grouping(head).groupNewFaces({ release: (f) => f.assignedBy === 'auto' });
    expect(newPersonIds).toHaveLength(1);
    expect(lib.personOf(stray)).toBe(newPersonIds[0]);
    expect(lib.faces.find(stray)!.assignedBy).toBe('user');
    expect(lib.labelOf(stray, p.faces[1]!)?.same).toBe(0);
  });

  it('a "different" answer written after grouping read the labels keeps the new face out of that person', async () => {
    const p = lib.addPersonWithFaces([at(0), at(0, 0.1)]);
    const newcomer = lib.addFace(at(0, 0.05));
    // Grouping reads the labels last, just before it writes: the answer lands between that read and the write.
    const head = editMeanwhile(() => undefined);
    await grouping(head).groupNewFaces({ alsoInTransaction: () => void lib.labels.record(newcomer, p.faces[0]!, false, 'review') });
    expect(lib.personOf(newcomer)).not.toBe(p.id);
    expect(lib.labelOf(newcomer, p.faces[0]!)?.same).toBe(0);
  });
});
