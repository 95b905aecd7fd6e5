import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMS } from '../../../src-main/core/analysis/descriptor.js';
import { preloadDescriptorMatrix, readDescriptorMatrix } from '../../../src-main/core/db/descriptor-matrix.js';
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

// A scan's grouping worker reads the descriptor file ahead while the photos are analysed
// (preloadDescriptorMatrix); the plan uses those rows only where the database still matches
// them, and reads everything else (faces, people, answers) when it plans.
describe('descriptor rows read ahead', () => {
  const at = (lib: FaceDb): { file: string; cacheDir: string } => {
    const cacheDir = path.join(path.dirname(lib.file), 'library.cache');
    return { cacheDir, file: path.join(cacheDir, 'grouping', `descriptors-${lib.descriptorModel}.bin`) };
  };

  it('are used where the database still matches them, and give what a full read gives; not where a vector changed', () => {
    const lib = library();
    const r = new Rng(31);
    const { file } = at(lib);
    const faces = Array.from({ length: 40 }, () => lib.addFace(randomVector(r)));
    readDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file); // writes the file
    // Within the spare rows (no copy), then past them (copied into a larger matrix).
    for (const added of [3, 20]) {
      const pre = preloadDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file, 4)!;
      expect(pre.count).toBe(faces.length);
      faces.push(...Array.from({ length: added }, () => lib.addFace(randomVector(r))));
      const m = readDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file, pre);
      expect({ ids: [...m.ids], vectors: [...m.vectors] }).toEqual(full(lib));
      expect(m.vectors.buffer === pre.vectors.buffer).toBe(added <= 4);
    }
    // Read ahead, then a face analysed again (its vector replaced, the epoch moved): not used.
    const pre = preloadDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file, 4)!;
    lib.embeddings.put(lib.descriptorModel, [{ faceId: faces[5]!, vector: randomVector(r) }]);
    const m = readDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file, pre);
    expect({ ids: [...m.ids], vectors: [...m.vectors] }).toEqual(full(lib));
    expect(m.vectors.buffer === pre.vectors.buffer).toBe(false);
    // The newest face deleted after the read-ahead: not used either.
    const pre2 = preloadDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file, 4)!;
    lib.db.prepare('DELETE FROM faces WHERE id = ?').run(faces.at(-1)!);
    const m2 = readDescriptorMatrix(lib.db, lib.descriptorModel, DESCRIPTOR_DIMS, file, pre2);
    expect({ ids: [...m2.ids], vectors: [...m2.vectors] }).toEqual(full(lib));
    expect(m2.vectors.buffer === pre2.vectors.buffer).toBe(false);
  });

  it('plan as a cold read does, and honour a merge, a placed face and an answer made after the read-ahead (the descriptors and the faces read ahead)', async () => {
    /** A grouped library, the rows read ahead, new faces and (optionally) the user's decisions made after, then the plan. */
    async function run(ahead: boolean, decide: boolean): Promise<{ plan: unknown; state: unknown; lib: FaceDb; used: boolean }> {
      const lib = library();
      const { cacheDir } = at(lib);
      const r = new Rng(41);
      const centres = Array.from({ length: 6 }, () => randomVector(r));
      const grouping = new GroupingService(lib.faces, lib.people, lib.labels, null, undefined, undefined, undefined, cacheDir);
      const add = (count: number): number[] => Array.from({ length: count }, (_, i) => lib.addFace(randomVector(r, centres[(i * 5 + count) % centres.length]!)));
      const first = add(48);
      await grouping.groupNewFaces();
      const pre = ahead ? grouping.preloadDescriptors(8) : null;
      const preFaces = ahead ? grouping.preloadFaces() : null;
      if (ahead) expect(preFaces).not.toBeNull();
      const fresh = add(6);
      if (decide) {
        // The user merges two people, names the result, places a new face in it and says two new faces differ.
        const a = lib.personOf(first[0]!)!, b = lib.personOf(first[1]!)!;
        lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE person_id = ?").run(a, b);
        lib.db.prepare("UPDATE people SET name = 'Ana' WHERE id = ?").run(a);
        lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?").run(a, fresh[0]!);
        lib.labels.record(fresh[1]!, fresh[2]!, false, 'review');
      }
      const plan = await grouping.plan({}, undefined, pre, preFaces);
      const used = pre !== null && pre.ids[pre.count] === fresh[0]; // the new faces landed in the rows read ahead
      grouping.write(plan);
      const state = {
        faces: lib.db.prepare('SELECT id, person_id, assigned_by FROM faces ORDER BY id').all(),
        people: lib.db.prepare('SELECT id, name, hidden FROM people ORDER BY id').all(),
      };
      if (decide) {
        const a = lib.personOf(first[0]!)!;
        expect(lib.personOf(first[1]!)).toBe(a);
        expect(lib.personOf(fresh[0]!)).toBe(a);
        expect(lib.faces.find(fresh[0]!)!.assignedBy).toBe('user');
        expect(lib.people.find(a)!.name).toBe('Ana');
        const p1 = lib.personOf(fresh[1]!), p2 = lib.personOf(fresh[2]!);
        expect(p1 === null || p1 !== p2).toBe(true);
      }
      return { plan: { ...plan, summary: { ...plan.summary, stages: undefined } }, state, lib, used };
    }
    for (const decide of [false, true]) {
      const cold = await run(false, decide);
      const warm = await run(true, decide);
      expect(warm.used).toBe(true); // the rows read ahead were the ones planned with
      expect(warm.plan).toEqual(cold.plan);
      expect(warm.state).toEqual(cold.state);
      expect((cold.plan as { changes: unknown[] }).changes.length).toBeGreaterThan(0);
    }
  });
});
