import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHost } from '../../src-main/core/api/api-host.js';
import { createApp } from '../../src-main/core/app.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary } from '../support/seed-library.js';

// A library on a read-only disk or in a read-only folder: the commands that only read work and
// leave every file as it was; the window opens it read-only, says so and stays browsable.
// Tests may run as root, which writes through permissions: FacePair honours the permission
// bits itself, and the checks below look at the files' bytes, which root would change too.

let source: string;
const dirs: string[] = [];

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A copy of the library in a folder of its own, in the given journal mode, then marked read-only. */
function readOnlyCopy(mode: 'wal' | 'delete'): { dir: string; file: string } {
  const dir = tempDir(`read-only-${mode}`);
  dirs.push(dir);
  const file = path.join(dir, 'library.db');
  copyFileSync(source, file);
  const db = new Database(file);
  db.pragma(`journal_mode = ${mode}`);
  db.close();
  chmodSync(file, 0o444);
  chmodSync(dir, 0o555);
  return { dir, file };
}

beforeAll(async () => {
  const dir = tempDir('read-only-source');
  const rand = rng(5);
  const lib = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), [
    { name: 'Ann', vectors: personVectors(rand, 3).vectors },
    { vectors: personVectors(rand, 2).vectors },
  ]);
  lib.app.close();
  source = path.join(dir, 'library.db');
});

afterAll(() => {
  for (const d of dirs) chmodSync(d, 0o755);
});

describe('a read-only library', () => {
  for (const mode of ['wal', 'delete'] as const) {
    it(`status, people, photos and duplicates read it (${mode} journal) and change no file`, () => {
      const { dir, file } = readOnlyCopy(mode);
      const before = { files: readdirSync(dir), hash: sha(file) };
      const status = runCli(['status', '--db', file, '--json']);
      expect(status.stderr).toBe('');
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ faces: 5, people: 2 });
      const people = runCli(['people', '--db', file, '--json']);
      expect(people.code).toBe(0);
      expect((JSON.parse(people.stdout) as Array<{ name: string | null }>).map((p) => p.name).sort()).toEqual(['Ann', null]);
      const list = runCli(['learn', '--list', '--db', file]);
      expect(list.code).toBe(0);
      const photos = runCli(['photos', '--db', file, '--json']);
      expect(photos.code).toBe(0);
      const duplicates = runCli(['duplicates', '--db', file, '--json']);
      expect(duplicates.stderr).toBe('');
      expect(duplicates.code).toBe(0);
      expect(Array.isArray(JSON.parse(duplicates.stdout))).toBe(true);
      expect(readdirSync(dir)).toEqual(before.files);
      expect(sha(file)).toBe(before.hash);
    });
  }

  it('the window opens it read-only: says so, lists people, and refuses edits with a clear message', async () => {
    const { dir, file } = readOnlyCopy('wal');
    const before = { files: readdirSync(dir), hash: sha(file) };
    const app = createApp({ dbFile: file, access: 'auto' });
    const host = createApiHost(app, { version: 'test' });
    try {
      const info = await host.call('app.info', {});
      expect(info).toMatchObject({ ok: true, result: { readOnly: expect.stringMatching(/read-only/) } });
      const list = await host.call('people.list', {});
      expect(list.ok).toBe(true);
      const people = (list as { result: { people: Array<{ id: number; name: string | null }> } }).result.people;
      expect(people).toHaveLength(2);
      const rename = await host.call('people.rename', { personId: people[1]!.id, name: 'Bea' });
      expect(rename).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringMatching(/read-only/) } });
      expect(await host.call('scan.start', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      expect((await host.call('library.get', {})).ok).toBe(true);
    } finally {
      await host.dispose();
      app.close();
    }
    expect(readdirSync(dir)).toEqual(before.files);
    expect(sha(file)).toBe(before.hash);
  });
});

describe('bad paths create nothing', () => {
  it('a scan of a folder that does not exist fails before any database is made', () => {
    const dir = tempDir('bad-folder');
    const db = path.join(dir, 'new', 'library.db');
    const r = runCli(['scan', path.join(dir, 'no-such-folder'), '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist/);
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a database under a file, or in a read-only folder, fails before anything is made', () => {
    const dir = tempDir('bad-db');
    dirs.push(dir);
    const photos = path.join(dir, 'photos');
    mkdirSync(photos);
    writeFileSync(path.join(dir, 'a-file'), 'x');
    const underFile = runCli(['scan', photos, '--db', path.join(dir, 'a-file', 'sub', 'library.db')]);
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toMatch(/is not a folder/);
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    const inLocked = runCli(['scan', photos, '--db', path.join(locked, 'sub', 'library.db')]);
    expect(inLocked.code).toBe(1);
    expect(inLocked.stderr).toMatch(/read-only/);
    expect(readdirSync(locked)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'locked', 'photos']);
  });
});
