import { afterEach, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMS } from '../../../src-main/core/analysis/descriptor.js';
import { ActiveFaces, type PreloadedFaces } from '../../../src-main/core/db/active-faces.js';
import { openDatabase } from '../../../src-main/core/db/database.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { FaceDb } from '../../support/face-db.js';

// A scan's grouping worker reads the active faces' grouping fields ahead, while the photos are
// analysed, and at plan time re-reads only the faces migration 19's change log names since
// (db/active-faces.ts). Whatever was done in between (a scan's new faces, a merge, a face
// placed or taken out, a person deleted, a face marked "not a face" or lost, a photo gone or
// back, a photo deleted with its faces), what it gives must be exactly what a full read gives.

const libs: FaceDb[] = [];
afterEach(() => {
  for (const l of libs.splice(0)) l.close();
});
const library = (): FaceDb => {
  const l = new FaceDb('active-faces');
  libs.push(l);
  return l;
};
const vector = (r: Rng): Float32Array => Float32Array.from({ length: DESCRIPTOR_DIMS }, () => r.next() - 0.5);

/** A library of a few people and loose faces, some photos with several faces. */
function grouped(lib: FaceDb, r: Rng): number[] {
  const faces: number[] = [];
  const people = Array.from({ length: 5 }, (_, i) => lib.addPerson({ name: i === 0 ? 'Ana' : null }));
  for (let i = 0; i < 60; i++) {
    const photo = i % 3 === 0 ? lib.addPhoto() : undefined;
    faces.push(lib.addFace(vector(r), { person: i % 4 === 0 ? null : people[i % people.length]!, ...(photo ? { photo } : {}) }));
    if (photo !== undefined) faces.push(lib.addFace(vector(r), { photo }));
  }
  return faces;
}

type Edit = (lib: FaceDb, faces: number[], r: Rng) => void;

/** The nth of these faces that is in a person (else the first face). */
const inPerson = (lib: FaceDb, faces: number[], nth = 0): number => faces.filter((f) => lib.personOf(f) !== null)[nth] ?? faces[0]!;

/** Every kind of change a user or a scan makes to what grouping reads of the faces. */
const EDITS: Record<string, Edit> = {
  'a scan adds faces': (lib, _faces, r) => {
    for (let i = 0; i < 5; i++) lib.addFace(vector(r));
  },
  'a merge': (lib, faces) => {
    const a = lib.personOf(inPerson(lib, faces, 0)), b = lib.personOf(inPerson(lib, faces, 1));
    lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE person_id = ?").run(a, b);
  },
  'a face placed': (lib, faces) => {
    const loose = faces.find((f) => lib.personOf(f) === null) ?? faces[0]!;
    lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id = ?").run(lib.personOf(inPerson(lib, faces)), loose);
  },
  'a face taken out': (lib, faces) => {
    lib.db.prepare('UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE id = ?').run(inPerson(lib, faces, 2));
  },
  'only who placed it changes': (lib, faces) => {
    lib.db.prepare("UPDATE faces SET assigned_by = 'user' WHERE id = ?").run(inPerson(lib, faces, 3));
  },
  'a person deleted (its faces set free by the foreign key)': (lib, faces) => {
    lib.db.prepare('DELETE FROM people WHERE id = ?').run(lib.personOf(inPerson(lib, faces, 4)));
  },
  '"not a face"': (lib, faces) => {
    lib.db.prepare("UPDATE faces SET not_face_at = '2026-01-01' WHERE id = ?").run(faces[7]!);
  },
  'a face lost by a new analysis': (lib, faces) => {
    lib.db.prepare("UPDATE faces SET lost_at = '2026-01-01' WHERE id = ?").run(faces[9]!);
  },
  'a face deleted': (lib, faces) => {
    lib.db.prepare('DELETE FROM faces WHERE id = ?').run(faces[10]!);
  },
  'the newest face deleted, then a new face': (lib, faces, r) => {
    lib.db.prepare('DELETE FROM faces WHERE id = ?').run(faces.at(-1)!);
    lib.addFace(vector(r));
  },
  'a photo gone': (lib, faces) => {
    lib.setPhotoStatus(lib.photoOf(faces[0]!), 'gone');
  },
  'a photo back': (lib, faces) => {
    lib.setPhotoStatus(lib.photoOf(faces[12]!), 'gone');
  },
  'a photo deleted with its faces': (lib, faces) => {
    lib.db.prepare('DELETE FROM photos WHERE id = ?').run(lib.photoOf(faces[13]!));
  },
};

describe('the active faces read ahead', () => {
  it('give, after each kind of change, exactly what a full read gives', () => {
    for (const [name, edit] of Object.entries(EDITS)) {
      const lib = library();
      const r = new Rng(7);
      const faces = grouped(lib, r);
      const active = new ActiveFaces(lib.db);
      // 'a photo back' needs its photo gone before the read-ahead.
      if (name === 'a photo back') lib.setPhotoStatus(lib.photoOf(faces[12]!), 'gone');
      const pre = active.preload()!;
      if (name === 'a photo back') lib.setPhotoStatus(lib.photoOf(faces[12]!), 'done');
      else edit(lib, faces, r);
      const now = active.read();
      expect({ name, rows: [...active.readSince(pre)] }).toEqual({ name, rows: [...now] });
      // The change was one the read-ahead alone would have got wrong (the test is not vacuous).
      expect({ name, stale: [...pre.meta].join() === [...now].join() }).toEqual({ name, stale: false });
    }
  });

  it('give what a full read gives after many changes at random, and a copy untouched by them', () => {
    const lib = library();
    const r = new Rng(11);
    grouped(lib, r);
    const active = new ActiveFaces(lib.db);
    const names = Object.keys(EDITS).filter((n) => n !== 'a photo back');
    for (let round = 0; round < 12; round++) {
      const pre = active.preload()!;
      const copy = [...pre.meta];
      for (let e = 0; e < 3; e++) {
        const live = lib.db.prepare('SELECT id FROM faces WHERE lost_at IS NULL ORDER BY id').pluck(true).all() as number[];
        try {
          EDITS[names[Math.floor(r.next() * names.length)]!]!(lib, r.next() < 0.5 ? live : [...live].reverse(), r);
        } catch {
          // an edit that needs a person where the face has none: skipped
        }
      }
      expect([...active.readSince(pre)]).toEqual([...active.read()]);
      expect([...pre.meta]).toEqual(copy);
    }
  });

  it('are read whole again where many faces changed, and where the library has no change log', () => {
    const lib = library();
    const r = new Rng(5);
    grouped(lib, r);
    const active = new ActiveFaces(lib.db);
    const pre = active.preload()!;
    for (let i = 0; i < 200; i++) lib.addFace(vector(r));
    expect([...active.readSince(pre)]).toEqual([...active.read()]);
    // A copy that claims a seq past every change (as a log emptied and started again would): the
    // faces newer than the copy's are still read, so only edits of older faces could be missed.
    const forged: PreloadedFaces = { ...active.preload()!, seq: Number.MAX_SAFE_INTEGER };
    const newer = lib.addFace(vector(r));
    expect(active.readSince(forged).includes(newer)).toBe(true);
    // Without the log's table (a library opened read-only before migration 19): no read-ahead, a full read.
    lib.db.exec('DROP TABLE grouping_changes');
    const bare = new ActiveFaces(lib.db);
    expect(bare.preload()).toBeNull();
    expect([...bare.readSince(pre)]).toEqual([...bare.read()]);
  });

  it('read before a later read-ahead pruned the log past them are read whole; the log keeps its newest row', () => {
    const lib = library();
    const r = new Rng(3);
    const faces = grouped(lib, r);
    const active = new ActiveFaces(lib.db);
    const older = active.preload()!;
    EDITS['a merge']!(lib, faces, r);
    EDITS['a photo gone']!(lib, faces, r);
    const newer = active.preload()!; // prunes the rows up to its seq, the merge's among them
    expect(newer.seq).toBeGreaterThan(older.seq);
    const rows = lib.db.prepare('SELECT seq FROM grouping_changes').pluck(true).all() as number[];
    expect(rows).toEqual([newer.seq]);
    EDITS['a face taken out']!(lib, faces, r);
    expect([...active.readSince(older)]).toEqual([...active.read()]);
    expect([...active.readSince(newer)]).toEqual([...active.read()]);
    // Every seq written after a read is above it, though the log was pruned.
    expect(Math.min(...(lib.db.prepare('SELECT seq FROM grouping_changes WHERE seq <> ?').pluck(true).all(newer.seq) as number[]))).toBeGreaterThan(newer.seq);
  });

  it('are logged by the triggers of the migrated schema', () => {
    const lib = library();
    const db = openDatabase(lib.file, { create: false, readonly: true });
    try {
      const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'grouping_changes_%' ORDER BY name").pluck(true).all();
      expect(triggers).toEqual(['grouping_changes_face_delete', 'grouping_changes_face_insert', 'grouping_changes_face_update', 'grouping_changes_photo_update']);
    } finally {
      db.close();
    }
  });
});
