import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANALYZER_VERSION, SSD_ANALYZER_VERSION } from '../../src-main/core/analysis/descriptor.js';
import type { StatusReport } from '../../src-main/core/library/library-status.js';
import { copyInto } from '../support/bad-files.js';
import { runCliJson } from '../support/cli.js';
import { decisionPhotos, decisionRows, facesIn, makeUpgradeDecisions, readRows, withApp, type FaceState } from '../support/library-rows.js';
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

    partyIds = await withApp(db, (app) => makeUpgradeDecisions(app, ssdFaces));
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
