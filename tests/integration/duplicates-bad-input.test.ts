import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { DuplicatesService } from '../../src-main/core/duplicates/duplicates.service.js';
import { runCli } from '../support/cli.js';
import { indexWithoutFaces } from '../support/duplicates-library.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

// The bad input not covered by duplicates.test.ts (vanished, changed size, read-only
// folder, keeper moved away, names with spaces, unicode and a newline are there): a copy on
// a trash on another volume than the photos (XDG_DATA_HOME on /dev/shm, a tmpfs, where the
// machine has one: the move and the undo cross volumes, copying), a copy whose bytes changed
// though its size and modification time did not, a volume whose trash cannot be made, and an
// undo that cannot put a file back (a file at its place again, the trash emptied). Each gets a
// clear message and nothing is lost. The trash is a temporary XDG_DATA_HOME, never the real one.

interface Group {
  id: string;
  class: string;
  keeper: number;
  files: Array<{ photoId: number; path: string }>;
}

const root = tempDir('dup-bad');
const photos = path.join(root, 'photos');
const db = path.join(root, 'library.db');
const xdg = path.join(root, 'xdg');
const env = { XDG_DATA_HOME: xdg };

/**
 * Another volume, when the machine has a tmpfs at /dev/shm (another device than the photos
 * and the home folder, whose trash the `trash` package then uses: the one XDG_DATA_HOME names).
 */
const shm =
  existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(os.tmpdir()).dev && statSync(os.homedir()).dev === statSync(os.tmpdir()).dev
    ? mkdtempSync('/dev/shm/facepair-dup-bad-')
    : null;
const farEnv = { XDG_DATA_HOME: shm ?? xdg };

/** The copies' modification time: a restore keeps it (a file manager sorts by it). */
const COPY_TIME = '2021-07-08T09:10:11.000Z';

const keepA = path.join(photos, 'a.jpg');
const copyA = path.join(photos, 'later', 'a copy ü ☀.jpg');
const keepB = path.join(photos, 'b.jpg');
const copyB = path.join(photos, 'later', 'b copy with the same size and time.jpg');
const keepC = path.join(photos, 'c.jpg');
const copyC = path.join(photos, 'later', 'c copy.jpg');
const keepD = path.join(photos, 'd.jpg');
const copyD = path.join(photos, 'later', 'd copy.jpg');

const list = (): Group[] => {
  const r = runCli(['duplicates', '--db', db, '--json'], env);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Group[];
};
const groupOf = (file: string): Group => list().find((g) => g.files.some((f) => f.path === file))!;
const keeperOf = (g: Group): string => g.files.find((f) => f.photoId === g.keeper)!.path;
const trashed = (): string[] => (existsSync(path.join(xdg, 'Trash', 'files')) ? readdirSync(path.join(xdg, 'Trash', 'files')) : []);

beforeAll(async () => {
  mkdirSync(path.join(photos, 'later'), { recursive: true });
  const pairs: Array<[string, string, string]> = [
    [keepA, copyA, 'id01/img1.jpg'],
    [keepB, copyB, 'id02/img26.jpg'],
    [keepC, copyC, 'id03/img8.jpg'],
    [keepD, copyD, 'id04/img12.jpg'],
  ];
  const early = new Date('2020-01-01T00:00:00Z');
  const copyTime = new Date(COPY_TIME);
  for (const [keep, copy, source] of pairs) {
    copyFileSync(path.join(IDENTITIES, source), keep);
    utimesSync(keep, early, early);
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(keep, copy);
    utimesSync(copy, copyTime, copyTime);
  }
  const app = createApp({ dbFile: db });
  try {
    await indexWithoutFaces(app, photos);
  } finally {
    app.close();
  }
}, 300_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  if (shm) rmSync(shm, { recursive: true, force: true });
});

describe('duplicates: bad input', () => {
  it.skipIf(shm === null)('moves a copy to a trash on another volume, and undo brings it back across volumes, byte for byte', () => {
    const group = groupOf(copyA);
    expect(keeperOf(group)).toBe(keepA);
    const bytes = readFileSync(copyA);
    const r = runCli(['duplicates', '--db', db, '--trash', group.id, '--yes', '--json'], farEnv);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { trashed: Array<{ path: string; trashPath: string; infoPath: string }> };
    expect(report.trashed.map((t) => t.path)).toEqual([copyA]);
    const moved = report.trashed[0]!;
    expect(moved.trashPath.startsWith(path.join(shm!, 'Trash') + path.sep)).toBe(true);
    expect(statSync(moved.trashPath).dev).not.toBe(statSync(photos).dev);
    expect(existsSync(copyA)).toBe(false);
    expect(readFileSync(moved.trashPath).equals(bytes)).toBe(true);
    expect(existsSync(keepA)).toBe(true);

    const undo = runCli(['duplicates', '--db', db, '--undo'], farEnv);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/1 file restored from the trash/);
    expect(readFileSync(copyA).equals(bytes)).toBe(true);
    expect(statSync(copyA).mtime.toISOString()).toBe(COPY_TIME);
    expect(existsSync(moved.trashPath) || existsSync(moved.infoPath)).toBe(false);
    expect(readdirSync(path.dirname(copyA)).filter((f) => f.includes('facepair-restore'))).toEqual([]);
    expect(groupOf(copyA).class).toBe('exact');
  });

  it('refuses a copy whose content changed though its size and modification time did not', () => {
    const group = groupOf(copyB);
    expect(keeperOf(group)).toBe(keepB);
    const st = statSync(copyB);
    const fd = openSync(copyB, 'r+');
    try {
      // One byte in the middle of the picture data: same size, then the old time put back.
      const at = Math.floor(st.size / 2);
      const old = readFileSync(copyB)[at]!;
      writeSync(fd, Buffer.from([old ^ 0xff]), 0, 1, at);
    } finally {
      closeSync(fd);
    }
    utimesSync(copyB, st.atime, st.mtime);
    expect(statSync(copyB).size).toBe(st.size);
    expect(Math.trunc(statSync(copyB).mtimeMs)).toBe(Math.trunc(st.mtimeMs));
    const r = runCli(['duplicates', '--db', db, '--trash', group.id, '--yes'], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`left in place: ${copyB}: the file changed since it was scanned (its content): scan again before moving it`);
    expect(r.stdout).toMatch(/Nothing was moved/);
    expect(existsSync(copyB) && existsSync(keepB)).toBe(true);
    expect(trashed()).toEqual([]);
  });

  it('says so when the volume has no trash that can be made, and leaves the file', async () => {
    const app = createApp({ dbFile: db, mustExist: true });
    try {
      // As the trash package fails when it cannot make a volume's .Trash-UID folder (a read-only or foreign disk).
      const noTrash = Object.assign(new Error("EACCES: permission denied, mkdir '/media/usb/.Trash-1000/files'"), { code: 'EACCES', path: '/media/usb/.Trash-1000/files' });
      const service = new DuplicatesService(app.db, app.photos, app.fingerprints, app.faces, app.people, app.labels, app.actions, app.folderMarks, app.edits, {
        restoreByHand: '',
        moveToTrash: () => Promise.reject(noTrash),
      });
      const group = (await service.list({ withExif: false })).find((g) => g.files.some((f) => f.path === copyC))!;
      const report = await service.trash([group.id]);
      expect(report).toMatchObject({ actionId: null, trashed: [] });
      expect(report.refused).toEqual([{ path: copyC, reason: 'cannot move it to the trash: its volume has no trash that can be used (/media/usb/.Trash-1000/files: EACCES); nothing was deleted' }]);
      expect(existsSync(copyC)).toBe(true);
      expect(app.photos.findByPath(copyC)!.status).toBe('done');
    } finally {
      app.close();
    }
  });

  it('says why undo cannot put a file back (a file at its place again, the trash emptied) and overwrites nothing', () => {
    const c = groupOf(copyC), d = groupOf(copyD);
    const bytesC = readFileSync(copyC);
    const r = runCli(['duplicates', '--db', db, '--trash', c.id, d.id, '--yes', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { trashed: Array<{ path: string; trashPath: string }> };
    expect(report.trashed.map((t) => t.path).sort()).toEqual([copyC, copyD].sort());
    const inTrash = (file: string): string => report.trashed.find((t) => t.path === file)!.trashPath;
    // Another file now at the copy's place; the other copy's trash emptied.
    writeFileSync(copyC, 'a new file the user put here');
    rmSync(inTrash(copyD));

    const undo = runCli(['duplicates', '--db', db, '--undo'], env);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toContain('0 files restored from the trash');
    expect(undo.stdout).toContain(`${copyC} was not restored: a file is at its place again (the copy stays in the trash)`);
    expect(undo.stdout).toContain(`${copyD} is no longer in the trash (emptied or restored already): it cannot come back`);
    // Nothing lost: the new file untouched, the copy still in the trash, byte for byte.
    expect(readFileSync(copyC, 'utf8')).toBe('a new file the user put here');
    expect(readFileSync(inTrash(copyC)).equals(bytesC)).toBe(true);
    expect(existsSync(keepC) && existsSync(keepD)).toBe(true);
  });
});
