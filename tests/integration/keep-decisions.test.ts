import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANALYZER_VERSION } from '../../src-main/core/analysis/descriptor.js';
import type { StatusReport } from '../../src-main/core/library/library-status.js';
import { copyInto } from '../support/bad-files.js';
import { runCli, runCliJson } from '../support/cli.js';
import {
  decisionPhotos,
  decisionRows,
  facesIn,
  makePersonDecisions,
  onlyFace,
  readRows,
  withApp,
  type DecisionRows,
  type FaceState,
  type PersonDecisionIds,
} from '../support/library-rows.js';
import { tempDir } from '../support/paths.js';

// A library the user has worked on (names, a merge, "not this person", a chosen cover, review
// answers) whose photos are analysed again: first all of them, as after an analyser upgrade,
// then a few edited in place. Every decision must come through.

interface Decisions extends DecisionRows {
  faces: Array<Pick<FaceState, 'id' | 'file' | 'person_id' | 'assigned_by'>>;
}

function decisionsIn(dbFile: string): Decisions {
  return {
    faces: facesIn(dbFile).map(({ id, file, person_id, assigned_by }) => ({ id, file, person_id, assigned_by })),
    ...decisionRows(dbFile),
  };
}

/** Paints a grey block over a face (with a margin), writing the photo in place: its content changes. */
async function paintOver(file: string, face: Pick<FaceState, 'x' | 'y' | 'w' | 'h'>): Promise<void> {
  const m = 0.4;
  const left = Math.max(0, Math.round(face.x - face.w * m));
  const top = Math.max(0, Math.round(face.y - face.h * m));
  const image = sharp(readFileSync(file)).rotate();
  const { width, height } = await image.clone().toBuffer({ resolveWithObject: true }).then((r) => r.info);
  const w = Math.min(width - left, Math.round(face.w * (1 + 2 * m)));
  const h = Math.min(height - top, Math.round(face.h * (1 + 2 * m)));
  const block = await sharp({ create: { width: w, height: h, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
  writeFileSync(file, await image.composite([{ input: block, left, top }]).jpeg({ quality: 92 }).toBuffer());
}

/** Adds a band of `dx` grey pixels on the left, writing the photo in place: its faces move right. */
async function padLeft(file: string, dx: number): Promise<void> {
  const out = await sharp(readFileSync(file))
    .rotate()
    .extend({ left: dx, background: { r: 128, g: 128, b: 128 } })
    .jpeg({ quality: 92 })
    .toBuffer();
  writeFileSync(file, out);
}

describe('the user\'s decisions survive a re-analysis of the photos', () => {
  const root = tempDir('keep-decisions');
  const lib = path.join(root, 'photos');
  const db = path.join(root, 'data', 'library.db');
  const files = decisionPhotos();
  let first: FaceState[];
  let before: Decisions;
  let reanalysis: { analysis: { done: number; errors: number } };
  let afterReanalysis: Decisions;
  let reanalysedFaces: FaceState[];
  let ids: PersonDecisionIds;

  beforeAll(async () => {
    for (const [name, file] of Object.entries(files)) copyInto(lib, file, name);
    runCliJson(['scan', lib, '--db', db]);
    first = facesIn(db);

    ids = await withApp(db, (app) => makePersonDecisions(app, first));
    before = decisionsIn(db);

    // As after an analyser upgrade: every photo was analysed by an older version.
    const writable = new Database(db);
    writable.prepare('UPDATE photos SET analyzer_version = ?').run(ANALYZER_VERSION - 1);
    writable.close();
    reanalysis = runCliJson(['scan', lib, '--db', db]);
    afterReanalysis = decisionsIn(db);
    reanalysedFaces = facesIn(db);
  });

  it('analyses every photo of an older analyser again', () => {
    expect(reanalysis.analysis).toMatchObject({ done: Object.keys(files).length, errors: 0 });
    expect(readRows<{ v: number }>(db, 'SELECT DISTINCT analyzer_version AS v FROM photos')).toEqual([{ v: ANALYZER_VERSION }]);
  });

  it('keeps every face id, person, name, cover, user assignment, label and action', () => {
    expect(before.labels.length).toBeGreaterThan(0);
    expect(before.faces.some((f) => f.assigned_by === 'user')).toBe(true);
    expect(afterReanalysis).toEqual(before);
    expect(reanalysedFaces.every((f) => f.lost_at === null)).toBe(true);
  });

  it('gives every face its new analysis: a descriptor, and crops that exist', async () => {
    const faces = readRows<{ id: number; crop_file: string; vectors: number }>(
      db,
      `SELECT f.id, f.crop_file, (SELECT count(*) FROM embeddings e JOIN models m ON m.id = e.model_id
         WHERE e.face_id = f.id AND m.kind = 'descriptor') AS vectors FROM faces f`,
    );
    expect(faces.map((f) => f.vectors)).toEqual(faces.map(() => 1));
    await withApp(db, (app) => {
      for (const f of faces) expect(readFileSync(path.join(app.cacheDir, f.crop_file)).length).toBeGreaterThan(0);
    });
  });

  it('keeps the actions undoable: undoing the skip after the re-analysis works on the same faces', async () => {
    await withApp(db, (app) => {
      expect(app.edits.skippedPairs().length).toBe(1);
      expect(app.edits.undo()).toMatchObject({ kind: 'review.skip' });
      expect(app.edits.skippedPairs()).toEqual([]);
    });
  });

  describe('photos edited in place', () => {
    let edited: FaceState[];
    let status: StatusReport;
    let statusText: string;

    beforeAll(async () => {
      // Anna's second photo gains a band on the left: its face moves a little.
      const anna2 = onlyFace(reanalysedFaces, 'anna-2.jpg');
      await padLeft(path.join(lib, 'anna-2.jpg'), Math.round(anna2.w * 0.15));
      // Ben's cover face and the couple's face nobody decided about are painted over.
      await paintOver(path.join(lib, 'ben-2.jpg'), onlyFace(reanalysedFaces, 'ben-2.jpg'));
      await paintOver(path.join(lib, 'couple.jpg'), reanalysedFaces.find((f) => f.id === ids.coupleUndecided)!);
      const s = runCliJson<{ index: Record<string, number>; analysis: { done: number } }>(['scan', lib, '--db', db]);
      expect(s.index.changed).toBe(3);
      expect(s.analysis.done).toBe(3);
      edited = facesIn(db);
      status = runCliJson<StatusReport>(['status', '--db', db]);
      statusText = runCli(['status', '--db', db]).stdout;
    });

    it('a face whose box moved a little keeps its id, its person and its labels', () => {
      const old = onlyFace(reanalysedFaces, 'anna-2.jpg');
      const now = onlyFace(edited, 'anna-2.jpg');
      expect(now.x).toBeGreaterThan(old.x + old.w * 0.1);
      expect(now).toMatchObject({ id: old.id, person_id: ids.anna, assigned_by: old.assigned_by, lost_at: null });
      const labels = decisionsIn(db).labels.filter((l) => l.face_a === old.id || l.face_b === old.id);
      expect(labels).toEqual(before.labels.filter((l) => l.face_a === old.id || l.face_b === old.id));
      expect(labels.length).toBeGreaterThan(0);
    });

    it('a face with decisions that is not found again is kept, marked lost, with its labels', () => {
      const lost = edited.find((f) => f.id === ids.benCover)!;
      expect(lost).toMatchObject({ file: 'ben-2.jpg', person_id: ids.ben });
      expect(lost.lost_at).not.toBeNull();
      expect(readRows(db, `SELECT 1 FROM labels WHERE face_a = ${ids.benCover} OR face_b = ${ids.benCover}`).length).toBeGreaterThan(0);
      expect(readRows<{ cover_face_id: number }>(db, `SELECT cover_face_id FROM people WHERE id = ${ids.ben}`)).toEqual([{ cover_face_id: ids.benCover }]);
    });

    it('status lists the lost face with its photo and box', () => {
      expect(status.lostFaces).toEqual([
        expect.objectContaining({ faceId: ids.benCover, photoPath: path.join(lib, 'ben-2.jpg'), personId: ids.ben, personName: 'Ben' }),
      ]);
      const old = onlyFace(reanalysedFaces, 'ben-2.jpg');
      expect(status.lostFaces[0]!.box).toEqual([old.x, old.y, old.w, old.h].map((v) => Math.round(v)));
      expect(statusText).toContain('1 face with your decisions was not found again when photos were re-analysed');
      expect(statusText).toContain(`a face of Ben in ${path.join(lib, 'ben-2.jpg')}`);
    });

    it('a lost face takes no part in the people, the grouping or the review', async () => {
      await withApp(db, async (app) => {
        const ben = app.edits.summary(ids.ben);
        expect(ben.coverFaceId).not.toBe(ids.benCover);
        expect(app.faces.listForPerson(ids.ben).map((f) => f.id)).not.toContain(ids.benCover);
        expect(app.people.list().flatMap((p) => p.faces.map((f) => f.faceId))).not.toContain(ids.benCover);
        expect(app.faces.listAssignments().has(ids.benCover)).toBe(false);
        const review = await app.review.candidates();
        expect(review.flatMap((c) => [c.faceA, c.faceB])).not.toContain(ids.benCover);
      });
      expect(status.faces).toBe(edited.filter((f) => f.lost_at === null).length);
    });

    it('a face without decisions that is not found again is deleted; the other face of its photo keeps its id', () => {
      const undecided = before.faces.find((f) => f.id === ids.coupleUndecided)!;
      expect(undecided.assigned_by).toBe('auto');
      expect(before.people.find((p) => p.id === undecided.person_id)).toMatchObject({ name: null, hidden: 0 });
      expect(before.labels.filter((l) => l.face_a === undecided.id || l.face_b === undecided.id)).toEqual([]);
      expect(edited.find((f) => f.id === ids.coupleUndecided)).toBeUndefined();
      expect(edited.filter((f) => f.file === 'couple.jpg').map((f) => f.id)).toEqual([ids.coupleDecided]);
    });

    it('a lost face found again at its place takes its id back', async () => {
      copyFileSync(files['ben-2.jpg']!, path.join(lib, 'ben-2.jpg'));
      runCliJson(['scan', lib, '--db', db]);
      const back = onlyFace(facesIn(db), 'ben-2.jpg');
      expect(back).toMatchObject({ id: ids.benCover, person_id: ids.ben, lost_at: null });
      expect(runCliJson<StatusReport>(['status', '--db', db]).lostFaces).toEqual([]);
      await withApp(db, (app) => expect(app.edits.summary(ids.ben).coverFaceId).toBe(ids.benCover));
    });
  });
});
