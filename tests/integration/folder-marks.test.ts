import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiHost } from '../../src-main/core/api/api-host.js';
import { createApp } from '../../src-main/core/app.js';
import { runCli } from '../support/cli.js';
import { indexWithoutFaces } from '../support/duplicates-library.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

// Reference and preferred folders, through the CLI and the API: a folder marked reference
// never has a photo proposed for the trash (and `--trash` leaves it in place, saying why), a
// copy there is kept over an equal one, a larger copy elsewhere is not lost for it; a preferred
// folder breaks the tie between equal copies. Marks are validated and listed. The library is
// indexed by the product's own code without the face analysis (duplicates need none); the
// trash is a temporary XDG_DATA_HOME, never the real one.

interface Group {
  id: string;
  class: string;
  keeper: number;
  files: Array<{ photoId: number; path: string; reason: string }>;
}

const root = tempDir('marks');
const photos = path.join(root, 'photos');
const db = path.join(root, 'library.db');
const env = { XDG_DATA_HOME: path.join(root, 'xdg') };
const ref = path.join(photos, 'Archive (reference)');
const inbox = path.join(photos, 'inbox');
const keep = path.join(photos, 'keep these');

const refA = path.join(ref, 'a.jpg');
const refA2 = path.join(ref, 'a again.jpg');
const inboxA = path.join(inbox, 'a.jpg');
const bigB = path.join(inbox, 'b big.jpg');
const refSmallB = path.join(ref, 'b small.jpg');
const inboxC = path.join(inbox, 'c.jpg');
const keepC = path.join(keep, 'c copy with a longer name.jpg');

const list = (): Group[] => {
  const r = runCli(['duplicates', '--db', db, '--json'], env);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Group[];
};
const groupOf = (file: string): Group => list().find((g) => g.class !== 'similar' && g.files.some((f) => f.path === file))!;
const fileOf = (g: Group, file: string): Group['files'][number] => g.files.find((f) => f.path === file)!;
const keeperOf = (g: Group): string => g.files.find((f) => f.photoId === g.keeper)!.path;

beforeAll(async () => {
  for (const d of [ref, inbox, keep]) mkdirSync(d, { recursive: true });
  for (const f of [refA, refA2, inboxA]) copyFileSync(path.join(IDENTITIES, 'id01/img1.jpg'), f);
  copyFileSync(path.join(IDENTITIES, 'id02/img26.jpg'), bigB);
  const meta = await sharp(bigB).metadata();
  await sharp(bigB).rotate().resize(Math.round((meta.width ?? 800) * 0.6)).jpeg({ quality: 75 }).toFile(refSmallB);
  for (const f of [inboxC, keepC]) copyFileSync(path.join(IDENTITIES, 'id05/img13.jpg'), f);
  const t = new Date('2024-05-01T12:00:00Z');
  for (const f of [refA, refA2, inboxA, inboxC, keepC]) utimesSync(f, t, t);
  const app = createApp({ dbFile: db });
  try {
    await indexWithoutFaces(app, photos);
  } finally {
    app.close();
  }
}, 300_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('reference and preferred folders', () => {
  it('refuses a mark without one role, on a folder outside the library or missing', () => {
    const none = runCli(['folders', 'mark', ref, '--db', db], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/Say how to mark the folder: --reference, --preferred or --normal/);
    expect(runCli(['folders', 'mark', ref, '--reference', '--preferred', '--db', db], env).stderr).toMatch(/Choose one of --reference, --preferred, not several/);
    const outside = runCli(['folders', 'mark', root, '--reference', '--db', db], env);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/is not in the library's folders .*: only a library folder or a folder inside one can be marked/);
    expect(runCli(['folders', 'mark', path.join(photos, 'nowhere'), '--reference', '--db', db], env).stderr).toMatch(/does not exist/);
    expect(runCli(['folders', 'list', '--db', db, '--json'], env).stdout).toContain('"marks": []');
  });

  it('without marks, proposes the copies in the folder that will be the reference for the trash', () => {
    const a = groupOf(inboxA);
    expect(a.files.filter((f) => f.photoId !== a.keeper).some((f) => f.path.startsWith(ref + path.sep))).toBe(true);
    expect(keeperOf(groupOf(inboxC))).toBe(inboxC);
  });

  it('marks a folder as reference, lists it, and never proposes its copies for the trash', () => {
    const r = runCli(['folders', 'mark', ref, '--reference', '--db', db], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/is a reference folder: its photos are never proposed for the trash/);
    const listed = runCli(['folders', 'list', '--db', db], env).stdout;
    expect(listed).toContain(`Marked folders inside them:\n  ${ref}  (3 photos)  [reference: never proposed for the trash]`);
    const json = JSON.parse(runCli(['folders', 'list', '--db', db, '--json'], env).stdout) as { marks: unknown };
    expect(json.marks).toEqual([{ path: ref, mark: 'reference', photos: 3 }]);

    // Three exact copies, two in the reference folder: one of those is kept, the other stays too.
    const a = groupOf(inboxA);
    expect([refA, refA2]).toContain(keeperOf(a));
    // (the keeper's reason is against its runner-up, the other reference copy)
    expect(fileOf(a, keeperOf(a)).reason).toBe('keep: identical: the shorter path');
    const otherRef = keeperOf(a) === refA ? refA2 : refA;
    expect(fileOf(a, otherRef).reason).toBe('in a reference folder: never proposed for the trash');
    expect(fileOf(a, inboxA).reason).toBe('the keeper is in a reference folder');
    // A larger copy outside is kept rather than lost for a smaller reference copy, which stays.
    const b = groupOf(bigB);
    expect(keeperOf(b)).toBe(bigB);
    expect(fileOf(b, refSmallB).reason).toBe('in a reference folder: never proposed for the trash');

    const text = runCli(['duplicates', '--db', db], env).stdout;
    expect(text).toContain(`  ref   ${otherRef}`);
    expect(text).toContain(`  trash ${inboxA}`);
    expect(text).toContain(`  ref   ${refSmallB}`);
    expect(text).not.toContain(`  trash ${refSmallB}`);
  });

  it('--trash moves only the copies outside the reference folder and refuses the reference ones, saying why', () => {
    const a = groupOf(inboxA), b = groupOf(bigB);
    const r = runCli(['duplicates', '--db', db, '--trash', a.id, b.id, '--yes'], env);
    expect(r.code).toBe(3);
    const otherRef = keeperOf(a) === refA ? refA2 : refA;
    expect(r.stdout).toContain(`moved to the trash: ${inboxA}`);
    expect(r.stdout).toContain(`left in place: ${otherRef}: in a reference folder: never moved to the trash`);
    expect(r.stdout).toContain(`left in place: ${refSmallB}: in a reference folder: never moved to the trash`);
    expect(existsSync(inboxA)).toBe(false);
    for (const f of [refA, refA2, refSmallB, bigB]) expect(existsSync(f)).toBe(true);
    expect(readdirSync(path.join(root, 'xdg', 'Trash', 'files'))).toHaveLength(1);
  });

  it('keeps the copy in a preferred folder between equal copies', () => {
    const r = runCli(['folders', 'mark', keep, '--preferred', '--db', db], env);
    expect(r.stdout).toMatch(/is a preferred folder: between copies otherwise equal, the one in it is kept/);
    const c = groupOf(inboxC);
    expect(keeperOf(c)).toBe(keepC);
    expect(fileOf(c, keepC).reason).toBe('keep: in a preferred folder');
  });

  it('takes a mark away with --normal', () => {
    const r = runCli(['folders', 'mark', ref, '--normal', '--db', db], env);
    expect(r.stdout).toBe(`${ref} is a normal folder again (it was reference).\nTo undo: facepair folders undo --db ${JSON.stringify(db)}\n`);
    expect(runCli(['folders', 'mark', ref, '--normal', '--db', db], env).stdout).toBe(`${ref} had no mark.\n`);
    const b = groupOf(bigB);
    expect(fileOf(b, refSmallB).reason).toMatch(/^the keeper is larger/);
  });

  it('marks through the API, by folder or by a photo of it, and refuses both or neither', async () => {
    const app = createApp({ dbFile: db, mustExist: true });
    const host = new ApiHost(app, { version: 'test' });
    try {
      const before = await host.call('duplicates.list', {});
      if (!before.ok) throw new Error(before.error.message);
      const small = (before.result as { groups: Array<{ files: Array<{ photoId: number; fileName: string; reference: boolean }> }> }).groups
        .flatMap((g) => g.files)
        .find((f) => f.fileName === 'b small.jpg')!;
      expect(small.reference).toBe(false);
      const r = await host.call('library.markFolder', { photoId: small.photoId, mark: 'reference' });
      if (!r.ok) throw new Error(r.error.message);
      const result = r.result as { notice: string; library: { marks: unknown[] } };
      expect(result.notice).toMatch(/is a reference folder/);
      expect(result.library.marks).toEqual([{ path: ref, mark: 'reference', photos: 3 }, { path: keep, mark: 'preferred', photos: 1 }]);
      const after = await host.call('duplicates.list', {});
      if (!after.ok) throw new Error(after.error.message);
      const files = (after.result as { groups: Array<{ files: Array<{ fileName: string; reference: boolean; preferred: boolean }> }> }).groups.flatMap((g) => g.files);
      expect(files.find((f) => f.fileName === 'b small.jpg')!.reference).toBe(true);
      expect(files.find((f) => f.fileName === 'c copy with a longer name.jpg')!.preferred).toBe(true);

      const both = await host.call('library.markFolder', { folder: ref, photoId: small.photoId, mark: 'normal' });
      expect(!both.ok && both.error.message).toMatch(/Give either a folder or a photo, not both/);
      const neither = await host.call('library.markFolder', { mark: 'normal' });
      expect(!neither.ok && neither.error.code).toBe('invalid_params');
      const badMark = await host.call('library.markFolder', { folder: ref, mark: 'archive' });
      expect(!badMark.ok && badMark.error.code).toBe('invalid_params');
      const outside = await host.call('library.markFolder', { folder: root, mark: 'preferred' });
      expect(!outside.ok && outside.error.message).toMatch(/not in the library's folders/);
    } finally {
      await host.dispose();
      app.close();
    }
  });

  it("says which copies a trash moves with each keeper, and the trash goes by that answer", async () => {
    const app = createApp({ dbFile: db, mustExist: true });
    const host = new ApiHost(app, { version: 'test' });
    try {
      type ApiGroup = { id: string; copies: boolean; keeper: number; wastedBytes: number; files: Array<{ photoId: number; fileName: string; trashIfKept: number[] }> };
      const r = await host.call('duplicates.list', {});
      if (!r.ok) throw new Error(r.error.message);
      const b = (r.result as { groups: ApiGroup[] }).groups.find((g) => g.files.some((f) => f.fileName === 'b small.jpg'))!;
      const big = b.files.find((f) => f.fileName === 'b big.jpg')!, small = b.files.find((f) => f.fileName === 'b small.jpg')!;
      expect(b.copies).toBe(true);
      expect(b.keeper).toBe(big.photoId);
      // The small copy is in the reference folder: kept whatever is chosen, so nothing to free with the suggestion.
      expect(big.trashIfKept).toEqual([]);
      expect(small.trashIfKept).toEqual([big.photoId]);
      expect(b.wastedBytes).toBe(0);
      const t = await host.call('duplicates.trash', { groups: [{ id: b.id }], confirmed: true });
      if (!t.ok) throw new Error(t.error.message);
      expect(t.result).toMatchObject({ action: null, trashed: [], refused: [{ fileName: 'b small.jpg', reason: 'in a reference folder: never moved to the trash' }] });
      expect(existsSync(bigB) && existsSync(refSmallB)).toBe(true);
    } finally {
      await host.dispose();
      app.close();
    }
  });

  it('undoes a mark like any other edit, in the window and with `folders undo`, newest first', async () => {
    const marksNow = (): unknown => (JSON.parse(runCli(['folders', 'list', '--db', db, '--json'], env).stdout) as { marks: unknown }).marks;
    const app = createApp({ dbFile: db, mustExist: true });
    const host = new ApiHost(app, { version: 'test' });
    try {
      // The API test above made the reference folder a reference again (it had been made normal).
      const again = await host.call('library.markFolder', { folder: ref, mark: 'reference' });
      if (!again.ok) throw new Error(again.error.message);
      expect((again.result as { action: unknown }).action).toBeNull();
      const listed = await host.call('actions.list', { limit: 1 });
      if (!listed.ok) throw new Error(listed.error.message);
      expect((listed.result as { actions: Array<{ kind: string; summary: string }> }).actions[0]).toMatchObject({ kind: 'folders.mark', summary: `Marked ${ref} as reference (it was normal)` });
      const undone = await host.call('actions.undo', {});
      if (!undone.ok) throw new Error(undone.error.message);
      expect((undone.result as { undone: { summary: string } }).undone.summary).toBe(`Marked ${ref} as reference (it was normal). ${ref} is a normal folder again`);
      expect(marksNow()).toEqual([{ path: keep, mark: 'preferred', photos: 1 }]);
    } finally {
      await host.dispose();
      app.close();
    }

    const marked = runCli(['folders', 'mark', inbox, '--preferred', '--db', db], env);
    expect(marked.stdout).toMatch(/To undo: facepair folders undo --db /);
    expect(marksNow()).toEqual([{ path: inbox, mark: 'preferred', photos: 2 }, { path: keep, mark: 'preferred', photos: 1 }]);
    expect(runCli(['folders', 'undo', '--db', db], env).stdout).toBe(`Undone: Marked ${inbox} as preferred (it was normal). ${inbox} is a normal folder again\n`);
    // Then the older marks, newest first: the reference folder made normal comes back as reference…
    expect(runCli(['folders', 'undo', '--db', db], env).stdout).toMatch(/^Undone: Marked .* as a normal folder \(it was reference\)\. .* is a reference folder again\n$/);
    expect(marksNow()).toEqual([{ path: ref, mark: 'reference', photos: 3 }, { path: keep, mark: 'preferred', photos: 1 }]);
    // …the preferred folder loses its mark…
    runCli(['folders', 'undo', '--db', db], env);
    expect(marksNow()).toEqual([{ path: ref, mark: 'reference', photos: 3 }]);
    // …and the trash before them is not a mark: `folders undo` leaves it to the duplicates' undo.
    const refused = runCli(['folders', 'undo', '--db', db], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/The newest change is not a folder mark \("Moved 1 duplicate to the trash"\): undo it first/);
    expect(existsSync(inboxA)).toBe(false);
  });
});
