import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreGrouping } from '../../src-main/core/grouping/grouping-metrics.js';
import { runCli, runCliJson, startCli } from '../support/cli.js';
import { IDENTITIES, tempDir } from '../support/paths.js';
import { snapshotFolder } from '../support/snapshot.js';
import { loadTruth } from '../../src-main/core/benchmarks/folder-truth.js';

interface Person {
  id: number;
  name: string | null;
  faces: Array<{ faceId: number; photo: string; box: [number, number, number, number]; score: number }>;
}

describe('facepair scan on 61 photos of 13 known people', () => {
  const db = path.join(tempDir('identities'), 'library.db');
  const before = snapshotFolder(IDENTITIES);
  let summary: { photos: number; faces: number; people: number; errors: number; seconds: number };
  let people: Person[];

  beforeAll(() => {
    summary = runCliJson(['scan', IDENTITIES, '--db', db]);
    people = runCliJson(['people', '--db', db]);
  });

  it('indexes every photo and finds a face in each', () => {
    expect(summary.photos).toBe(61);
    expect(summary.errors).toBe(0);
    expect(summary.faces).toBeGreaterThanOrEqual(61);
    const status = runCliJson<{ photos: Record<string, number>; faces: number; errors: unknown[] }>(['status', '--db', db]);
    expect(status.photos.done).toBe(61);
    expect(status.errors).toEqual([]);
  });

  it('groups the photos into people with precision ≥ 0.95 and recall ≥ 0.8', () => {
    const truthOf = loadTruth(path.join(IDENTITIES, 'identities.csv'));
    // One face per photo here: each photo counts once, through its best-scoring face.
    const best = new Map<string, { person: number; score: number }>();
    for (const p of people) {
      for (const f of p.faces) {
        const cur = best.get(f.photo);
        if (!cur || f.score > cur.score) best.set(f.photo, { person: p.id, score: f.score });
      }
    }
    const photos = [...best.keys()];
    const s = scoreGrouping(photos.map((p) => best.get(p)!.person), photos.map((p) => truthOf(p)!));
    console.info(`identities grouping: pairwise precision ${s.pairwisePrecision.toFixed(3)}, recall ${s.pairwiseRecall.toFixed(3)}, BCubed F ${s.bcubedF.toFixed(3)}`);
    expect(photos).toHaveLength(61);
    expect(s.pairwisePrecision).toBeGreaterThanOrEqual(0.95);
    expect(s.pairwiseRecall).toBeGreaterThanOrEqual(0.8);
  });

  it('lists people largest first in the documented JSON shape', () => {
    for (let i = 1; i < people.length; i++) expect(people[i - 1]!.faces.length).toBeGreaterThanOrEqual(people[i]!.faces.length);
    const face = people[0]!.faces[0]!;
    expect(Object.keys(people[0]!).sort()).toEqual(['faces', 'id', 'name']);
    expect(Object.keys(face).sort()).toEqual(['box', 'faceId', 'photo', 'score']);
    expect(path.isAbsolute(face.photo)).toBe(true);
    expect(face.box).toHaveLength(4);
    expect(face.box[2]).toBeGreaterThan(20);
  });

  it('never writes into the photo folder', () => {
    expect(snapshotFolder(IDENTITIES)).toEqual(before);
  });

  it('stops quietly when its reader leaves early (`facepair people | head -1`)', async () => {
    const child = startCli(['people', '--db', db]);
    child.stdout!.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('rescanning an unchanged folder analyses nothing again', () => {
    const again = runCliJson<{ analysis: { done: number }; index: { unchanged: number }; people: number }>(['scan', IDENTITIES, '--db', db]);
    expect(again.analysis.done).toBe(0);
    expect(again.index.unchanged).toBe(61);
    expect(again.people).toBe(summary.people);
  });
});

describe('command-line errors', () => {
  it('refuses a missing folder with a clear message and a non-zero exit', () => {
    const r = runCli(['scan', '/no/such/folder', '--db', path.join(tempDir('err'), 'x.db')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/does not exist/);
  });

  it('refuses a missing database for people and status', () => {
    for (const cmd of ['people', 'status']) {
      const r = runCli([cmd, '--db', path.join(tempDir('err'), 'none.db')]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/no FacePair database/);
    }
  });

  it('refuses a file that is not a database', () => {
    const file = path.join(tempDir('err'), 'notes.db');
    writeFileSync(file, 'not sqlite at all, just some text that is long enough to have a header '.repeat(20));
    const r = runCli(['status', '--db', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Cannot (use|open) the database/);
  });

  it('prints help', () => {
    const r = runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scan/);
    expect(r.stdout).toMatch(/people/);
  });
});
