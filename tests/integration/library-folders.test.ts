import Database from 'better-sqlite3';
import { cpSync, existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { migrate } from '../../src-main/core/db/database.js';
import { MIGRATIONS } from '../../src-main/core/db/migrations.js';
import { hashFile } from '../../src-main/core/library/content-hash.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary } from '../support/seed-library.js';

// The library as a list of folders, on real files (no photo analysed): what a scan indexes
// (by real path, links included), what the window may show, and that removing a folder loses
// no name or answer.

/** A small JPEG of its own colour (so that every file has its own content hash). */
async function photo(file: string, shade: number): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: shade % 256, g: (shade * 7) % 256, b: 90 } } })
    .jpeg()
    .toFile(file);
  return file;
}

describe('a library made of several folders', () => {
  it('indexes every file at its real path, once: a link to a file outside the folders is skipped until its folder is added', async () => {
    const dir = tempDir('folders-links');
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    await photo(path.join(a, 'one.jpg'), 1);
    await photo(path.join(b, 'two.jpg'), 2);
    await photo(path.join(dir, 'outside', 'secret.jpg'), 3);
    symlinkSync(path.join(dir, 'outside', 'secret.jpg'), path.join(a, 'link-out.jpg'));
    symlinkSync(path.join(a, 'one.jpg'), path.join(a, 'link-same.jpg'));
    symlinkSync(path.join(b, 'two.jpg'), path.join(a, 'link-b.jpg'));
    const app = createApp({ dbFile: path.join(dir, 'l.db') });
    try {
      await app.folders.add(a);
      const first = await app.library.reconcile(a);
      const paths = (): string[] => app.db.prepare('SELECT path FROM photos ORDER BY path').pluck().all() as string[];
      expect(paths()).toEqual([path.join(a, 'one.jpg')]);
      expect(first.outside.map((o) => path.basename(o.path)).sort()).toEqual(['link-b.jpg', 'link-out.jpg']);

      // The link's target lies in a folder of the library now: indexed, at its real path.
      await app.folders.add(b);
      const second = await app.library.reconcile(a);
      expect(second.outside.map((o) => path.basename(o.path))).toEqual(['link-out.jpg']);
      await app.library.reconcile(b);
      expect(paths()).toEqual([path.join(a, 'one.jpg'), path.join(b, 'two.jpg')]);
    } finally {
      app.close();
    }
  });

  it('serves photos of every folder and nothing else; a removed folder keeps its names and answers, and they come back with it', async () => {
    const dir = tempDir('folders-remove');
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const rand = rng(11);
    const lib = await seedLibrary(path.join(dir, 'l.db'), a, [
      { name: 'Ann', vectors: personVectors(rand, 3).vectors },
      { vectors: personVectors(rand, 3).vectors },
    ]);
    const { app } = lib;
    try {
      // Ben's photos live in a second folder; every seeded photo gets a real file.
      const setFile = app.db.prepare('UPDATE photos SET path = ?, size = ?, mtime_ms = ?, content_hash = ? WHERE id = ?');
      for (const [i, ids] of lib.photoIds.entries()) {
        for (const id of ids) {
          const file = await photo(path.join(i === 0 ? a : b, `p${id}.jpg`), id * 40);
          const st = statSync(file);
          setFile.run(file, st.size, Math.floor(st.mtimeMs), await hashFile(file), id);
        }
      }
      await app.folders.add(b);
      const ben = lib.personIds[1]!;
      app.edits.rename(ben, 'Ben');
      app.edits.answerReview(lib.faceIds[0]![0]!, lib.faceIds[1]![0]!, 'different');
      const decisions = (): unknown => ({
        names: app.db.prepare('SELECT id, name FROM people ORDER BY id').all(),
        labels: app.db.prepare('SELECT face_a, face_b, same FROM labels ORDER BY id').all(),
        faces: app.db.prepare('SELECT id, person_id, photo_id FROM faces ORDER BY id').all(),
      });
      const before = decisions();
      const photoOfBen = lib.photoIds[1]![0]!;
      const faceOfBen = lib.faceIds[1]![0]!;

      expect((await app.media.photo(lib.photoIds[0]![0]!)).type).toBe('image/jpeg');
      expect((await app.media.photo(photoOfBen)).type).toBe('image/jpeg');
      expect((await app.media.face(faceOfBen)).type).toBe('image/jpeg');

      const removed = app.folders.remove(b);
      expect(removed.photos).toBe(3);
      expect(app.folders.removedPhotos()).toBe(3);
      expect(app.people.summaries({ includeHidden: true }).map((p) => p.name)).toEqual(['Ann']);
      await expect(app.media.face(faceOfBen)).rejects.toMatchObject({ code: 'forbidden' });
      await expect(app.media.photo(photoOfBen)).rejects.toMatchObject({ code: 'not_found' });
      expect(decisions()).toEqual(before);

      // Added again: the same rows come back, with their names and answers, none duplicated.
      await app.folders.add(b);
      await app.library.reconcile(b);
      expect(decisions()).toEqual(before);
      expect(app.people.summaries({ includeHidden: true }).map((p) => p.name).sort()).toEqual(['Ann', 'Ben']);
      expect((await app.media.photo(photoOfBen)).type).toBe('image/jpeg');

      // The folder copied elsewhere (a new disk): the photos move there instead of being duplicated.
      const c = path.join(dir, 'c');
      cpSync(b, c, { recursive: true, preserveTimestamps: true });
      app.folders.remove(b);
      await app.folders.add(c);
      const moved = await app.library.reconcile(c);
      expect(moved).toMatchObject({ added: 0, moved: 3 });
      expect(decisions()).toEqual(before);
      expect(app.photos.findById(photoOfBen)!.path).toBe(path.join(c, `p${photoOfBen}.jpg`));
      expect((await app.media.photo(photoOfBen)).type).toBe('image/jpeg');

      // A folder holding listed ones takes their place; one inside a listed one is already there.
      const parent = await app.folders.add(dir);
      expect(parent).toMatchObject({ outcome: 'added', replaced: [a, c] });
      expect(app.folders.roots()).toEqual([dir]);
      expect(await app.folders.add(c)).toMatchObject({ outcome: 'inside', within: dir });
    } finally {
      app.close();
    }
  });

  it('takes over the one folder of an older library, and keeps photos scanned from other folders reachable', () => {
    const dir = tempDir('folders-migrate');
    const dbFile = path.join(dir, 'old.db');
    const old = new Database(dbFile);
    migrate(old, MIGRATIONS.filter((m) => m.version < 8));
    const now = new Date().toISOString();
    old.prepare("INSERT INTO meta (key, value) VALUES ('library.folder', ?)").run(path.join(dir, 'chosen'));
    const insert = old.prepare("INSERT INTO photos (path, size, mtime_ms, content_hash, status, added_at, updated_at) VALUES (?, 1, 0, ?, ?, ?, ?)");
    const photos: Array<[string, string]> = [
      ['chosen/x/1.jpg', 'done'],
      ['cli/2019/2.jpg', 'done'],
      ['cli/2020/3.jpg', 'pending'],
      ['cli/2020/deep/4.jpg', 'error'],
      ['deleted/5.jpg', 'gone'],
    ];
    for (const [i, [rel, status]] of photos.entries()) insert.run(path.join(dir, rel), `h${i}`, status, now, now);
    old.close();

    const app = createApp({ dbFile });
    try {
      expect(app.folders.roots()).toEqual([path.join(dir, 'chosen'), path.join(dir, 'cli/2019'), path.join(dir, 'cli/2020')]);
      expect(app.settings.get('library.folder')).toBeNull();
      expect(app.folders.removedPhotos()).toBe(1);
    } finally {
      app.close();
    }
  });

  it('lists a folder an older library had that cannot be a library (the root), and uses it for nothing', async () => {
    const dir = tempDir('folders-migrate-root');
    const dbFile = path.join(dir, 'old.db');
    const old = new Database(dbFile);
    migrate(old, MIGRATIONS.filter((m) => m.version < 8));
    old.prepare("INSERT INTO meta (key, value) VALUES ('library.folder', '/')").run();
    old.close();
    const app = createApp({ dbFile });
    try {
      expect(await app.folders.list()).toEqual([{ path: '/', photos: 0, problem: '/ is the root of the disk: choose the folder that holds your photos' }]);
      expect(app.folders.roots()).toEqual([]);
      expect(await app.folders.locate(dbFile)).toMatchObject({ ok: false, missing: false });
      expect(app.folders.remove('/')).toEqual({ folder: '/', photos: 0 });
    } finally {
      app.close();
    }
  });
});

describe('facepair folders on the command line', () => {
  it('adds, lists and removes folders, and refuses the root, the home folder and system folders before creating anything', async () => {
    const dir = tempDir('folders-cli');
    const db = path.join(dir, 'l.db');
    await photo(path.join(dir, 'a', 'one.jpg'), 5);
    mkdirSync(path.join(dir, 'b'));

    for (const [args, message] of [
      [['folders', 'add', '/'], /root of the disk/],
      [['folders', 'add', '/etc'], /system folder/],
      [['folders', 'add', '~'], /whole home folder/],
      [['scan', '/'], /root of the disk/],
      [['folders', 'add', path.join(dir, 'missing')], /does not exist/],
    ] as const) {
      const r = runCli([...args, '--db', db], { HOME: dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(db)).toBe(false);

    expect(runCli(['folders', 'add', path.join(dir, 'a'), '--db', db]).stdout).toMatch(/is in the library now/);
    const added = runCli(['folders', 'add', '~/b', '--db', db, '--json'], { HOME: dir });
    expect(JSON.parse(added.stdout)).toEqual({ outcome: 'added', folder: path.join(dir, 'b'), replaced: [] });
    const listed = JSON.parse(runCli(['folders', 'list', '--db', db, '--json']).stdout);
    expect(listed).toEqual({
      folders: [
        { path: path.join(dir, 'a'), photos: 0, problem: null },
        { path: path.join(dir, 'b'), photos: 0, problem: null },
      ],
      marks: [],
      removedPhotos: 0,
    });

    const removed = runCli(['folders', 'remove', path.join(dir, 'a'), '--db', db]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/no longer in the library/);
    const unknown = runCli(['folders', 'remove', path.join(dir, 'a'), '--db', db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/is not one of the library's folders \(.*\/b\)/);
    expect(runCli(['folders', 'list', '--db', db]).stdout).toBe(`${path.join(dir, 'b')}  (0 photos)\n`);
  });
});
