import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { LABELS_PER_FACE } from '../../src-main/core/people/people.service.js';
import { tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary, type SeededLibrary } from '../support/seed-library.js';
import { apiCalls } from '../support/api-calls.js';

// The contract over a library written directly into SQLite (no photo decoded): every edit,
// its labels and its undo, checked in the database.

let lib: SeededLibrary;
let host: ApiHost;

const { ok, err } = apiCalls(() => host);

const q = <T>(sql: string, ...args: unknown[]): T[] => lib.app.db.prepare(sql).all(...args) as T[];
const personOf = (faceId: number): number | null => q<{ person_id: number | null }>('SELECT person_id FROM faces WHERE id = ?', faceId)[0]!.person_id;

beforeAll(async () => {
  const dir = tempDir('api');
  const rand = rng(7);
  const p1 = personVectors(rand, 4);
  // Person 3 lies close to person 1: their faces are the review's unsure pairs.
  const near = Float32Array.from(p1.centre, (v) => v + (rand() - 0.5) * 0.06);
  lib = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), [
    { name: 'Alice', vectors: personVectors(rand, 6).vectors },
    { vectors: p1.vectors },
    { name: 'Élodie', hidden: true, vectors: personVectors(rand, 3).vectors },
    { vectors: personVectors(rand, 2, 0.45, near).vectors },
    { vectors: personVectors(rand, 25).vectors },
  ]);
  host = createApiHost(lib.app, { version: 'test' });
});

afterAll(async () => {
  await host.dispose();
  lib.app.close();
});

describe('the API contract over the core services', () => {
  it('validates parameters at the boundary with clear messages', async () => {
    expect((await err('people.rename', { personId: 'x', name: 'A' })).code).toBe('invalid_params');
    expect((await err('people.rename', { personId: 1, name: 'A'.repeat(201) })).message).toMatch(/at most 200/);
    expect((await err('people.list', { extra: true })).message).toMatch(/extra/);
    expect((await err('people.get', { personId: 999_999 })).code).toBe('not_found');
    expect((await err('no.such')).code).toBe('unknown_method');
    expect((await err('library.pickFolder')).code).toBe('unavailable');
    expect((await err('library.addFolder', { folder: '/no/such/folder' })).message).toMatch(/does not exist/);
    expect(await err('library.addFolder', { folder: '/' })).toEqual({ code: 'invalid_params', message: '/ is the root of the disk: choose the folder that holds your photos' });
    expect((await err('library.addFolder', { folder: '/etc' })).message).toMatch(/system folder/);
    expect((await err('scan.start', { folder: '/' })).message).toMatch(/not in the library/);
  });

  it('lists people named first, hides hidden people unless asked, and searches names without case or accents', async () => {
    const list = await ok('people.list');
    expect(list.people.map((p) => p.id)).not.toContain(lib.personIds[2]);
    expect(list.people[0]).toMatchObject({ id: lib.personIds[0], name: 'Alice', faces: 6, photos: 6, hidden: false });
    expect(list.hiddenCount).toBe(1);
    const all = await ok('people.list', { includeHidden: true });
    expect(all.people).toHaveLength(5);
    const found = await ok('people.list', { query: 'elo', includeHidden: true });
    expect(found.people.map((p) => p.name)).toEqual(['Élodie']);
  });

  it("counts the people as the People screen's tabs list them, for every threshold: the Library's figures agree", async () => {
    for (const minFaces of [2, 3, 5, 10, 30]) {
      const counts = await ok('people.counts', { minFaces });
      const shown = await ok('people.list', { minFaces });
      const others = await ok('people.list', { minFaces, others: true });
      expect(counts).toEqual({ minFaces, people: shown.people.length, others: others.people.length, hidden: shown.hiddenCount });
      expect(shown.othersCount).toBe(counts.others);
    }
    // Seen 2, 4, 6 (named) and 25 times, one hidden: with 5 at least, the 2 and the 4 are others.
    expect(await ok('people.counts', { minFaces: 5 })).toEqual({ minFaces: 5, people: 2, others: 2, hidden: 1 });
    expect((await ok('people.counts', {})).minFaces).toBe(2);
  });

  it('renames, and undo puts the old name back', async () => {
    const id = lib.personIds[1]!;
    const r = await ok('people.rename', { personId: id, name: '  Bob   Smith ' });
    expect(r.person.name).toBe('Bob Smith');
    expect(q<{ name: string }>('SELECT name FROM people WHERE id = ?', id)[0]!.name).toBe('Bob Smith');
    const { actions } = await ok('actions.list');
    expect(actions[0]).toMatchObject({ kind: 'rename', summary: 'Named Bob Smith' });
    const undone = await ok('actions.undo');
    expect(undone.undone.kind).toBe('rename');
    expect(q<{ name: string | null }>('SELECT name FROM people WHERE id = ?', id)[0]!.name).toBeNull();
  });

  it('"not this person" moves faces to people of their own, with "different" labels kept by undo', async () => {
    const id = lib.personIds[4]!;
    const [f1, f2] = lib.faceIds[4]!;
    const r = await ok('people.rejectFaces', { personId: id, faceIds: [f1, f2] });
    expect(r.newPersonIds).toHaveLength(2);
    expect(personOf(f1!)).toBe(r.newPersonIds[0]);
    expect(personOf(f2!)).toBe(r.newPersonIds[1]);
    expect(r.person.faces).toBe(23);
    const labels = q<{ face_a: number; face_b: number; same: number; source: string; action_id: number }>(
      'SELECT * FROM labels WHERE face_a = ? OR face_b = ?',
      f1,
      f1,
    );
    expect(labels).toHaveLength(LABELS_PER_FACE);
    expect(labels.every((l) => l.same === 0 && l.source === 'reject' && l.action_id > 0)).toBe(true);
    // The rejected face is never put back: grouping reads these as cannot-links.
    const cannot = lib.app.labels.list().filter((l) => !l.same && (l.faceA === f1 || l.faceB === f1));
    expect(cannot.length).toBe(LABELS_PER_FACE);

    await ok('actions.undo');
    expect(personOf(f1!)).toBe(id);
    expect(personOf(f2!)).toBe(id);
    expect(q('SELECT * FROM labels WHERE face_a IN (?, ?) OR face_b IN (?, ?)', f1, f2, f1, f2)).toHaveLength(0);
    expect(q('SELECT id FROM people WHERE id IN (?, ?)', ...r.newPersonIds)).toHaveLength(0);
    expect(q<{ assigned_by: string }>('SELECT assigned_by FROM faces WHERE id = ?', f1)[0]!.assigned_by).toBe('auto');
  });

  it('refuses faces that are not the person\'s', async () => {
    const e = await err('people.rejectFaces', { personId: lib.personIds[0], faceIds: [lib.faceIds[1]![0]] });
    expect(e.code).toBe('invalid_params');
  });

  it('merges two people with "same" labels; undo restores both people whole', async () => {
    const [alice, , elodie] = lib.personIds as [number, number, number];
    await ok('people.setCover', { personId: elodie, faceId: lib.faceIds[2]![1] });
    const columns = 'id, name, hidden, cover_face_id, created_at';
    const before = q(`SELECT ${columns} FROM people WHERE id = ?`, elodie)[0];
    const r = await ok('people.merge', { targetId: alice, sourceIds: [elodie] });
    expect(r.person).toMatchObject({ id: alice, name: 'Alice', faces: 9 });
    expect(q('SELECT id FROM people WHERE id = ?', elodie)).toHaveLength(0);
    for (const f of lib.faceIds[2]!) expect(personOf(f)).toBe(alice);
    const labels = q<{ same: number; source: string }>('SELECT same, source FROM labels WHERE source = ?', 'merge');
    expect(labels.length).toBe(3 * 6);
    expect(labels.every((l) => l.same === 1)).toBe(true);

    const undone = await ok('actions.undo');
    expect(undone.undone.kind).toBe('merge');
    expect(q(`SELECT ${columns} FROM people WHERE id = ?`, elodie)[0]).toEqual(before);
    for (const f of lib.faceIds[2]!) expect(personOf(f)).toBe(elodie);
    for (const f of lib.faceIds[0]!) expect(personOf(f)).toBe(alice);
    expect(q('SELECT * FROM labels WHERE source = ?', 'merge')).toHaveLength(0);
    await ok('actions.undo'); // the cover
    expect(q<{ cover_face_id: number | null }>('SELECT cover_face_id FROM people WHERE id = ?', elodie)[0]!.cover_face_id).toBeNull();
  });

  it('undo puts back a label that a newer decision replaced', async () => {
    const [a, b] = [lib.faceIds[1]![0]!, lib.faceIds[3]![0]!];
    await ok('review.answer', { faceA: a, faceB: b, answer: 'different' });
    expect(q<{ same: number }>('SELECT same FROM labels WHERE face_a = ? AND face_b = ?', a, b)[0]!.same).toBe(0);
    await ok('review.answer', { faceA: a, faceB: b, answer: 'same' });
    expect(q<{ same: number }>('SELECT same FROM labels WHERE face_a = ? AND face_b = ?', a, b)[0]!.same).toBe(1);
    expect(personOf(b)).toBe(personOf(a));
    await ok('actions.undo');
    expect(q<{ same: number; source: string }>('SELECT same, source FROM labels WHERE face_a = ? AND face_b = ?', a, b)[0]).toMatchObject({ same: 0, source: 'review.different' });
    expect(personOf(b)).toBe(lib.personIds[3]);
    await ok('actions.undo');
    expect(q('SELECT * FROM labels WHERE face_a = ? AND face_b = ?', a, b)).toHaveLength(0);
  });

  it('asks first about two people who look alike, never about labelled pairs', async () => {
    const { pair, remaining } = await ok('review.next');
    expect(remaining).toBeGreaterThan(0);
    expect(pair.samePerson).toBe(false);
    const people = new Set([pair.a.personId, pair.b.personId]);
    expect(people).toEqual(new Set([lib.personIds[1], lib.personIds[3]]));
    expect(Math.abs(pair.distance - pair.threshold)).toBeLessThan(0.15);
    // Why, in photos: one answer merges or separates both people's photos.
    const photosOf = (person: number): number => q<{ n: number }>('SELECT COUNT(DISTINCT photo_id) AS n FROM faces WHERE person_id = ?', person)[0]!.n;
    expect(pair.reason).toEqual({ kind: 'may-be-one-person', photos: photosOf(lib.personIds[1]!) + photosOf(lib.personIds[3]!) });
    expect(pair.reason.kind === 'may-be-one-person' && pair.reason.photos).toBeGreaterThan(2);

    // "different": stored, and no pair across these two people is asked again.
    await ok('review.answer', { faceA: pair.a.faceId, faceB: pair.b.faceId, answer: 'different' });
    const label = q<{ source: string; same: number }>('SELECT source, same FROM labels WHERE face_a = ? AND face_b = ?', Math.min(pair.a.faceId, pair.b.faceId), Math.max(pair.a.faceId, pair.b.faceId));
    expect(label[0]).toEqual({ source: 'review.different', same: 0 });
    const next = await ok('review.next');
    if (next.pair) expect(new Set([next.pair.a.personId, next.pair.b.personId])).not.toEqual(people);
    await ok('actions.undo');
    expect((await ok('review.next')).pair).toEqual(pair);
  });

  it('"skip" sends the pair to the end; "same" merges the two people', async () => {
    const first = (await ok('review.next')).pair;
    await ok('review.answer', { faceA: first.a.faceId, faceB: first.b.faceId, answer: 'skip' });
    const second = (await ok('review.next')).pair;
    expect([second.a.faceId, second.b.faceId]).not.toEqual([first.a.faceId, first.b.faceId]);
    await ok('actions.undo');

    await ok('review.answer', { faceA: first.a.faceId, faceB: first.b.faceId, answer: 'same' });
    expect(personOf(first.a.faceId)).toBe(personOf(first.b.faceId));
    const merged = q<{ n: number }>('SELECT count(*) AS n FROM faces WHERE person_id = ?', personOf(first.a.faceId))[0]!.n;
    expect(merged).toBe(6);
    await ok('actions.undo');
    expect(personOf(first.a.faceId)).not.toBe(personOf(first.b.faceId));
  });

  it('a "different" answer inside one person takes the worse-fitting face out', async () => {
    const [a, b] = lib.faceIds[0]!;
    await ok('review.answer', { faceA: a, faceB: b, answer: 'different' });
    const moved = [a!, b!].filter((f) => personOf(f) !== lib.personIds[0]);
    expect(moved).toHaveLength(1);
    await ok('actions.undo');
    expect(personOf(a!)).toBe(lib.personIds[0]);
    expect(personOf(b!)).toBe(lib.personIds[0]);
  });

  it('undo refuses an action that is not the newest, and says when nothing is left', async () => {
    await ok('people.setHidden', { personId: lib.personIds[1], hidden: true });
    await ok('people.setHidden', { personId: lib.personIds[1], hidden: false });
    const [newest, older] = (await ok('actions.list')).actions;
    expect((await err('actions.undo', { actionId: older.id })).code).toBe('conflict');
    await ok('actions.undo', { actionId: newest.id });
    await ok('actions.undo');
    expect(q<{ hidden: number }>('SELECT hidden FROM people WHERE id = ?', lib.personIds[1])[0]!.hidden).toBe(0);
    while ((await ok('actions.undo')).undone !== null);
    expect((await ok('actions.list')).actions).toEqual([]);
    expect((await ok('actions.undo')).undone).toBeNull();
  });

  it('serves images by id only, and never a photo outside the library folder', async () => {
    const face = await host.media('face', lib.faceIds[0]![0]!);
    expect(face.type).toBe('image/jpeg');
    expect(face.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    await expect(host.media('photo', lib.photoIds[0]![0]!)).rejects.toMatchObject({ code: 'not_found' }); // seeded photos have no file
    lib.app.db.prepare('UPDATE photos SET path = ? WHERE id = ?').run('/etc/passwd', lib.photoIds[0]![1]);
    await expect(host.media('photo', lib.photoIds[0]![1]!)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(host.media('face', lib.faceIds[0]![1]!)).rejects.toMatchObject({ code: 'forbidden' }); // a face only with its photo
    await expect(host.media('face', 987_654)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('says why a photo cannot be shown', async () => {
    expect((await ok('photos.get', { photoId: lib.photoIds[0]![0]! })).unavailable).toMatch(/is not there any more: it was moved or deleted/);
    expect((await ok('photos.get', { photoId: lib.photoIds[0]![1]! })).unavailable).toMatch(/^The file \/etc\/passwd lies outside the library's folders/);
    lib.app.db.prepare('UPDATE photos SET path = ? WHERE id = ?').run(path.join(lib.folder, 'back.jpg'), lib.photoIds[0]![1]);
  });

  it('adds and removes folders, saying what it did; a removed folder\'s photos leave the people and come back with it', async () => {
    const second = tempDir('api-second');
    const added = await ok('library.addFolder', { folder: second });
    expect(added.notice).toBe(`${second} is in the library now: scan it to find its faces.`);
    expect(added.library.folders.map((f) => f.path)).toEqual([lib.folder, second]);
    expect((await ok('library.addFolder', { folder: second })).notice).toBe(`${second} is already in the library.`);

    const people = (await ok('people.list', { includeHidden: true })).people.length;
    const removed = await ok('library.removeFolder', { folder: lib.folder });
    expect(removed.notice).toMatch(/is no longer in the library: its \d+ photos left the people\. Names and answers about them are kept/);
    expect(removed.library.folders.map((f) => f.path)).toEqual([second]);
    expect(removed.library.photos.removed).toBeGreaterThan(0);
    expect((await ok('people.list', { includeHidden: true })).people).toEqual([]);
    expect((await err('library.removeFolder', { folder: lib.folder })).message).toMatch(/is not one of the library's folders/);
    // Seeded photos have no file: a rescan would find them gone, so their rows come back as they were.
    lib.app.db.prepare("UPDATE photos SET status = 'done'").run();
    await ok('library.addFolder', { folder: lib.folder });
    expect((await ok('people.list', { includeHidden: true })).people).toHaveLength(people);
  });
});
