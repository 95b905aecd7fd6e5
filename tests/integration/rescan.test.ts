import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { runCliJson } from '../support/cli.js';
import { copyInto } from '../support/bad-files.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

interface FaceState {
  id: number;
  path: string;
  status: string;
  person: number | null;
}

function faces(dbFile: string): FaceState[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db
      .prepare('SELECT f.id, p.path, p.status, f.person_id AS person FROM faces f JOIN photos p ON p.id = f.photo_id ORDER BY f.id')
      .all() as FaceState[];
  } finally {
    db.close();
  }
}

describe('incremental re-scan after adding, moving, changing and deleting photos', () => {
  const root = tempDir('rescan');
  const lib = path.join(root, 'photos');
  const db = path.join(root, 'data', 'library.db');
  const src = (id: string, img: string): string => path.join(IDENTITIES, id, img);
  let first: FaceState[];
  let second: FaceState[];
  let summary: { index: Record<string, number>; analysis: { done: number } };
  let labelPair: [number, number];

  beforeAll(() => {
    copyInto(lib, src('id01', 'img1.jpg'), 'anna-1.jpg');
    copyInto(lib, src('id01', 'img2.jpg'), 'anna-2.jpg');
    copyInto(lib, src('id01', 'img4.jpg'), 'anna-3.jpg');
    copyInto(lib, src('id02', 'img26.jpg'), 'ben-1.jpg');
    copyInto(lib, src('id02', 'img27.jpg'), 'ben-2.jpg');
    runCliJson(['scan', lib, '--db', db]);
    first = faces(db);

    // The user's decision about the face on ben-2 (different from anna-1) must survive its deletion.
    const ben2 = first.find((f) => f.path.endsWith('ben-2.jpg'))!;
    const anna1 = first.find((f) => f.path.endsWith('anna-1.jpg'))!;
    labelPair = [anna1.id, ben2.id];
    const app = createApp({ dbFile: db, mustExist: true });
    app.labels.record(anna1.id, ben2.id, false, 'test');
    app.close();

    mkdirSync(path.join(lib, 'moved'));
    renameSync(path.join(lib, 'anna-2.jpg'), path.join(lib, 'moved', 'anna-renamed.jpg'));
    rmSync(path.join(lib, 'ben-2.jpg'));
    copyInto(lib, src('id01', 'img5.jpg'), 'anna-new.jpg');
    copyFileSync(src('id03', 'img48.jpg'), path.join(lib, 'anna-3.jpg')); // same name, other content
    summary = runCliJson(['scan', lib, '--db', db]);
    second = faces(db);
  });

  it('analyses only the new and the changed photos', () => {
    expect(summary.index).toMatchObject({ added: 1, changed: 1, moved: 1, gone: 1, unchanged: 2 });
    expect(summary.analysis.done).toBe(2);
  });

  it('keeps the faces and person of a moved photo', () => {
    const before = first.find((f) => f.path.endsWith('anna-2.jpg'))!;
    const after = second.find((f) => f.id === before.id)!;
    expect(after.path).toBe(path.join(lib, 'moved', 'anna-renamed.jpg'));
    expect(after.person).toBe(before.person);
  });

  it('lets a new photo join the person it shows, without regrouping the rest', () => {
    const anna = first.find((f) => f.path.endsWith('anna-1.jpg'))!;
    const added = second.find((f) => f.path.endsWith('anna-new.jpg'))!;
    expect(added.person).toBe(anna.person);
    for (const f of first) {
      const now = second.find((g) => g.id === f.id);
      if (now && now.status === 'done') expect(now.person).toBe(f.person);
    }
  });

  it('marks a deleted photo gone and keeps the decisions about its faces', () => {
    const ben2 = second.find((f) => f.path.endsWith('ben-2.jpg'))!;
    expect(ben2.status).toBe('gone');
    const app = createApp({ dbFile: db, mustExist: true });
    try {
      const kept = app.labels.list();
      expect(kept).toContainEqual({ faceA: Math.min(...labelPair), faceB: Math.max(...labelPair), same: false });
      // Gone photos are not listed among the people.
      expect(app.people.list().flatMap((p) => p.faces).some((f) => f.photo.endsWith('ben-2.jpg'))).toBe(false);
    } finally {
      app.close();
    }
  });

  it('analyses a changed file again, replacing its old face', () => {
    const old = first.find((f) => f.path.endsWith('anna-3.jpg'))!;
    const now = second.filter((f) => f.path.endsWith('anna-3.jpg'));
    expect(now).toHaveLength(1);
    expect(now[0]!.id).not.toBe(old.id);
  });

  it('restores a deleted photo that comes back, with its faces', () => {
    const before = first.find((f) => f.path.endsWith('ben-2.jpg'))!;
    copyInto(lib, src('id02', 'img27.jpg'), 'ben-2-restored.jpg');
    const s = runCliJson<{ index: Record<string, number>; analysis: { done: number } }>(['scan', lib, '--db', db]);
    expect(s.index.moved).toBe(1);
    expect(s.analysis.done).toBe(0);
    const restored = faces(db).find((f) => f.id === before.id)!;
    expect(restored.status).toBe('done');
    expect(restored.path.endsWith('ben-2-restored.jpg')).toBe(true);
  });
});
