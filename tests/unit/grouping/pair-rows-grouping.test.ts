import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';
import { DESCRIPTOR_DIMS } from '../../../src-main/core/analysis/descriptor.js';
import { SEED_EMBEDDING_DIM } from '../../../src-main/core/embedding/seed/seed-architecture.js';
import { SeedEmbeddingService } from '../../../src-main/core/embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from '../../../src-main/core/grouping/candidate-pair-head.js';
import { GroupingService } from '../../../src-main/core/grouping/grouping.service.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { FaceDb } from '../../support/face-db.js';

// A scan's grouping reads the seed pair head's projections of the faces it compares from the
// library's cache (grouping/pair-rows-<model>/) and computes them only for new faces. Scans
// grouped with that cache kept, deleted before each scan, or cut short before each scan must end
// exactly alike, every user decision kept.

const libs: FaceDb[] = [];
afterEach(() => {
  for (const l of libs.splice(0)) l.close();
});

type CacheCase = 'kept' | 'deleted' | 'cut short';

async function scans(cache: CacheCase): Promise<{ state: unknown; decisions: () => void; pairRows: string }> {
  const lib = new FaceDb('pair-rows');
  libs.push(lib);
  const cacheDir = path.join(path.dirname(lib.file), 'library.cache');
  const seed = new SeedEmbeddingService(lib.faces, lib.embeddings, cacheDir);
  const keys = (await seed.modelKeys())!;
  const seedModel = lib.faces.modelId(keys.key, 'extractor', SEED_EMBEDDING_DIM);
  const pairRows = path.join(cacheDir, 'grouping', `pair-rows-${seedModel}`);
  const grouping = new GroupingService(lib.faces, lib.people, lib.labels, new FusedCandidatePairHead(seed), undefined, undefined, undefined, cacheDir);
  const r = new Rng(33);
  const gauss = (): number => Math.sqrt(-2 * Math.log(r.next() + 1e-12)) * Math.cos(2 * Math.PI * r.next());
  // Look-alike people: descriptors close enough to be candidates, seed embeddings that tell some apart.
  const people = Array.from({ length: 6 }, () => ({
    d: Float32Array.from({ length: DESCRIPTOR_DIMS }, () => gauss() * 0.03),
    s: Float32Array.from({ length: SEED_EMBEDDING_DIM }, () => Math.abs(gauss()) * 0.09),
  }));
  const add = (count: number): number[] =>
    Array.from({ length: count }, (_, i) => {
      const p = people[(i * 5 + count) % people.length]!;
      const id = lib.addFace(Float32Array.from(p.d, (v) => v + gauss() * 0.025));
      lib.embeddings.put(seedModel, [{ faceId: id, vector: Float32Array.from(p.s, (v) => Math.max(0, v + gauss() * 0.05)) }]);
      return id;
    });
  const beforeScan = (): void => {
    if (!existsSync(pairRows)) return;
    for (const f of readdirSync(pairRows)) {
      const file = path.join(pairRows, f);
      if (cache === 'deleted') rmSync(file);
      // Cut short (a crash while it was written, a full disk).
      if (cache === 'cut short') writeFileSync(file, readFileSync(file).subarray(0, 1000));
    }
  };
  const first = add(36);
  beforeScan();
  await grouping.groupNewFaces();
  const ana = lib.addPerson({ name: 'Ana' });
  lib.db.prepare("UPDATE faces SET person_id = ?, assigned_by = 'user' WHERE id IN (?, ?)").run(ana, first[0]!, first[6]!);
  lib.labels.record(first[1]!, first[7]!, false, 'review');
  lib.labels.record(first[2]!, first[14]!, true, 'review');
  add(20);
  beforeScan();
  await grouping.groupNewFaces();
  // A face analysed again: a new seed embedding (the cached rows of the others no longer hold).
  lib.embeddings.put(seedModel, [{ faceId: first[4]!, vector: Float32Array.from(people[3]!.s) }]);
  add(12);
  beforeScan();
  await grouping.groupNewFaces();
  const state = {
    faces: lib.db.prepare('SELECT id, person_id, assigned_by FROM faces ORDER BY id').all(),
    people: lib.db.prepare('SELECT id, name, hidden FROM people ORDER BY id').all(),
  };
  const decisions = (): void => {
    expect(lib.personOf(first[0]!)).toBe(ana);
    expect(lib.personOf(first[6]!)).toBe(ana);
    expect(lib.people.find(ana)!.name).toBe('Ana');
    expect(lib.labelOf(first[1]!, first[7]!)).toMatchObject({ same: 0 });
    expect(lib.labelOf(first[2]!, first[14]!)).toMatchObject({ same: 1 });
  };
  await seed.dispose();
  return { state, decisions, pairRows };
}

describe('grouping through the cache of the pair head projections', () => {
  it('ends exactly alike with the cache kept, deleted or cut short before each scan, every decision kept', async () => {
    const kept = await scans('kept');
    expect(readdirSync(kept.pairRows).filter((f) => f.endsWith('.bin')).length).toBeGreaterThan(0); // the cache was used
    const deleted = await scans('deleted');
    const cut = await scans('cut short');
    expect(kept.state).toEqual(deleted.state);
    expect(kept.state).toEqual(cut.state);
    for (const run of [kept, deleted, cut]) run.decisions();
    // Faces were grouped together (not vacuous).
    const persons = (kept.state as { faces: Array<{ person_id: number | null }> }).faces.map((f) => f.person_id);
    expect(new Set(persons).size).toBeLessThan(persons.length / 2);
  });
});
