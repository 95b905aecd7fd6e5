import { appendFileSync, chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHost } from '../../src-main/core/api/api-host.js';
import { createApp } from '../../src-main/core/app.js';
import { DuplicatesService } from '../../src-main/core/duplicates/duplicates.service.js';
import { runCli } from '../support/cli.js';
import { IDENTITIES, tempDir } from '../support/paths.js';
import { writeDng } from '../support/raw-fixture.js';

// A messy library scanned for real: exact copies under names with spaces, unicode and a
// newline, a resized re-encode, other photos of the same person. The copies are listed with
// their keeper, moved to a trash in a temporary XDG_DATA_HOME (never the real one), with what
// the user decided about their faces given to the keeper, and brought back by undo; every
// bad input is refused with a clear message and nothing moved. A RAW file (a DNG made here, its
// preview stored sideways with the orientation that turns it upright) and the camera's JPEG of
// the shot beside it are a pair, with a copy of that JPEG elsewhere.

interface Group {
  id: string;
  class: string;
  keeper: number;
  files: Array<{ photoId: number; path: string; width: number; height: number; bytes: number; format: string; takenAt: string | null; reason: string }>;
}

const root = tempDir('dups');
const folder = path.join(root, 'photos');
const db = path.join(root, 'library.db');
const xdg = path.join(root, 'xdg');
const env = { XDG_DATA_HOME: xdg };
const trashDir = path.join(xdg, 'Trash');

const keeperFile = path.join(folder, 'ü day', 'beach day.jpg');
const copyFile = path.join(folder, 'copies of everything', 'beach day (copy)\nsecond line ☀.jpg');
const bigFile = path.join(folder, 'portrait.jpg');
const smallFile = path.join(folder, 'portrait small é.jpg');
const otherFile = path.join(folder, 'same person other photo.jpg');
const vanishKeeper = path.join(folder, 'v.jpg');
const vanishCopy = path.join(folder, 'copies of everything', 'vanishing copy.jpg');
const changeKeeper = path.join(folder, 'c.jpg');
const changeCopy = path.join(folder, 'copies of everything', 'changing copy.jpg');
const rawFile = path.join(folder, 'raw pair', 'IMG_0042.DNG');
// The camera's JPEG named in another case, as copies off a card often are: still one shot.
const rawJpeg = path.join(folder, 'raw pair', 'img_0042.jpeg');
const rawJpegCopy = path.join(folder, 'copies of everything', 'IMG_0042.JPG');

let scanned: { analysis: { done: number; copies: number }; duplicatePairs?: { searched: number; stored: boolean } | null };
let rawSensor: { width: number; height: number };

const list = (): Group[] => {
  const r = runCli(['duplicates', '--db', db, '--json'], env);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Group[];
};
const groupOf = (groups: Group[], file: string): Group | undefined => groups.find((g) => g.class !== 'similar' && g.files.some((f) => f.path === file));
const trashed = (): string[] => (existsSync(path.join(trashDir, 'files')) ? readdirSync(path.join(trashDir, 'files')) : []);

beforeAll(async () => {
  for (const f of [keeperFile, copyFile]) mkdirSync(path.dirname(f), { recursive: true });
  copyFileSync(path.join(IDENTITIES, 'id01/img1.jpg'), keeperFile);
  copyFileSync(path.join(IDENTITIES, 'id01/img1.jpg'), copyFile);
  copyFileSync(path.join(IDENTITIES, 'id01/img2.jpg'), otherFile);
  copyFileSync(path.join(IDENTITIES, 'id02/img26.jpg'), bigFile);
  const meta = await sharp(bigFile).metadata();
  await sharp(bigFile).rotate().resize(Math.round((meta.width ?? 800) * 0.6)).jpeg({ quality: 70 }).toFile(smallFile);
  copyFileSync(path.join(IDENTITIES, 'id03/img8.jpg'), vanishKeeper);
  copyFileSync(path.join(IDENTITIES, 'id03/img8.jpg'), vanishCopy);
  copyFileSync(path.join(IDENTITIES, 'id04/img12.jpg'), changeKeeper);
  copyFileSync(path.join(IDENTITIES, 'id04/img12.jpg'), changeCopy);
  mkdirSync(path.dirname(rawFile));
  const shot = await sharp(path.join(IDENTITIES, 'id05/img13.jpg')).rotate().jpeg({ quality: 92 }).toBuffer();
  const stored = await sharp(shot).rotate(270).jpeg({ quality: 92 }).toBuffer({ resolveWithObject: true });
  // The sensor's picture is 4 times the preview's side (as stored, sideways), with a border the DNG crops away.
  rawSensor = { width: stored.info.width * 4, height: stored.info.height * 4 };
  writeDng(rawFile, {
    preview: stored.data, previewWidth: stored.info.width, previewHeight: stored.info.height, orientation: 6, takenAt: '2022:03:04 05:06:07',
    sensor: { width: rawSensor.width + 48, height: rawSensor.height + 32, crop: [rawSensor.width, rawSensor.height] },
  });
  writeFileSync(rawJpeg, shot);
  copyFileSync(rawJpeg, rawJpegCopy);
  const scan = runCli(['scan', folder, '--db', db, '--workers', '1', '--json'], env);
  if (scan.code !== 0) throw new Error(`scan failed: ${scan.stderr}`);
  scanned = JSON.parse(scan.stdout) as typeof scanned;
}, 900_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('facepair duplicates', () => {
  it('searches the scanned photos for duplicates at the end of the scan and keeps the pairs, so that a listing has nothing to search', () => {
    expect(scanned.duplicatePairs).toMatchObject({ stored: true });
    expect(scanned.duplicatePairs!.searched).toBeGreaterThanOrEqual(10);
    const app = createApp({ dbFile: db, access: 'read' });
    try {
      expect(app.db.prepare('SELECT count(*) AS n FROM duplicate_stale').get()).toEqual({ n: 0 });
      expect((app.db.prepare("SELECT count(*) AS n FROM duplicate_pairs WHERE class <> 'none'").get() as { n: number }).n).toBeGreaterThan(0);
    } finally {
      app.close();
    }
  });

  it('lists exact copies and the resized copy with their keeper and its reason, and not other photos of the person', () => {
    const groups = list();
    const exact = groupOf(groups, copyFile)!;
    expect(exact.class).toBe('exact');
    expect(exact.files.map((f) => f.path).sort()).toEqual([copyFile, keeperFile].sort());
    expect(exact.files.find((f) => f.photoId === exact.keeper)!.path).toBe(keeperFile);
    expect(exact.files[0]!.reason).toMatch(/^keep: /);
    expect(Object.keys(exact.files[0]!).sort()).toEqual(['bytes', 'format', 'height', 'path', 'photoId', 'reason', 'takenAt', 'width']);
    const resized = groupOf(groups, smallFile)!;
    expect(resized.class).toBe('same');
    expect(resized.files.find((f) => f.photoId === resized.keeper)!.path).toBe(bigFile);
    expect(resized.files.find((f) => f.photoId === resized.keeper)!.reason).toMatch(/^keep: larger: \d+×\d+ against \d+×\d+$/);
    expect(groupOf(groups, otherFile)).toBeUndefined();
    expect(runCli(['duplicates', '--db', db, '--class', 'blurry'], env).stderr).toMatch(/must be one of exact, same, edited, similar/);
  });

  it('reads each exact copy once: the scan copies the faces the first one showed', () => {
    // Four files are byte-for-byte copies of another: beach day, the vanishing and the changing copy, the RAW's JPEG.
    expect(scanned.analysis).toMatchObject({ done: 12, copies: 4, errors: 0 });
    const app = createApp({ dbFile: db, mustExist: true });
    try {
      const boxes = (file: string) => app.faces.listForPhoto(app.photos.findByPath(file)!.id).map((f) => f.box);
      expect(boxes(copyFile).length).toBeGreaterThan(0);
      expect(boxes(copyFile)).toEqual(boxes(keeperFile));
    } finally {
      app.close();
    }
  });

  it('moves nothing without --yes', () => {
    const r = runCli(['duplicates', '--db', db, '--trash', groupOf(list(), copyFile)!.id], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --yes/);
    expect(existsSync(copyFile)).toBe(true);
  });

  it('trashes a copy named with spaces, unicode and a newline, gives its decisions to the keeper, and undo brings it back', () => {
    const bytes = readFileSync(copyFile);
    const app = createApp({ dbFile: db, mustExist: true });
    let copyFace: number, keeperFace: number, otherFace: number, personId: number;
    try {
      const faceOf = (file: string) => app.faces.listForPhoto(app.photos.findByPath(file)!.id)[0]!;
      copyFace = faceOf(copyFile).id;
      keeperFace = faceOf(keeperFile).id;
      otherFace = faceOf(bigFile).id;
      personId = faceOf(copyFile).personId!;
      app.edits.rename(personId, 'Ana');
      // The two exact copies show one photo: the person's count does not grow with copies.
      const anaFaces = app.faces.listForPerson(personId);
      expect(anaFaces.map((f) => f.photoPath)).toEqual(expect.arrayContaining([keeperFile, copyFile]));
      expect(app.edits.summary(personId).photos).toBe(new Set(anaFaces.map((f) => app.photos.findByPath(f.photoPath)!.content_hash)).size);
      expect(app.edits.summary(personId).photos).toBe(new Set(anaFaces.map((f) => f.photoPath)).size - 1);
      app.edits.answerReview(copyFace, otherFace, 'different');
      expect(app.labels.find(keeperFace, otherFace)).toBeNull();
    } finally {
      app.close();
    }
    const photosOfAna = (): number => {
      const people = JSON.parse(runCli(['people', '--db', db, '--json'], env).stdout) as Array<{ name: string | null; faces: Array<{ photo: string }> }>;
      return new Set(people.find((p) => p.name === 'Ana')!.faces.map((f) => f.photo)).size;
    };
    const before = photosOfAna();

    const r = runCli(['duplicates', '--db', db, '--trash', groupOf(list(), copyFile)!.id, '--yes'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`moved to the trash: ${JSON.stringify(copyFile)}`);
    expect(r.stdout).toMatch(/To undo: facepair duplicates --undo/);
    expect(existsSync(copyFile)).toBe(false);
    expect(existsSync(keeperFile)).toBe(true);
    expect(trashed()).toHaveLength(1);
    const info = readdirSync(path.join(trashDir, 'info')).map((f) => readFileSync(path.join(trashDir, 'info', f), 'utf8')).join('\n');
    expect(info).toContain(`Path=${encodeURI(copyFile)}`);

    const after = createApp({ dbFile: db, mustExist: true });
    try {
      // The user's "different" answer (Ana is not the portrait's person) now holds for the keeper's face; the name stays.
      expect(after.labels.find(keeperFace, otherFace)?.same).toBe(0);
      expect(after.labels.find(copyFace, otherFace)?.same).toBe(0);
      expect(after.people.find(personId)!.name).toBe('Ana');
      expect(after.photos.findByPath(copyFile)!.status).toBe('gone');
    } finally {
      after.close();
    }
    expect(photosOfAna()).toBe(before - 1);
    expect(groupOf(list(), keeperFile)).toBeUndefined();

    const undo = runCli(['duplicates', '--db', db, '--undo'], env);
    expect(undo.code, undo.stderr).toBe(0);
    expect(undo.stdout).toMatch(/1 file restored from the trash/);
    expect(readFileSync(copyFile).equals(bytes)).toBe(true);
    expect(trashed()).toHaveLength(0);
    const undone = createApp({ dbFile: db, mustExist: true });
    try {
      expect(undone.labels.find(keeperFace, otherFace)).toBeNull();
      expect(undone.labels.find(copyFace, otherFace)?.same).toBe(0);
      expect(undone.photos.findByPath(copyFile)!.status).toBe('done');
    } finally {
      undone.close();
    }
    expect(groupOf(list(), copyFile)?.class).toBe('exact');
  });

  it('refuses a copy that vanished, or changed since the scan, and moves nothing', () => {
    const groups = list();
    const vanishing = groupOf(groups, vanishCopy)!, changing = groupOf(groups, changeCopy)!;
    expect(vanishing.files.find((f) => f.photoId === vanishing.keeper)!.path).toBe(vanishKeeper);
    expect(changing.files.find((f) => f.photoId === changing.keeper)!.path).toBe(changeKeeper);
    rmSync(vanishCopy);
    appendFileSync(changeCopy, Buffer.from([0]));
    const r = runCli(['duplicates', '--db', db, '--trash', vanishing.id, changing.id, '--yes'], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`left in place: ${vanishCopy}: the file vanished before the move`);
    expect(r.stdout).toContain(`left in place: ${changeCopy}: the file changed since it was scanned`);
    expect(r.stdout).toMatch(/Nothing was moved/);
    expect(existsSync(changeCopy) && existsSync(vanishKeeper) && existsSync(changeKeeper)).toBe(true);
    expect(trashed()).toHaveLength(0);
  });

  it('refuses an unknown group and a keeper that was itself moved away', () => {
    expect(runCli(['duplicates', '--db', db, '--trash', 'e0000nothing', '--yes'], env).stderr).toMatch(/Duplicate group e0000nothing does not exist/);
    const group = groupOf(list(), smallFile)!;
    const moved = path.join(root, 'elsewhere.jpg');
    copyFileSync(bigFile, moved);
    rmSync(bigFile);
    try {
      const r = runCli(['duplicates', '--db', db, '--trash', group.id, '--yes'], env);
      expect(r.stdout).toContain(`its keeper ${bigFile} is no longer there as scanned`);
      expect(existsSync(smallFile)).toBe(true);
    } finally {
      copyFileSync(moved, bigFile);
    }
  });

  it('keeps a copy whose folder or trash refuses the move, with the reason', async () => {
    const app = createApp({ dbFile: db, mustExist: true });
    try {
      // The trash of a read-only folder: as the system's call fails there.
      const denied = Object.assign(new Error(`EACCES: permission denied, rename '${copyFile}'`), { code: 'EACCES' });
      const service = new DuplicatesService(app.db, app.photos, app.fingerprints, app.faces, app.people, app.labels, app.actions, app.folderMarks, app.edits, {
        restoreByHand: '',
        moveToTrash: () => Promise.reject(denied),
      });
      const group = (await service.list()).find((g) => g.files.some((f) => f.path === copyFile))!;
      const report = await service.trash([group.id]);
      expect(report.trashed).toEqual([]);
      expect(report.actionId).toBeNull();
      expect(report.refused[0]!.reason).toMatch(/cannot move it to the trash: permission denied \(a read-only folder\?\)/);
      expect(existsSync(copyFile)).toBe(true);
    } finally {
      app.close();
    }
  });

  it.skipIf(process.getuid?.() === 0)('says so when the folder is read-only for real', () => {
    const dir = path.dirname(copyFile);
    chmodSync(dir, 0o555);
    try {
      const r = runCli(['duplicates', '--db', db, '--trash', groupOf(list(), copyFile)!.id, '--yes'], env);
      expect(r.stdout).toMatch(/permission denied/);
      expect(existsSync(copyFile)).toBe(true);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('serves the groups to the window, and refuses a trash without confirmation', async () => {
    const app = createApp({ dbFile: db, mustExist: true });
    const host = new ApiHost(app, { version: 'test' });
    try {
      await app.folders.add(folder);
      const r = await host.call('duplicates.list', {});
      if (!r.ok) throw new Error(r.error.message);
      const { groups } = r.result as { groups: Array<{ id: string; class: string; files: Array<{ fileName: string; folder: string; reason: string }> }> };
      const exact = groups.find((g) => g.files.some((f) => f.fileName === path.basename(copyFile)))!;
      expect(exact.class).toBe('exact');
      expect(exact.files.map((f) => f.folder).sort()).toEqual(['copies of everything', 'ü day']);
      const unconfirmed = await host.call('duplicates.trash', { groups: [{ id: exact.id }] });
      expect(unconfirmed.ok).toBe(false);
      if (!unconfirmed.ok) expect(unconfirmed.error.message).toMatch(/needs the user's confirmation/);
      const badId = await host.call('duplicates.dismiss', { groupId: '../etc' });
      expect(!badId.ok && badId.error.code).toBe('invalid_params');
      expect(existsSync(copyFile)).toBe(true);
    } finally {
      await host.dispose();
      app.close();
    }
  });

  it('remembers "not duplicates" and never proposes the pair again', () => {
    const group = groupOf(list(), smallFile)!;
    const r = runCli(['duplicates', '--db', db, '--not-duplicates', group.id], env);
    expect(r.stdout).toMatch(/Remembered: 1 pair of photos are not duplicates/);
    expect(groupOf(list(), smallFile)).toBeUndefined();
  });

  it('shows a RAW and the JPEG of its shot as a pair, keeps the RAW before a copy of the JPEG, and never trashes half of the pair', () => {
    const groups = list();
    const pair = groups.find((g) => g.class === 'raw-jpeg')!;
    expect(pair.files.map((f) => f.path)).toEqual([rawFile, rawJpeg]);
    // The RAW's own size, upright (not its preview's); its faces in that frame, where the JPEG shows them.
    expect(pair.files[0]!).toMatchObject({ format: 'dng', photoId: pair.keeper, width: rawSensor.height, height: rawSensor.width });
    const jpegMeta = pair.files[1]!;
    expect(jpegMeta.width * 4).toBe(rawSensor.height);
    const app = createApp({ dbFile: db, mustExist: true });
    try {
      const rel = (file: string) => {
        const f = app.faces.listForPhoto(app.photos.findByPath(file)!.id)[0]!;
        return [f.box[0] / f.photoWidth, f.box[1] / f.photoHeight, f.box[2] / f.photoWidth, f.box[3] / f.photoHeight];
      };
      rel(rawFile).forEach((v, k) => expect(v).toBeCloseTo(rel(rawJpeg)[k]!, 2));
    } finally {
      app.close();
    }
    expect(pair.files[1]!.reason).toMatch(/one shot, kept with its RAW file/);
    expect(runCli(['duplicates', '--db', db, '--trash', pair.id, '--yes'], env).stderr).toMatch(/the RAW and the JPEG of one shot, not copies: nothing in it is moved/);

    const dup = groups.find((g) => g.class !== 'raw-jpeg' && g.files.some((f) => f.path === rawJpegCopy))!;
    expect(dup.files.map((f) => f.path).sort()).toEqual([rawFile, rawJpeg, rawJpegCopy].sort());
    expect(dup.files.find((f) => f.photoId === dup.keeper)!.path).toBe(rawFile);
    expect(dup.files.find((f) => f.photoId === dup.keeper)!.reason).toBe('keep: original format: DNG against JPEG');
    expect(dup.files.find((f) => f.path === rawJpeg)!.reason).toMatch(/one shot with IMG_0042.DNG, which stays: a RAW\+JPEG pair is never split/);
    expect(dup.wastedBytes).toBe(readFileSync(rawJpegCopy).length);

    const r = runCli(['duplicates', '--db', db, '--trash', dup.id, '--yes'], env);
    expect(r.stdout).toContain(`moved to the trash: ${rawJpegCopy}`);
    expect(r.stdout).toContain(`left in place: ${rawJpeg}: one shot with IMG_0042.DNG`);
    expect(existsSync(rawJpegCopy)).toBe(false);
    expect(existsSync(rawJpeg) && existsSync(rawFile)).toBe(true);
    expect(runCli(['duplicates', '--db', db, '--undo'], env).code).toBe(0);
    expect(existsSync(rawJpegCopy)).toBe(true);
  });
});
