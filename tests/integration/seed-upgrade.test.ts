import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSeedModelDir } from '../../src-main/core/embedding/seed/seed-embedder.js';
import { seedModelKeys } from '../../src-main/core/embedding/seed/seed-model-key.js';
import type { ScanSummary } from '../../src-main/core/scan/scan-pipeline.js';
import { copyInto } from '../support/bad-files.js';
import { runCliJson } from '../support/cli.js';
import { decisionPhotos, decisionRows, facesIn, makeUpgradeDecisions, readRows, withApp, type FaceState } from '../support/library-rows.js';
import { GROUPS, tempDir } from '../support/paths.js';

// A library embedded by the seed model under another embedding setting (the views a face is
// averaged over: today's shipped setting or the one before it), worked on by its user (names,
// merges, "not this person", a cover, review answers), then scanned with the shipped model:
// the embedding key differs, so every face is embedded again, and only that: no photo is read
// again, and every decision stays on the same face ids.

interface ManifestViews {
  flipAverage?: boolean;
  shiftAverage?: number;
}

/** What the user decided, row by row: faces they placed or that belong to a named person, people, labels, actions. */
function decisionsIn(dbFile: string): unknown {
  const named = new Set(readRows<{ id: number }>(dbFile, 'SELECT id FROM people WHERE name IS NOT NULL').map((p) => p.id));
  return {
    faces: facesIn(dbFile)
      .filter((f) => f.assigned_by === 'user' || (f.person_id !== null && named.has(f.person_id)))
      .map(({ id, file, person_id, assigned_by }) => ({ id, file, person_id, assigned_by })),
    ...decisionRows(dbFile, 'SELECT id, name, hidden, cover_face_id FROM people WHERE name IS NOT NULL OR hidden = 1 ORDER BY id'),
  };
}

/** Seed embeddings per model key. */
const embeddingsByKey = (dbFile: string): Record<string, number> =>
  Object.fromEntries(
    readRows<{ key: string; n: number }>(dbFile, "SELECT m.key, COUNT(*) AS n FROM embeddings e JOIN models m ON m.id = e.model_id WHERE m.kind = 'extractor' GROUP BY m.key").map((r) => [r.key, r.n]),
  );

describe('changing the seed embedding setting re-embeds every face and keeps every decision', () => {
  const root = tempDir('seed-upgrade');
  const lib = path.join(root, 'photos');
  const db = path.join(root, 'data', 'library.db');
  // The shipped model with the other embedding setting: shift-averaged if the shipped one is not, else not.
  const oldModel = path.join(root, 'models', 'v6');
  const files: Record<string, string> = { ...decisionPhotos(), 'party.jpg': path.join(GROUPS, 'dlib-examples-faces', '2008_002470.jpg') };
  let oldKey: string;
  let newKey: string;
  let firstFaces: FaceState[];
  let before: unknown;
  let upgrade: ScanSummary;

  beforeAll(async () => {
    cpSync(defaultSeedModelDir(), oldModel, { recursive: true });
    const manifestFile = path.join(oldModel, 'seed.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as ManifestViews;
    if (manifest.shiftAverage === undefined) Object.assign(manifest, { flipAverage: true, shiftAverage: 6 });
    else delete manifest.shiftAverage;
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    oldKey = (await seedModelKeys(oldModel)).key;
    newKey = (await seedModelKeys(defaultSeedModelDir())).key;
    expect(oldKey).not.toBe(newKey);

    for (const [name, file] of Object.entries(files)) copyInto(lib, file, name);
    const first = runCliJson<ScanSummary>(['scan', lib, '--db', db], { FACEPAIR_SEED_MODEL: oldModel });
    expect(first.seedEmbedding.model).toBe(oldKey);
    firstFaces = facesIn(db);

    await withApp(db, (app) => makeUpgradeDecisions(app, firstFaces));
    before = decisionsIn(db);
    expect(embeddingsByKey(db)).toEqual({ [oldKey]: firstFaces.length });

    upgrade = runCliJson<ScanSummary>(['scan', lib, '--db', db]);
  });

  it('reads no photo again and embeds every face again under the new key, dropping the old vectors', () => {
    expect(upgrade.analysis.done).toBe(0);
    expect(upgrade.seedEmbedding).toMatchObject({ model: newKey, embedded: firstFaces.length, failed: 0 });
    expect(embeddingsByKey(db)).toEqual({ [newKey]: firstFaces.length });
  });

  it('keeps every face id, and every decided face, person, name, cover, label and action', () => {
    expect(facesIn(db).map(({ id, file, x, y, w, h, lost_at }) => ({ id, file, x, y, w, h, lost_at }))).toEqual(
      firstFaces.map(({ id, file, x, y, w, h, lost_at }) => ({ id, file, x, y, w, h, lost_at })),
    );
    expect(decisionsIn(db)).toEqual(before);
  });

  it('embeds nothing on the next scan', () => {
    const again = runCliJson<ScanSummary>(['scan', lib, '--db', db]);
    expect(again.analysis.done).toBe(0);
    expect(again.seedEmbedding.embedded).toBe(0);
  });
});
