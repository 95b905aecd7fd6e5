import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { GROUPS, IDENTITIES } from './paths.js';

/** A face's row as the tests of re-analysis compare it, with its photo's file name. */
export interface FaceState {
  id: number;
  file: string;
  idx: number;
  x: number;
  y: number;
  w: number;
  h: number;
  person_id: number | null;
  assigned_by: string | null;
  lost_at: string | null;
}

/** Rows of a query on a library, opened read-only and closed again. */
export function readRows<T>(dbFile: string, sql: string): T[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

export const facesIn = (dbFile: string): FaceState[] =>
  readRows<FaceState & { path: string }>(
    dbFile,
    'SELECT f.id, p.path, f.idx, f.x, f.y, f.w, f.h, f.person_id, f.assigned_by, f.lost_at FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY f.id',
  ).map(({ path: p, ...f }) => ({ ...f, file: path.basename(p) }));

export interface DecisionRows {
  people: Array<{ id: number; name: string | null; hidden: number; cover_face_id: number | null }>;
  labels: Array<{ face_a: number; face_b: number; same: number; source: string; action_id: number | null }>;
  actions: Array<{ id: number; kind: string; undone_at: string | null }>;
}

/** The people, labels and actions rows: what the user decided besides the faces. */
export function decisionRows(dbFile: string, people = 'SELECT id, name, hidden, cover_face_id FROM people ORDER BY id'): DecisionRows {
  return {
    people: readRows(dbFile, people),
    labels: readRows(dbFile, 'SELECT face_a, face_b, same, source, action_id FROM labels ORDER BY face_a, face_b'),
    actions: readRows(dbFile, 'SELECT id, kind, undone_at FROM actions ORDER BY id'),
  };
}

/** The one face found on a photo (fails when there is not exactly one). */
export function onlyFace(faces: readonly FaceState[], file: string): FaceState {
  const found = faces.filter((f) => f.file === file && f.lost_at === null);
  expect(found, file).toHaveLength(1);
  return found[0]!;
}

/** Runs `fn` on the library's app, closed after. */
export async function withApp<T>(dbFile: string, fn: (app: FacePairApp) => T | Promise<T>): Promise<T> {
  const app = createApp({ dbFile, mustExist: true });
  try {
    return await fn(app);
  } finally {
    app.close();
  }
}

/** The re-analysis tests' library: three people's portraits and a couple, by the name each gets in it. */
export function decisionPhotos(): Record<string, string> {
  const src = (id: string, img: string): string => path.join(IDENTITIES, id, img);
  return {
    'anna-1.jpg': src('id01', 'img1.jpg'),
    'anna-2.jpg': src('id01', 'img2.jpg'),
    'anna-3.jpg': src('id01', 'img4.jpg'),
    'ben-1.jpg': src('id02', 'img26.jpg'),
    'ben-2.jpg': src('id02', 'img27.jpg'),
    'cara-1.jpg': src('id03', 'img48.jpg'),
    'couple.jpg': path.join(GROUPS, 'deepface_couple.jpg'),
  };
}

/** The face ids the decisions of makePersonDecisions refer to. */
export interface PersonDecisionIds {
  anna: number;
  ben: number;
  coupleDecided: number;
  coupleUndecided: number;
  benCover: number;
}

/**
 * Decisions a re-analysis must keep: Anna and Ben named and gathered, Cara merged into Ben then
 * rejected ("not this person"), Ben's cover, and review answers of each kind (a face of the
 * couple "different" from Anna, two of Anna's faces "same", one skipped).
 */
export function makePersonDecisions(app: FacePairApp, faces: readonly FaceState[]): PersonDecisionIds {
  const personOf = (file: string): number => app.faces.find(onlyFace(faces, file).id)!.personId!;
  const anna = personOf('anna-1.jpg');
  const ben = personOf('ben-1.jpg');
  app.edits.rename(anna, 'Anna');
  app.edits.rename(ben, 'Ben');
  // A merge: every photo of Anna into one person (a no-op where grouping did it), and Cara into Ben.
  for (const file of ['anna-2.jpg', 'anna-3.jpg', 'ben-2.jpg']) {
    const p = personOf(file);
    const target = file.startsWith('anna') ? anna : ben;
    if (p !== target) app.edits.merge(target, [p]);
  }
  expect(personOf('cara-1.jpg')).not.toBe(ben);
  app.edits.merge(ben, [personOf('cara-1.jpg')]);
  app.edits.rejectFaces(ben, [onlyFace(faces, 'cara-1.jpg').id]);
  const benCover = onlyFace(faces, 'ben-2.jpg').id;
  app.edits.setCover(ben, benCover);
  const couple = faces.filter((f) => f.file === 'couple.jpg');
  expect(couple).toHaveLength(2);
  const [coupleDecided, coupleUndecided] = couple.map((f) => f.id) as [number, number];
  app.edits.answerReview(coupleDecided, onlyFace(faces, 'anna-1.jpg').id, 'different');
  app.edits.answerReview(onlyFace(faces, 'anna-1.jpg').id, onlyFace(faces, 'anna-2.jpg').id, 'same');
  app.edits.answerReview(onlyFace(faces, 'ben-1.jpg').id, onlyFace(faces, 'anna-3.jpg').id, 'skip');
  return { anna, ben, coupleDecided, coupleUndecided, benCover };
}

/**
 * The decisions an upgrade must keep, made on the re-analysis library: those of
 * makePersonDecisions, and the group photo's small faces each named with two said to be
 * different. Returns the party's face ids.
 */
export function makeUpgradeDecisions(app: FacePairApp, faces: readonly FaceState[]): number[] {
  makePersonDecisions(app, faces);
  const party = faces.filter((f) => f.file === 'party.jpg');
  expect(party.length).toBeGreaterThanOrEqual(5);
  party.forEach((f, i) => app.edits.rename(app.faces.find(f.id)!.personId!, `Guest ${i + 1}`));
  app.edits.answerReview(party[0]!.id, party[1]!.id, 'different');
  return party.map((f) => f.id);
}
