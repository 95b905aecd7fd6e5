import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMS } from '../../../src-main/core/analysis/descriptor.js';
import { readDescriptorMatrix } from '../../../src-main/core/db/descriptor-matrix.js';
import { GroupingService } from '../../../src-main/core/grouping/grouping.service.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { FaceDb } from '../../support/face-db.js';

// Grouping keeps every descriptor in a file in the library's cache and reads from the database
// only the faces newer than the file's (db/descriptor-matrix.ts, migration 17's epoch). What it
// reads must be what a full read of the database gives, whatever changed the vectors, and a
// library grouped scan after scan through that file must end exactly as one grouped without it.

const libs: FaceDb[] = [];
afterEach(() => {
  for (const l of libs.splice(0)) l.close();
});
const library = (): FaceDb => {
  const l = new FaceDb('descriptor-matrix');
  libs.push(l);
  return l;
};

function randomVector(r: Rng, centre?: Float32Array, spread = 0.03): Float32Array {
  return Float32Array.from({ length: DESCRIPTOR_DIMS }, (_, d) => (centre ? centre[d]! : 0) + (r.next() - 0.5) * (centre ? spread : 0.25));
}

/** What a full read of the database gives (no file). */
const full = (lib: FaceDb): { ids: number[]; vectors: number[] } => {
  const m = readDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, null);
  return { ids: [...m.ids], vectors: [...m.vectors] };
};
const viaFile = (lib: FaceDb, file: string): { ids: number[]; vectors: number[] } => {
  const m = readDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file);
  return { ids: [...m.ids], vectors: [...m.vectors] };
};

describe('the descriptor file', () => {
  it('gives what the database holds after appends, replaced vectors (old and newest face), deletes and a broken file', () => {
    const lib = library();
    const r = new Rng(7);
    const file = path.join(path.dirname(lib.file), 'cache', 'descriptors.bin');
    const faces = Array.from({ length: 40 }, () => lib.addFace(randomVector(r)));
    expect(viaFile(lib, file)).toEqual(full(lib));
    expect(existsSync(file)).toBe(true);
    // A scan's new faces: appended, read past the file.
    faces.push(...Array.from({ length: 3 }, () => lib.addFace(randomVector(r))));
    expect(viaFile(lib, file)).toEqual(full(lib));
    // A face analysed again keeps its id and gets a new vector (INSERT OR REPLACE), in the middle and at the end.
    lib.embeddings.put(lib.descriptorModel, [{ faceId: faces[5]!, vector: randomVector(r) }]);
    expect(viaFile(lib, file)).toEqual(full(lib));
    lib.embeddings.put(lib.descriptorModel, [{ faceId: faces.at(-1)!, vector: randomVector(r) }]);
    expect(viaFile(lib, file)).toEqual(full(lib));
    lib.db.prepare('UPDATE embeddings SET vector = ? WHERE face_id = ? AND model_id = ?').run(Buffer.from(randomVector(r).buffer), faces[9]!, lib.descriptorModel);
    expect(viaFile(lib, file)).toEqual(full(lib));
    // The newest face removed, and a new face given its id again.
    lib.db.prepare('DELETE FROM faces WHERE id = ?').run(faces.at(-1)!);
    expect(viaFile(lib, file)).toEqual(full(lib));
    lib.db.prepare('DELETE FROM faces WHERE id = ?').run(faces[2]!);
    faces.push(lib.addFace(randomVector(r)));
    expect(viaFile(lib, file)).toEqual(full(lib));
    // A file that is not one, or of another size, is read again from the database.
    writeFileSync(file, 'not a matrix');
    expect(viaFile(lib, file)).toEqual(full(lib));
    expect(full(lib).ids).toHaveLength(42);
  });

  it('listForGroupingMatrix lists the same faces and vectors as listForGrouping (lost faces and absent photos left out)', () => {
    const lib = library();
    const r = new Rng(8);
    const file = path.join(path.dirname(lib.file), 'cache', 'descriptors.bin');
    const faces = Array.from({ length: 20 }, () => lib.addFace(randomVector(r)));
    // People and who put the faces there (read as one string of numbers, parsed back).
    const ana = lib.addPerson({ name: 'Ana' }), other = lib.addPerson();
    lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id IN (?, ?)").run(ana, faces[1]!, faces[12]!);
    lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'auto' WHERE id IN (?, ?, ?)").run(other, faces[2]!, faces[5]!, faces[19]!);
    lib.faces.listForGroupingMatrix(lib.descriptorModel, file);
    lib.db.prepare("UPDATE faces SET lost_at = '2026-01-01' WHERE id = ?").run(faces[3]!);
    lib.setPhotoStatus(lib.photoOf(faces[7]!), 'gone');
    const plain = lib.faces.listForGrouping(lib.descriptorModel);
    const { faces: listed, vectors } = lib.faces.listForGroupingMatrix(lib.descriptorModel, file);
    expect(listed.map((f) => ({ ...f, vector: [...f.vector] }))).toEqual(plain.map((f) => ({ ...f, vector: [...f.vector] })));
    expect([...vectors]).toEqual(plain.flatMap((f) => [...f.vector]));
    expect(listed.map((f) => f.id)).not.toContain(faces[3]);
    expect(listed.map((f) => f.id)).not.toContain(faces[7]);
    expect(listed.find((f) => f.id === faces[12])).toMatchObject({ personId: ana, assignedBy: 'user' });
    expect(listed.find((f) => f.id === faces[19])).toMatchObject({ personId: other, assignedBy: 'auto' });
    expect(listed.find((f) => f.id === faces[0])).toMatchObject({ personId: null, assignedBy: null });
  });
});

describe('grouping scan after scan through the descriptor file', () => {
  /** Three scans of a library of look-alike people with the user's decisions between them; the final state. */
  async function scans(withFile: boolean): Promise<{ state: unknown; lib: FaceDb; decisions: () => void }> {
    const lib = library();
    const cacheDir = path.join(path.dirname(lib.file), 'library.cache');
    const r = new Rng(21);
    const centres = Array.from({ length: 8 }, () => randomVector(r));
    const grouping = new GroupingService(lib.faces, lib.people, lib.labels, null, undefined, undefined, undefined, withFile ? cacheDir : undefined);
    const add = (count: number): number[] => Array.from({ length: count }, (_, i) => lib.addFace(randomVector(r, centres[(i * 3 + count) % centres.length]!)));
    const first = add(40);
    await grouping.groupNewFaces();
    // The user names a person, places a face in it, answers "same" and "different".
    const ana = lib.addPerson({ name: 'Ana' });
    lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id IN (?, ?)").run(ana, first[0]!, first[8]!);
    lib.labels.record(first[1]!, first[9]!, false, 'review');
    lib.labels.record(first[2]!, first[17]!, true, 'review');
    add(25);
    await grouping.groupNewFaces();
    // A re-analysis gives an old face a new vector; a face is lost; more faces come.
    lib.embeddings.put(lib.descriptorModel, [{ faceId: first[4]!, vector: randomVector(r, centres[5]!) }]);
    lib.db.prepare("UPDATE faces SET lost_at = '2026-01-01' WHERE id = ?").run(first[6]!);
    add(15);
    await grouping.groupNewFaces();
    if (withFile) expect(readdirSync(path.join(cacheDir, 'grouping'))).toHaveLength(1);
    const state = {
      faces: lib.db.prepare('SELECT id, person_id, assigned_by FROM faces ORDER BY id').all(),
      people: lib.db.prepare('SELECT id, name, hidden FROM people ORDER BY id').all(),
      labels: lib.db.prepare('SELECT face_a, face_b, same FROM labels ORDER BY face_a, face_b').all(),
    };
    const decisions = (): void => {
      expect(lib.personOf(first[0]!)).toBe(ana);
      expect(lib.personOf(first[8]!)).toBe(ana);
      expect(lib.faces.find(first[0]!)!.assignedBy).toBe('user');
      expect(lib.people.find(ana)!.name).toBe('Ana');
      expect(lib.labelOf(first[1]!, first[9]!)).toMatchObject({ same: 0 });
      expect(lib.labelOf(first[2]!, first[17]!)).toMatchObject({ same: 1 });
    };
    return { state, lib, decisions };
  }

  it('ends exactly as the same scans grouped with a full read each time, every user decision kept', async () => {
    const withFile = await scans(true);
    const without = await scans(false);
    expect(withFile.state).toEqual(without.state);
    withFile.decisions();
    without.decisions();
    // Some faces were grouped together (the test is not vacuous).
    const people = (withFile.state as { faces: Array<{ person_id: number | null }> }).faces.map((f) => f.person_id);
    expect(new Set(people).size).toBeLessThan(people.length / 2);
  });
});
