import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import type { TrashMover } from '../../src-main/core/duplicates/trash-mover.js';
import { indexWithoutFaces } from '../support/duplicates-library.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

// The Duplicates listing of a large library runs its search in worker threads: on a real
// library (exact copies, a resized re-encode, a crop, a brightened copy, a copy in a reference
// folder, other photos of one person) it lists the same groups, keepers and reasons as the
// search on one thread, and so does the listing from the pairs kept in the library; "not
// duplicates" and a trash with its undo work the same through all three.

const root = tempDir('dup-threads');
const photos = path.join(root, 'photos');
const trashDir = path.join(root, 'trash');

/** A trash that moves files into a folder of the test's. */
const mover: TrashMover = {
  restoreByHand: 'move it back from the test trash',
  moveToTrash: (file) => {
    const to = path.join(trashDir, `${Date.now()}-${path.basename(file)}`);
    renameSync(file, to);
    return Promise.resolve({ trashPath: to, infoPath: null });
  },
};

let app: FacePairApp;

/** The listing from the pairs kept in the library, checked against a search of the whole library here and in threads. */
async function listBoth(): Promise<Awaited<ReturnType<FacePairApp['duplicates']['list']>>> {
  app.duplicates.pairsFrom = 'search';
  app.duplicates.searchIn = 'here';
  const here = await app.duplicates.list();
  expect(app.duplicates.lastSearchIn).toBe('here');
  app.duplicates.searchIn = 'threads';
  const threaded = await app.duplicates.list();
  expect(app.duplicates.lastSearchIn).toBe('threads');
  expect(threaded).toEqual(here);
  app.duplicates.pairsFrom = 'store';
  const stored = await app.duplicates.list();
  expect(stored).toEqual(here);
  return stored;
}

beforeAll(async () => {
  mkdirSync(path.join(photos, 'copies'), { recursive: true });
  mkdirSync(path.join(photos, 'reference'), { recursive: true });
  mkdirSync(trashDir);
  const src = (f: string): string => path.join(IDENTITIES, f);
  copyFileSync(src('id01/img1.jpg'), path.join(photos, 'a.jpg'));
  copyFileSync(src('id01/img1.jpg'), path.join(photos, 'copies', 'a copy ü.jpg'));
  copyFileSync(src('id01/img2.jpg'), path.join(photos, 'a other photo.jpg'));
  copyFileSync(src('id02/img26.jpg'), path.join(photos, 'b.jpg'));
  const b = await sharp(src('id02/img26.jpg')).metadata();
  await sharp(src('id02/img26.jpg')).rotate().resize(Math.round((b.width ?? 800) * 0.6)).jpeg({ quality: 75 }).toFile(path.join(photos, 'copies', 'b small.jpg'));
  copyFileSync(src('id03/img8.jpg'), path.join(photos, 'c.jpg'));
  const c = await sharp(src('id03/img8.jpg')).rotate().toBuffer({ resolveWithObject: true });
  const cut = (n: number): number => Math.round(n * 0.04);
  await sharp(c.data).extract({ left: cut(c.info.width), top: cut(c.info.height), width: c.info.width - 2 * cut(c.info.width), height: c.info.height - 2 * cut(c.info.height) }).jpeg({ quality: 90 }).toFile(path.join(photos, 'copies', 'c crop.jpg'));
  copyFileSync(src('id04/img12.jpg'), path.join(photos, 'd.jpg'));
  await sharp(src('id04/img12.jpg')).rotate().modulate({ brightness: 1.15 }).jpeg({ quality: 90 }).toFile(path.join(photos, 'copies', 'd brighter.jpg'));
  copyFileSync(src('id04/img12.jpg'), path.join(photos, 'reference', 'd kept here.jpg'));
  app = createApp({ dbFile: path.join(root, 'library.db'), trash: mover });
  await indexWithoutFaces(app, photos);
  await app.folderMarks.mark(path.join(photos, 'reference'), 'reference');
});

afterAll(() => app?.close());

describe('the Duplicates listing with its search in worker threads', () => {
  it('lists what the search on one thread lists', async () => {
    const groups = await listBoth();
    expect(new Set(groups.map((g) => g.class))).toEqual(new Set(['exact', 'same', 'edited']));
    const d = groups.find((g) => g.files.some((f) => f.path.endsWith('d kept here.jpg')))!;
    expect(d.files.find((f) => f.path.endsWith('d kept here.jpg'))!.reference).toBe(true);
  });

  it('keeps "not duplicates" and undoes a trash the same way', async () => {
    const before = await listBoth();
    const b = before.find((g) => g.files.some((f) => f.path.endsWith('b small.jpg')))!;
    await app.duplicates.dismiss(b.id);
    const dismissed = await listBoth();
    expect(dismissed.map((g) => g.id)).not.toContain(b.id);

    const a = dismissed.find((g) => g.files.some((f) => f.path.endsWith('a copy ü.jpg')))!;
    const report = await app.duplicates.trash([a.id]);
    expect(report.trashed).toHaveLength(1);
    expect((await listBoth()).map((g) => g.id)).not.toContain(a.id);
    app.edits.undo(report.actionId!);
    expect(existsSync(report.trashed[0]!.path)).toBe(true);
    expect(await listBoth()).toEqual(dismissed);
  });
});
