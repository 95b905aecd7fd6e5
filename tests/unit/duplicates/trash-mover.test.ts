import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';

import { createApp, type FacePairApp } from '../../../src-main/core/app.js';
import { delegatedTrash, findInFreedesktopTrash, type TrashMover } from '../../../src-main/core/duplicates/trash-mover.js';
import { indexWithoutFaces } from '../../support/duplicates-library.js';
import { tempDir } from '../../support/paths.js';

// The trash is injected: the CLI and `serve` get the `trash` package, the Electron shell a mover
// backed by shell.trashItem (run in its main process). These tests hand the core service fake
// movers and check that it uses the one it is given, and that undo puts a file back when the
// trash says (or lets us find) where it went, and says how to restore it by hand when not.

const root = tempDir('trash-mover');
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
let dir: string, photos: string, original: string, copy: string;
let dataHome: string;

beforeEach(async () => {
  dir = path.join(root, `case${n++}`);
  photos = path.join(dir, 'photos');
  dataHome = path.join(dir, 'xdg');
  mkdirSync(path.join(photos, 'copies ü'), { recursive: true });
  original = path.join(photos, 'beach.jpg');
  copy = path.join(photos, 'copies ü', 'beach copy #2 ☀.jpg');
  await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toFile(original);
  copyFileSync(original, copy);
  // The copy is the newer file: the keeper is the original.
  utimesSync(copy, new Date(), new Date(Date.now() + 60_000));
});

async function libraryWith(trash: TrashMover): Promise<FacePairApp> {
  const app = createApp({ dbFile: path.join(dir, 'library.db'), trash });
  await indexWithoutFaces(app, photos);
  return app;
}

async function trashTheCopy(app: FacePairApp): Promise<Awaited<ReturnType<FacePairApp['duplicates']['trash']>>> {
  const groups = await app.duplicates.list({ withExif: false });
  const group = groups.find((g) => g.class === 'exact')!;
  expect(group.files.find((f) => f.photoId === group.keeper)!.path).toBe(original);
  return app.duplicates.trash([group.id]);
}

/** A trash that keeps its place to itself, as macOS's and Windows's do for shell.trashItem. */
function silentTrash(into: string): TrashMover & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    restoreByHand: 'take it out of the fake trash by hand',
    async moveToTrash(file) {
      calls.push(file);
      mkdirSync(into, { recursive: true });
      renameSync(file, path.join(into, path.basename(file)));
      return { trashPath: null, infoPath: null };
    },
  };
}

/** What GIO (and so Electron's shell.trashItem) does on Linux: the freedesktop.org home trash. */
function freedesktopTrashItem(home: string, calls: string[]): (file: string) => Promise<void> {
  return async (file) => {
    calls.push(file);
    const trash = path.join(home, 'Trash');
    mkdirSync(path.join(trash, 'files'), { recursive: true });
    mkdirSync(path.join(trash, 'info'), { recursive: true });
    const name = `${path.basename(file)}.${calls.length}`;
    writeFileSync(path.join(trash, 'info', `${name}.trashinfo`), `[Trash Info]\nPath=${encodeURI(file).replace(/#/g, '%23')}\nDeletionDate=2026-12-02T10:00:00\n`);
    renameSync(file, path.join(trash, 'files', name));
  };
}

describe('the trash mover the core is given', () => {
  it('moves the copy through the injected mover, never the trash package, and undo says how to restore it by hand', async () => {
    const fake = silentTrash(path.join(dir, 'os-trash'));
    const app = await libraryWith(fake);
    try {
      process.env.XDG_DATA_HOME = dataHome;
      const report = await trashTheCopy(app);
      expect(fake.calls).toEqual([copy]);
      expect(report.trashed).toEqual([{ photoId: expect.any(Number), path: copy, trashPath: null, infoPath: null }]);
      expect(existsSync(copy)).toBe(false);
      expect(existsSync(path.join(dir, 'os-trash', path.basename(copy)))).toBe(true);
      // The trash package was not used: it would have made the freedesktop trash.
      expect(existsSync(path.join(dataHome, 'Trash'))).toBe(false);
      expect(app.photos.findByPath(copy)!.status).toBe('gone');

      const undone = app.edits.undo();
      expect(undone!.summary).toContain(`${copy} is in the system trash, where FacePair cannot put it back from: take it out of the fake trash by hand, then scan again`);
      expect(undone!.summary).toMatch(/^Moved 1 duplicate to the trash\. 0 files restored from the trash/);
      expect(existsSync(copy)).toBe(false);
    } finally {
      delete process.env.XDG_DATA_HOME;
      app.close();
    }
  });

  it('on Linux, finds where shell.trashItem put the file in the freedesktop.org trash, so undo puts it back', async () => {
    const calls: string[] = [];
    const app = await libraryWith(delegatedTrash(freedesktopTrashItem(dataHome, calls), 'linux', { dataHome }));
    try {
      const bytes = readFileSync(copy);
      // An older trash of a file of the same path, which must not be taken for this one.
      mkdirSync(path.join(dataHome, 'Trash', 'info'), { recursive: true });
      mkdirSync(path.join(dataHome, 'Trash', 'files'), { recursive: true });
      const old = path.join(dataHome, 'Trash', 'info', 'old.trashinfo');
      writeFileSync(old, `[Trash Info]\nPath=${encodeURI(copy)}\nDeletionDate=2020-01-01T00:00:00\n`);
      writeFileSync(path.join(dataHome, 'Trash', 'files', 'old'), 'an older file');
      utimesSync(old, new Date('2020-01-01'), new Date('2020-01-01'));

      const report = await trashTheCopy(app);
      expect(calls).toEqual([copy]);
      expect(report.trashed[0]!.trashPath).toBe(path.join(dataHome, 'Trash', 'files', `${path.basename(copy)}.1`));
      expect(existsSync(copy)).toBe(false);

      const undone = app.edits.undo();
      expect(undone!.summary).toBe('Moved 1 duplicate to the trash. 1 file restored from the trash');
      expect(readFileSync(copy).equals(bytes)).toBe(true);
      expect(readdirSync(path.join(dataHome, 'Trash', 'info'))).toEqual(['old.trashinfo']);
      expect(app.photos.findByPath(copy)!.status).toBe('done');
    } finally {
      app.close();
    }
  });

  it('on macOS and Windows, asks nothing of a trash it cannot read and says how to restore by hand', async () => {
    for (const [platform, words] of [['darwin', /Finder.*Put Back/], ['win32', /Recycle Bin.*Restore/]] as const) {
      const calls: string[] = [];
      const mover = delegatedTrash(freedesktopTrashItem(dataHome, calls), platform, { dataHome });
      const file = path.join(dir, `${platform}.jpg`);
      writeFileSync(file, 'x');
      expect(await mover.moveToTrash(file)).toEqual({ trashPath: null, infoPath: null });
      expect(calls).toEqual([file]);
      expect(mover.restoreByHand).toMatch(words);
    }
  });

  it('leaves the file in place and says why when the mover fails', async () => {
    const denied: TrashMover = {
      restoreByHand: '',
      moveToTrash: () => Promise.reject(Object.assign(new Error('Operation not permitted'), { code: 'EPERM' })),
    };
    const app = await libraryWith(denied);
    try {
      const report = await trashTheCopy(app);
      expect(report.trashed).toEqual([]);
      expect(report.refused).toEqual([{ path: copy, reason: expect.stringMatching(/^cannot move it to the trash: permission denied/) }]);
      expect(report.actionId).toBeNull();
      expect(existsSync(copy)).toBe(true);
      expect(app.photos.findByPath(copy)!.status).toBe('done');
    } finally {
      app.close();
    }
  });

  it('finds a file in its volume trash by a path relative to the volume, and nothing for a file never trashed', () => {
    // A volume trash ($topdir/.Trash-$uid) stores the path relative to the volume's top.
    const top = path.join(dir, 'volume');
    const file = path.join(top, 'Photos', 'a b.jpg');
    const trash = path.join(top, `.Trash-${process.getuid!()}`);
    mkdirSync(path.join(trash, 'info'), { recursive: true });
    mkdirSync(path.join(trash, 'files'), { recursive: true });
    const since = Date.now();
    writeFileSync(path.join(trash, 'info', 'a b.jpg.trashinfo'), '[Trash Info]\nPath=Photos/a%20b.jpg\nDeletionDate=2026-12-02T10:00:00\n');
    writeFileSync(path.join(trash, 'files', 'a b.jpg'), 'x');
    expect(findInFreedesktopTrash(file, since, { dataHome, volumeTop: top })).toEqual({ trashPath: path.join(trash, 'files', 'a b.jpg'), infoPath: path.join(trash, 'info', 'a b.jpg.trashinfo') });
    expect(findInFreedesktopTrash(path.join(top, 'Photos', 'other.jpg'), since, { dataHome, volumeTop: top })).toEqual({ trashPath: null, infoPath: null });
  });
});
