import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';
import { dropUnusedRowDirs, readDerivedRows, MAX_CHUNKS, type DerivedRowsSpec } from '../../../src-main/core/db/derived-rows.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { FaceDb } from '../../support/face-db.js';

// Grouping keeps the seed pair head's projections of every face in the library's cache
// (db/derived-rows.ts) and computes them only for faces the cache lacks. A pure cache: whatever
// changed the stored vectors, and whatever happened to the files (deleted, cut short, left
// from an older state, made by another head), what it gives must be what computing every row
// from the database gives.

const DIMS = 6;
const libs: FaceDb[] = [];
afterEach(() => {
  for (const l of libs.splice(0)) l.close();
});

interface Setup {
  lib: FaceDb;
  model: number;
  dir: string;
  /** Vectors computed so far (the cache is used: fewer than asked for). */
  derived: { count: number };
  spec: (key?: string, dir?: string | null) => DerivedRowsSpec;
  vector: () => Float32Array;
}

function setup(): Setup {
  const lib = new FaceDb('derived-rows');
  libs.push(lib);
  const model = lib.faces.modelId('test-extractor:1', 'extractor', DIMS);
  const dir = path.join(path.dirname(lib.file), 'cache', 'rows');
  const r = new Rng(5);
  const derived = { count: 0 };
  // A row per vector: its own values, doubled, and their sum (what it is computed from is what comes back).
  const spec = (key = 'head-a', at: string | null = dir): DerivedRowsSpec => ({
    modelId: model,
    dims: DIMS,
    rowDims: DIMS + 1,
    key,
    dir: at,
    derive: async (vectors, n) => {
      derived.count += n;
      const out = new Float32Array(n * (DIMS + 1));
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let d = 0; d < DIMS; d++) {
          out[i * (DIMS + 1) + d] = vectors[i * DIMS + d]! * (key === 'head-a' ? 2 : 3);
          s += vectors[i * DIMS + d]!;
        }
        out[i * (DIMS + 1) + DIMS] = s;
      }
      return out;
    },
  });
  const vector = (): Float32Array => Float32Array.from({ length: DIMS }, () => r.next());
  return { lib, model, dir, derived, spec, vector };
}

/** A face with a descriptor and, unless `withVector` is false, a vector of the test model. */
function addFace(s: Setup, withVector = true): number {
  const id = s.lib.addFace(Float32Array.from({ length: 128 }, () => 0.1));
  if (withVector) s.lib.embeddings.put(s.model, [{ faceId: id, vector: s.vector() }]);
  return id;
}

const plain = async (s: Setup, ids: number[], key?: string): Promise<{ rows: number[]; has: number[] }> => {
  const r = await readDerivedRows(s.lib.db, s.spec(key, null), ids);
  return { rows: [...r.rows], has: [...r.has] };
};
const cached = async (s: Setup, ids: number[], key?: string): Promise<{ rows: number[]; has: number[] }> => {
  const r = await readDerivedRows(s.lib.db, s.spec(key), ids);
  return { rows: [...r.rows], has: [...r.has] };
};
const chunks = (s: Setup): string[] => (existsSync(s.dir) ? readdirSync(s.dir).filter((f) => f.endsWith('.bin')).sort() : []);

describe('the cache of rows computed from stored vectors', () => {
  it('gives what computing every row gives, computing only the faces it lacks, after appends, replaced vectors, deletes and many scans', async () => {
    const s = setup();
    const faces = Array.from({ length: 30 }, () => addFace(s));
    const without = addFace(s, false);
    // Asked in any order, with a face that has no vector and a face asked twice.
    const ask = (): number[] => [...faces].reverse().concat([without, faces[3]!]);
    expect(await cached(s, ask())).toEqual(await plain(s, ask()));
    expect(chunks(s)).toHaveLength(1);
    // A scan's new faces: only they are computed, kept as one more chunk.
    faces.push(addFace(s), addFace(s));
    s.derived.count = 0;
    expect(await cached(s, ask().slice(0, 10))).toEqual(await plain(s, ask().slice(0, 10)));
    expect(s.derived.count).toBe(2 + 10); // the two new faces for the cache, the ten asked for by the full computation
    expect(chunks(s)).toHaveLength(2);
    s.derived.count = 0;
    expect(await cached(s, ask())).toEqual(await plain(s, ask()));
    expect(s.derived.count).toBe(faces.length + 1); // all by the full computation, none by the cache (the face without a vector counted by neither)
    // A face analysed again (its vector replaced), in the middle and the newest one.
    s.lib.embeddings.put(s.model, [{ faceId: faces[5]!, vector: s.vector() }]);
    expect(await cached(s, ask())).toEqual(await plain(s, ask()));
    s.lib.embeddings.put(s.model, [{ faceId: faces.at(-1)!, vector: s.vector() }]);
    expect(await cached(s, ask())).toEqual(await plain(s, ask()));
    s.lib.db.prepare('UPDATE embeddings SET vector = ? WHERE face_id = ? AND model_id = ?').run(Buffer.from(s.vector().buffer), faces[9]!, s.model);
    expect(await cached(s, ask())).toEqual(await plain(s, ask()));
    // The newest face removed (its id given again to a new face), and one in the middle.
    s.lib.db.prepare('DELETE FROM faces WHERE id = ?').run(faces.pop()!);
    expect(await cached(s, ask())).toEqual(await plain(s, ask()));
    faces.push(addFace(s));
    s.lib.db.prepare('DELETE FROM faces WHERE id = ?').run(faces[12]!);
    expect(await cached(s, ask())).toEqual(await plain(s, ask()));
    // Many scans: more chunks than MAX_CHUNKS are merged, the rows the same.
    for (let scan = 0; scan < MAX_CHUNKS + 3; scan++) {
      faces.push(addFace(s), addFace(s));
      expect(await cached(s, ask())).toEqual(await plain(s, ask()));
      expect(chunks(s).length).toBeLessThanOrEqual(MAX_CHUNKS);
    }
    // The cache was used (the last scan computed only its two faces).
    s.derived.count = 0;
    faces.push(addFace(s));
    await cached(s, ask());
    expect(s.derived.count).toBe(1);
  });

  it('a deleted, cut short, or garbled chunk, or one left from an older state of the library, is computed again', async () => {
    const s = setup();
    const faces = Array.from({ length: 20 }, () => addFace(s));
    await cached(s, faces);
    faces.push(addFace(s), addFace(s));
    await cached(s, faces);
    expect(chunks(s)).toHaveLength(2);
    const [first, second] = chunks(s).map((f) => path.join(s.dir, f));
    // Deleted.
    rmSync(second!);
    expect(await cached(s, faces)).toEqual(await plain(s, faces));
    // Cut short, and garbled in its rows' header fields.
    const whole = readFileSync(first!);
    writeFileSync(first!, whole.subarray(0, whole.length - 5));
    expect(await cached(s, faces)).toEqual(await plain(s, faces));
    expect(chunks(s)).toHaveLength(1); // written again whole
    const again = path.join(s.dir, chunks(s)[0]!);
    const garbled = Buffer.from(readFileSync(again));
    garbled.writeInt32LE(garbled.readInt32LE(36) - 1, 36); // its last face
    writeFileSync(again, garbled);
    s.derived.count = 0;
    expect(await cached(s, faces)).toEqual(await plain(s, faces));
    expect(s.derived.count).toBe(2 * faces.length); // computed again whole, not read
    // Left from an older state: the library's last face given a new vector and its epoch put back
    // (a database restored from a copy): the last face's vector no longer matches.
    await cached(s, faces);
    const epoch = s.lib.db.prepare('SELECT epoch FROM embedding_epochs WHERE model_id = ?').safeIntegers(true).get(s.model) as { epoch: bigint };
    s.lib.db.prepare('UPDATE embeddings SET vector = ? WHERE face_id = ? AND model_id = ?').run(Buffer.from(s.vector().buffer), faces.at(-1)!, s.model);
    s.lib.db.prepare('UPDATE embedding_epochs SET epoch = ? WHERE model_id = ?').run(epoch.epoch, s.model);
    s.derived.count = 0;
    expect(await cached(s, faces)).toEqual(await plain(s, faces));
    expect(s.derived.count).toBe(2 * faces.length); // computed again whole, not read
  });

  it('rows kept for one head are never read for another', async () => {
    const s = setup();
    const faces = Array.from({ length: 12 }, () => addFace(s));
    await cached(s, faces, 'head-a');
    expect(await cached(s, faces, 'head-b')).toEqual(await plain(s, faces, 'head-b'));
    expect(await cached(s, faces, 'head-b')).not.toEqual(await plain(s, faces, 'head-a'));
    expect(await cached(s, faces, 'head-a')).toEqual(await plain(s, faces, 'head-a'));
  });

  it("drops the folders of models that have no vector left, and only those", () => {
    const s = setup();
    addFace(s);
    const parent = path.join(path.dirname(s.lib.file), 'cache', 'grouping');
    const old = s.lib.faces.modelId('test-extractor:0', 'extractor', DIMS);
    for (const id of [s.model, old]) mkdirSync(path.join(parent, `pair-rows-${id}`), { recursive: true });
    mkdirSync(path.join(parent, 'other-9999'), { recursive: true });
    dropUnusedRowDirs(s.lib.db, parent, 'pair-rows-');
    expect(readdirSync(parent).sort()).toEqual(['other-9999', `pair-rows-${s.model}`].sort());
  });
});
