import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { apiCalls } from '../support/api-calls.js';
import { tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary, type SeededLibrary } from '../support/seed-library.js';

// The window's "Export names as XMP…": tags.export through the API host, as the People screen
// calls it. Named people are written, hidden and unnamed ones are not; bad choices are refused.

let lib: SeededLibrary;
let host: ApiHost;
let dir: string;
const { ok, err } = apiCalls(() => host);

beforeAll(async () => {
  dir = tempDir('tags-api');
  const rand = rng(11);
  lib = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), [
    { name: 'Alice', vectors: personVectors(rand, 3).vectors },
    { name: 'Élodie', hidden: true, vectors: personVectors(rand, 2).vectors },
    { vectors: personVectors(rand, 2).vectors },
  ]);
  host = createApiHost(lib.app, { version: 'test' });
});

afterAll(async () => {
  await host.dispose();
  lib.app.close();
});

describe('tags.export', () => {
  it('previews without writing: the photos of named people who are not hidden', async () => {
    const r = await ok('tags.export', { destination: 'mirror', dryRun: true });
    expect(r).toMatchObject({ dryRun: true, destination: 'mirror', photos: 3, regions: 3, counts: { created: 3, merged: 0, updated: 0, unchanged: 0, skipped: 0 }, skipped: [] });
    expect(r.out).toBe(path.join(dir, 'library.xmp'));
    expect(existsSync(r.out!)).toBe(false);
  });

  it('writes Lightroom-named sidecars into the chosen folder that exiftool reads, then finds them unchanged', async () => {
    const out = path.join(dir, 'mirror');
    const r = await ok('tags.export', { destination: 'mirror', out, lightroomNames: true });
    expect(r.counts.created).toBe(3);
    expect(readdirSync(out).sort()).toEqual(['p1.xmp', 'p2.xmp', 'p3.xmp']);
    const [tags] = JSON.parse(execFileSync('/usr/bin/exiftool', ['-j', '-struct', path.join(out, 'p1.xmp')], { encoding: 'utf8' })) as Array<{
      RegionInfo: { AppliedToDimensions: { W: number; H: number }; RegionList: Array<{ Name: string; Area: { X: number; Y: number; W: number; H: number } }> };
    }>;
    // The seeded face: 100x120 at (150, 80) in a 400x300 photo.
    expect(tags!.RegionInfo.AppliedToDimensions).toMatchObject({ W: 400, H: 300 });
    expect(tags!.RegionInfo.RegionList).toEqual([expect.objectContaining({ Name: 'Alice', Area: expect.objectContaining({ X: 0.5, Y: 0.466667, W: 0.25, H: 0.4 }) })]);
    const again = await ok('tags.export', { destination: 'mirror', out, lightroomNames: true });
    expect(again.counts).toEqual({ created: 0, merged: 0, updated: 0, unchanged: 3, skipped: 0 });
  });

  it('refuses an output folder with sidecars beside the photos, and an empty folder', async () => {
    expect((await err('tags.export', { destination: 'beside', out: dir })).code).toBe('invalid_params');
    expect((await err('tags.export', { destination: 'mirror', out: '' })).code).toBe('invalid_params');
    expect((await err('tags.export', { destination: 'elsewhere' })).code).toBe('invalid_params');
  });
});
