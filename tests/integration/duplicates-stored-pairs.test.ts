import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { migrate } from '../../src-main/core/db/database.js';
import { MIGRATIONS } from '../../src-main/core/db/migrations.js';
import type { StoredFingerprint } from '../../src-main/core/db/fingerprints.repository.js';
import { Rng } from '../../src-main/core/ml/rng.js';
import { tempDir } from '../support/paths.js';

// The duplicates' candidate pairs and their checks are kept in the library (migration 18) and
// brought up to date incrementally: only new, changed or returning photos are searched. On a
// library of synthetic fingerprints (near copies: a few bits flipped, the same thumbnail; exact
// copies: same size and content hash), every listing from the stored pairs must equal a search
// of the whole library, through additions, changes, photos gone and back, a new version of the
// search, faces changed, "not duplicates", and a listing that cannot write.

const root = tempDir('dup-stored');
const dbFile = path.join(root, 'library.db');
const rng = new Rng(11);
const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
const randomPrint = (): StoredFingerprint => ({ dct: bytes(8), gradient: bytes(8), thumb: bytes(1024), colour: bytes(192) });
/** A near copy: two bits of one hash flipped, one of the other, the same thumbnails. */
const nearCopy = (f: StoredFingerprint): StoredFingerprint => ({ dct: f.dct.map((b, k) => (k === 0 ? b ^ 0b101 : b)), gradient: f.gradient.map((b, k) => (k === 7 ? b ^ 1 : b)), thumb: f.thumb, colour: f.colour });

let app: FacePairApp;
let nextPhoto = 0;
const prints = new Map<number, StoredFingerprint>();

function addPhoto(f: StoredFingerprint, same?: { size: number; hash: string }): number {
  const i = nextPhoto++;
  const id = app.photos.insert({ path: `/synthetic/${i}.jpg`, size: same?.size ?? 100_000 + i, mtimeMs: 0, contentHash: same?.hash ?? `h${i}`.padEnd(64, '0') });
  app.photos.markDone(id, { format: 'jpg', width: 4000, height: 3000, takenAt: null, analyzerVersion: 0 });
  app.fingerprints.put(id, f);
  prints.set(id, f);
  return id;
}

/** The listing from the stored pairs, checked against a search of the whole library; with what its update did. */
async function listChecked(a: FacePairApp = app): Promise<{ groups: Awaited<ReturnType<FacePairApp['duplicates']['list']>>; searched: number; stored: boolean }> {
  a.duplicates.pairsFrom = 'search';
  a.duplicates.searchIn = 'here';
  const full = await a.duplicates.list({ withExif: false });
  a.duplicates.pairsFrom = 'store';
  const groups = await a.duplicates.list({ withExif: false });
  expect(groups).toEqual(full);
  return { groups, searched: a.duplicates.lastUpdate!.searched, stored: a.duplicates.lastUpdate!.stored };
}

const groupWith = (groups: Awaited<ReturnType<typeof listChecked>>['groups'], id: number): { class: string; ids: number[] } | undefined => {
  const g = groups.find((x) => x.files.some((f) => f.photoId === id));
  return g && { class: g.class, ids: g.files.map((f) => f.photoId).sort((x, y) => x - y) };
};

const staleCount = (): number => (app.db.prepare('SELECT count(*) AS n FROM duplicate_stale').get() as { n: number }).n;

let original: number, copy: number, exactA: number, exactB: number;

beforeAll(() => {
  app = createApp({ dbFile });
  app.db.transaction(() => {
    for (let i = 0; i < 600; i++) addPhoto(randomPrint());
    original = addPhoto(randomPrint());
    copy = addPhoto(nearCopy(prints.get(original)!));
    const shared = randomPrint();
    exactA = addPhoto(shared, { size: 5_000_000, hash: 'e'.repeat(64) });
    exactB = addPhoto(shared, { size: 5_000_000, hash: 'e'.repeat(64) });
    for (let i = 0; i < 30; i++) {
      const base = addPhoto(randomPrint());
      addPhoto(nearCopy(prints.get(base)!));
    }
  })();
});

afterAll(() => app?.close());

describe('duplicates kept in the library', () => {
  it('searches every photo once, then lists from the stored pairs what a search of the whole library lists', async () => {
    const first = await listChecked();
    expect(first.searched).toBe(nextPhoto);
    expect(first.stored).toBe(true);
    expect(staleCount()).toBe(0);
    expect(groupWith(first.groups, copy)).toEqual({ class: 'same', ids: [original, copy] });
    expect(groupWith(first.groups, exactB)).toEqual({ class: 'exact', ids: [exactA, exactB] });
    const again = await listChecked();
    expect(again.searched).toBe(0);
    expect(again.groups).toEqual(first.groups);
  });

  it('searches a photo added later, alone, and lists it in its group', async () => {
    const third = addPhoto(nearCopy(nearCopy(prints.get(original)!)));
    const after = await listChecked();
    expect(after.searched).toBe(1);
    expect(groupWith(after.groups, original)!.ids).toEqual([original, copy, third].sort((x, y) => x - y));
  });

  it('drops the pairs of a photo whose fingerprint changed, and of one no longer in the library, and lists them again when it comes back', async () => {
    app.fingerprints.put(copy, randomPrint());
    let now = await listChecked();
    expect(now.searched).toBe(1);
    expect(groupWith(now.groups, copy)).toBeUndefined();
    app.fingerprints.put(copy, nearCopy(prints.get(original)!));
    now = await listChecked();
    expect(groupWith(now.groups, copy)!.ids).toContain(original);

    app.photos.markGone(copy);
    now = await listChecked();
    expect(now.searched).toBe(0);
    expect(groupWith(now.groups, copy)).toBeUndefined();
    app.photos.move(copy, { path: '/synthetic/back.jpg', size: 123, mtimeMs: 0, contentHash: 'back'.padEnd(64, '0') });
    now = await listChecked();
    expect(now.searched).toBe(1);
    expect(groupWith(now.groups, copy)!.ids).toContain(original);

    // A file changed on disk: analysed again, its new fingerprint is a near copy of the original no more.
    app.photos.resetForNewContent(copy, { size: 321, mtimeMs: 1, contentHash: 'changed'.padEnd(64, '0') });
    now = await listChecked();
    expect(groupWith(now.groups, copy)).toBeUndefined();
    app.photos.markDone(copy, { format: 'jpg', width: 3000, height: 4000, takenAt: null, analyzerVersion: 0 });
    app.fingerprints.put(copy, randomPrint());
    now = await listChecked();
    expect(now.searched).toBe(1);
    expect(groupWith(now.groups, copy)).toBeUndefined();
    app.fingerprints.put(copy, nearCopy(prints.get(original)!));
    expect(groupWith((await listChecked()).groups, copy)!.ids).toContain(original);
  });

  it('searches a photo again when its faces change, as the finer check reads them', async () => {
    const now = new Date().toISOString();
    app.db
      .prepare(`INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at) VALUES (?, 0, 100, 100, 400, 400, 0.9, 0, x'00', 'c', 'a', ?)`)
      .run(copy, now);
    expect(staleCount()).toBe(1);
    expect((await listChecked()).searched).toBe(1);
    app.db.prepare('UPDATE faces SET not_face_at = ? WHERE photo_id = ?').run(now, copy);
    expect(staleCount()).toBe(1);
    expect((await listChecked()).searched).toBe(1);
    // A person given to a face changes nothing the check reads.
    app.db.prepare('UPDATE faces SET person_id = NULL, assigned_by = NULL WHERE photo_id = ?').run(copy);
    expect(staleCount()).toBe(0);
  });

  it('searches everything again, once, when the search or the check changes version', async () => {
    app.db.prepare("UPDATE meta SET value = 'an older check' WHERE key = 'duplicates.pairsVersion'").run();
    expect((await listChecked()).searched).toBe(nextPhoto);
    expect((await listChecked()).searched).toBe(0);
  });

  it('keeps "not duplicates" through later searches, without checking the pair again', async () => {
    const before = await listChecked();
    const group = before.groups.find((g) => g.files.some((f) => f.photoId === original))!;
    const rows = (app.db.prepare('SELECT count(*) AS n FROM duplicate_pairs').get() as { n: number }).n;
    await app.duplicates.dismiss(group.id);
    let after = await listChecked();
    expect(after.searched).toBe(0);
    expect(groupWith(after.groups, original)).toBeUndefined();
    expect((app.db.prepare('SELECT count(*) AS n FROM duplicate_pairs').get() as { n: number }).n).toBe(rows);
    addPhoto(randomPrint());
    after = await listChecked();
    expect(after.searched).toBe(1);
    expect(groupWith(after.groups, original)).toBeUndefined();
  });

  it('answers from a library it cannot write: the photos not searched yet are searched for that listing only', async () => {
    const late = addPhoto(nearCopy(prints.get(exactA)!));
    const reader = createApp({ dbFile, access: 'read' });
    try {
      const listed = await listChecked(reader);
      expect(listed.searched).toBe(1);
      expect(listed.stored).toBe(false);
      expect(groupWith(listed.groups, late)!.ids).toEqual([exactA, exactB, late]);
    } finally {
      reader.close();
    }
    expect(staleCount()).toBe(1);
    expect((await listChecked()).stored).toBe(true);
    expect(staleCount()).toBe(0);
  });

  it('stores nothing for a photo that changed while it was searched: it is searched again', () => {
    const repo = (app.duplicates as unknown as { store: { stored: import('../../src-main/core/db/duplicate-pairs.repository.js').DuplicatePairsRepository } }).store.stored;
    const id = addPhoto(randomPrint());
    const snap = repo.snapshot();
    const token = snap.stale.get(id)!;
    // The photo changes between the search's read and its write.
    app.fingerprints.put(id, randomPrint());
    expect(repo.store(new Map([[id, token]]), [{ a: original, b: id, class: 'same' }])).toBe(0);
    expect(app.db.prepare('SELECT count(*) AS n FROM duplicate_pairs WHERE b = ?').get(id)).toEqual({ n: 0 });
    expect(staleCount()).toBe(1);
  });
});

describe('a library from before the stored pairs (schema 17)', () => {
  it('is searched whole at its first listing, lists what the search lists, and a deleted photo takes its pairs and faces with it', async () => {
    const file = path.join(tempDir('dup-stored-old'), 'old.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    migrate(old, MIGRATIONS.filter((m) => m.version < 18));
    const now = new Date().toISOString();
    const photo = old.prepare(
      "INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, status, analyzer_version, added_at, updated_at) VALUES (?, ?, 0, ?, 'jpg', 4000, 3000, 'done', 1, ?, ?)",
    );
    const print = old.prepare('INSERT INTO photo_fingerprints (photo_id, dct, gradient, thumb, colour) VALUES (?, ?, ?, ?, ?)');
    const ids: number[] = [];
    const base = randomPrint();
    for (let i = 0; i < 200; i++) {
      const f = i === 1 ? nearCopy(base) : i === 0 ? base : randomPrint();
      const id = Number(photo.run(`/old/${i}.jpg`, 1000 + i, `o${i}`.padEnd(64, '0'), now, now).lastInsertRowid);
      print.run(id, Buffer.from(f.dct), Buffer.from(f.gradient), Buffer.from(f.thumb), Buffer.from(f.colour));
      ids.push(id);
    }
    old.prepare("INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at) VALUES (?, 0, 100, 100, 400, 400, 0.9, 0, x'00', 'c', 'a', ?)").run(ids[1], now);
    old.close();

    const lib = createApp({ dbFile: file });
    try {
      const first = await listChecked(lib);
      expect(first.searched).toBe(200);
      expect(first.stored).toBe(true);
      expect(groupWith(first.groups, ids[1]!)!.ids).toEqual([ids[0], ids[1]]);
      expect((await listChecked(lib)).searched).toBe(0);
      lib.db.prepare('DELETE FROM photos WHERE id = ?').run(ids[1]);
      expect(lib.db.prepare('SELECT count(*) AS n FROM duplicate_pairs WHERE a = ? OR b = ?').get(ids[1], ids[1])).toEqual({ n: 0 });
      const after = await listChecked(lib);
      expect(groupWith(after.groups, ids[0]!)).toBeUndefined();
      expect(lib.db.prepare('SELECT count(*) AS n FROM duplicate_stale').get()).toEqual({ n: 0 });
    } finally {
      lib.close();
    }
  });
});
