import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANALYZER_VERSION, SSD_ANALYZER_VERSION } from '../../src-main/core/analysis/descriptor.js';
import type { StatusReport } from '../../src-main/core/library/library-status.js';
import { copyInto } from '../support/bad-files.js';
import { runCliJson } from '../support/cli.js';
import { decisionPhotos, decisionRows, facesIn, onlyFace, readRows, withApp, type FaceState } from '../support/library-rows.js';
import { GROUPS, tempDir } from '../support/paths.js';

// A library analysed with the old detector (SSD MobileNet v1, FACEPAIR_DETECTOR=ssd), worked on
// by its user (names, merges, "not this person", a cover, review answers, on portraits and on
// a group photo), then scanned by the new analyser (BlazeFace and tiles): every photo is read
// again, and every decision must come through on the same face ids.

/** What the user decided, row by row: faces they placed or that belong to a named person, people, labels, actions. */
function decisionsIn(dbFile: string): unknown {
  const named = new Set(readRows<{ id: number }>(dbFile, 'SELECT id FROM people WHERE name IS NOT NULL').map((p) => p.id));
  return {
    faces: facesIn(dbFile)
      .filter((f) => f.assigned_by === 'user' || (f.person_id !== null && named.has(f.person_id)))
      .map(({ id, file, person_id, assigned_by }) => ({ id, file, person_id, assigned_by })),
    ...decisionRows(dbFile, 'SELECT id, name, hidden, cover_face_id FROM people WHERE name IS NOT NULL OR hidden = 1 ORDER BY id'),
  };
}

describe('upgrading the analyser from SSD to BlazeFace keeps every decision', () => {
  const root = tempDir('detector-upgrade');
  const lib = path.join(root, 'photos');
  const db = path.join(root, 'data', 'library.db');
  const files: Record<string, string> = {
    ...decisionPhotos(),
    // Six faces of 30 to 50 pixels: the boxes of two detectors must still meet.
    'party.jpg': path.join(GROUPS, 'dlib-examples-faces', '2008_002470.jpg'),
  };
  let ssdFaces: FaceState[];
  let before: unknown;
  let upgrade: { analysis: { done: number; errors: number; detector: string | null } };
  let after: FaceState[];
  let status: StatusReport;
  let partyIds: number[];

  beforeAll(async () => {
    for (const [name, file] of Object.entries(files)) copyInto(lib, file, name);
    const first = runCliJson<{ analysis: { detector: string | null } }>(['scan', lib, '--db', db], { FACEPAIR_DETECTOR: 'ssd' });
    expect(first.analysis.detector).toBe('ssd');
    ssdFaces = facesIn(db);

    partyIds = await withApp(db, (app) => {
      const personOf = (file: string): number => app.faces.find(onlyFace(ssdFaces, file).id)!.personId!;
      const anna = personOf('anna-1.jpg');
      const ben = personOf('ben-1.jpg');
      app.edits.rename(anna, 'Anna');
      app.edits.rename(ben, 'Ben');
      for (const file of ['anna-2.jpg', 'anna-3.jpg', 'ben-2.jpg']) {
        const p = personOf(file);
        const target = file.startsWith('anna') ? anna : ben;
        if (p !== target) app.edits.merge(target, [p]);
      }
      app.edits.merge(ben, [personOf('cara-1.jpg')]);
      app.edits.rejectFaces(ben, [onlyFace(ssdFaces, 'cara-1.jpg').id]);
      app.edits.setCover(ben, onlyFace(ssdFaces, 'ben-2.jpg').id);
      const couple = ssdFaces.filter((f) => f.file === 'couple.jpg');
      expect(couple).toHaveLength(2);
      app.edits.answerReview(couple[0]!.id, onlyFace(ssdFaces, 'anna-1.jpg').id, 'different');
      app.edits.answerReview(onlyFace(ssdFaces, 'anna-1.jpg').id, onlyFace(ssdFaces, 'anna-2.jpg').id, 'same');
      app.edits.answerReview(onlyFace(ssdFaces, 'ben-1.jpg').id, onlyFace(ssdFaces, 'anna-3.jpg').id, 'skip');
      // The small faces of the group photo: each named, two said to be different people.
      const party = ssdFaces.filter((f) => f.file === 'party.jpg');
      expect(party.length).toBeGreaterThanOrEqual(5);
      party.forEach((f, i) => app.edits.rename(app.faces.find(f.id)!.personId!, `Guest ${i + 1}`));
      app.edits.answerReview(party[0]!.id, party[1]!.id, 'different');
      return party.map((f) => f.id);
    });
    before = decisionsIn(db);
    expect(readRows<{ v: number }>(db, 'SELECT DISTINCT analyzer_version AS v FROM photos')).toEqual([{ v: SSD_ANALYZER_VERSION }]);

    upgrade = runCliJson(['scan', lib, '--db', db]);
    after = facesIn(db);
    status = runCliJson<StatusReport>(['status', '--db', db]);
  });

  it('reads every photo again with BlazeFace and records the new analyser version', () => {
    expect(upgrade.analysis).toMatchObject({ done: Object.keys(files).length, errors: 0, detector: 'blazeface' });
    expect(readRows<{ v: number }>(db, 'SELECT DISTINCT analyzer_version AS v FROM photos')).toEqual([{ v: ANALYZER_VERSION }]);
  });

  it('keeps every decided face id, person, name, cover, label and action', () => {
    expect(decisionsIn(db)).toEqual(before);
  });

  it('finds every face the user decided about again at its place (no face lost), each with a new box', () => {
    expect(status.lostFaces).toEqual([]);
    for (const id of partyIds) {
      const now = after.find((f) => f.id === id)!;
      expect(now.lost_at).toBeNull();
    }
    // The boxes are BlazeFace's now, not SSD's copied over.
    const moved = after.filter((f) => {
      const old = ssdFaces.find((o) => o.id === f.id);
      return old !== undefined && (old.x !== f.x || old.w !== f.w);
    });
    expect(moved.length).toBeGreaterThan(after.length / 2);
  });

  it('does not read the photos again on the next scan', () => {
    const again = runCliJson<{ analysis: { done: number } }>(['scan', lib, '--db', db]);
    expect(again.analysis.done).toBe(0);
  });

  it('an SSD-only machine does not read a BlazeFace library again', () => {
    const ssd = runCliJson<{ analysis: { done: number } }>(['scan', lib, '--db', db], { FACEPAIR_DETECTOR: 'ssd' });
    expect(ssd.analysis.done).toBe(0);
  });
});
