import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { apiCalls } from '../support/api-calls.js';
import { tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary, type SeededLibrary } from '../support/seed-library.js';

// photos.list and photos.months over a library written directly (each face on a photo of its
// own): windows that page through every photo, and filters by person id.

let lib: SeededLibrary;
let host: ApiHost;
const { ok, err } = apiCalls(() => host);

beforeAll(async () => {
  const dir = tempDir('photos-api');
  const rand = rng(3);
  lib = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), [
    { name: 'Alice', vectors: personVectors(rand, 7).vectors },
    { vectors: personVectors(rand, 5).vectors },
    { name: 'Bob', hidden: true, vectors: personVectors(rand, 3).vectors },
  ]);
  host = createApiHost(lib.app, { version: 'test' });
});

afterAll(async () => {
  await host.dispose();
  lib.app.close();
});

describe('photos in the API', () => {
  it('pages through every photo, newest first, in windows that add up to the whole', async () => {
    const whole = await ok('photos.list', { limit: 500 });
    const all = lib.app.photos.countByStatus().done;
    expect(whole.total).toBe(all);
    expect(whole.photos).toHaveLength(all);
    expect(whole.photos.map((p) => p.date)).toEqual(whole.photos.map((p) => p.date).sort().reverse());
    const windows = [];
    for (let offset = 0; offset < all; offset += 4) windows.push(...(await ok('photos.list', { offset, limit: 4 })).photos);
    expect(windows.map((p) => p.id)).toEqual(whole.photos.map((p) => p.id));
    const months = await ok('photos.months', {});
    expect(months.total).toBe(all);
    expect(months.months.reduce((n, m) => n + m.photos, 0)).toBe(all);
  });

  it('filters by people, and names who is in each photo', async () => {
    const [alice, unnamed, bob] = lib.personIds;
    const withAlice = await ok('photos.list', { withPeople: [alice!] });
    expect(withAlice.total).toBe(7);
    expect(withAlice.photos.every((p) => p.people.length === 1 && p.people[0]!.name === 'Alice' && p.faces === 1)).toBe(true);
    expect(withAlice.photos.map((p) => p.id).sort()).toEqual([...lib.photoIds[0]!].sort());
    expect((await ok('photos.list', { withPeople: [alice!, bob!] })).total).toBe(0);
    expect((await ok('photos.list', { withoutPeople: [alice!] })).total).toBe(8);
    const unnamedPhotos = await ok('photos.list', { unnamed: true });
    expect(unnamedPhotos.photos.map((p) => p.id).sort()).toEqual([...lib.photoIds[1]!].sort());
    expect(unnamedPhotos.photos[0]).toMatchObject({ people: [], unnamedFaces: 1 });
    expect((await ok('photos.list', { withPeople: [unnamed!], unnamed: true })).total).toBe(5);
  });

  it('refuses windows too large and parameters it does not know', async () => {
    expect((await err('photos.list', { limit: 501 })).message).toMatch(/At most 500 photos/);
    expect((await err('photos.list', { offset: -1 })).code).toBe('invalid_params');
    expect((await err('photos.months', { withPeople: ['Alice'] })).code).toBe('invalid_params');
    expect((await err('photos.months', { people: [1] })).code).toBe('invalid_params');
    expect((await err('photos.list', { people: [1] })).code).toBe('invalid_params');
  });
});
