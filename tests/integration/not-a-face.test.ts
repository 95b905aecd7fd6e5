import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYZER_VERSION } from '../../src-main/core/analysis/descriptor.js';
import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { apiCalls } from '../support/api-calls.js';
import { runCliJson } from '../support/cli.js';
import { GROUPS, IDENTITIES, tempDir } from '../support/paths.js';

// "Not a face" on a real scan: the detection leaves its person, the people, its photo's faces
// and the counts; it stays so through a re-analysis of every photo (as after an analyser
// upgrade) and the grouping that follows; undo, even after that re-scan, makes it a face again.

const dir = tempDir('not-a-face');
const lib = path.join(dir, 'photos');
const db = path.join(dir, 'library.db');
let app: FacePairApp;
let host: ApiHost;
const { ok } = apiCalls(() => host);

function open(): void {
  app = createApp({ dbFile: db, mustExist: true });
  host = createApiHost(app, { version: 'test' });
}
async function close(): Promise<void> {
  await host.dispose();
  app.close();
}

const row = (faceId: number): { person_id: number | null; not_face_at: string | null; lost_at: string | null } => {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare('SELECT person_id, not_face_at, lost_at FROM faces WHERE id = ?').get(faceId) as never;
  } finally {
    d.close();
  }
};

let marked: number;
let personId: number;
let photoId: number;
let facesBefore: number;

beforeAll(async () => {
  mkdirSync(lib);
  for (const f of ['deepface_couple.jpg', 'opencv-course_group2.jpg']) copyFileSync(path.join(GROUPS, f), path.join(lib, f));
  for (const f of ['img1.jpg', 'img2.jpg']) copyFileSync(path.join(IDENTITIES, 'id01', f), path.join(lib, `id01-${f}`));
  runCliJson(['scan', lib, '--db', db]);
  open();
  const { people } = await ok('people.list', {});
  const person = people[0]!;
  personId = person.id;
  const { faces } = await ok('people.get', { personId });
  marked = faces[0]!.faceId;
  photoId = faces[0]!.photoId;
  facesBefore = (await ok('library.get')).faces;
}, 600_000);

afterAll(async () => {
  await close().catch(() => undefined);
});

describe('"Not a face"', () => {
  it('takes the detection out of its person, the people, its photo and the counts', async () => {
    const r = await ok('people.markNotFaces', { personId, faceIds: [marked] });
    expect(r.action.kind).toBe('not-a-face');
    expect(row(marked)).toMatchObject({ person_id: null });
    expect(row(marked).not_face_at).not.toBeNull();
    const everyone = await ok('people.list', { includeHidden: true });
    for (const p of everyone.people) expect((await ok('people.get', { personId: p.id })).faces.map((f) => f.faceId)).not.toContain(marked);
    expect((await ok('photos.get', { photoId })).faces.map((f) => f.faceId)).not.toContain(marked);
    expect((await ok('library.get')).faces).toBe(facesBefore - 1);
  });

  it('stays a non-face through a re-analysis of every photo and the grouping after it', async () => {
    await close();
    const writable = new Database(db);
    writable.prepare('UPDATE photos SET analyzer_version = ?').run(ANALYZER_VERSION - 1);
    writable.close();
    const again = runCliJson<{ analysis: { done: number } }>(['scan', lib, '--db', db]);
    expect(again.analysis.done).toBe(4);
    open();
    // The same row (the new analysis took it over), still marked, still with nobody.
    expect(row(marked)).toMatchObject({ person_id: null, lost_at: null });
    expect(row(marked).not_face_at).not.toBeNull();
    expect((await ok('photos.get', { photoId })).faces.map((f) => f.faceId)).not.toContain(marked);
    expect((await ok('library.get')).faces).toBe(facesBefore - 1);
  }, 600_000);

  it('undo, even after the re-scan, makes it a face of its person again', async () => {
    const { undone } = await ok('actions.undo', {});
    expect(undone?.kind).toBe('not-a-face');
    expect(row(marked)).toMatchObject({ person_id: personId, not_face_at: null });
    expect((await ok('photos.get', { photoId })).faces.map((f) => f.faceId)).toContain(marked);
    expect((await ok('library.get')).faces).toBe(facesBefore);
  });
});
