import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { openSeedEmbeddingCache } from '../../../src-main/core/benchmarks/lfw/seed-embedding-cache.js';

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

describe('seed embedding cache of LFW runs', () => {
  it('returns what was saved for the same embedding key, and nothing once the source image changed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'facepair-embcache-'));
    tmpDirs.push(dir);
    const db = path.join(dir, 'lfw.db');
    const [a, b] = [path.join(dir, 'a.png'), path.join(dir, 'b.png')];
    await writeFile(a, 'image a');
    await writeFile(b, 'image b');
    const ea = Float32Array.from([1, 2, 3]);
    const eb = Float32Array.from([4, 5, 6]);

    const c1 = openSeedEmbeddingCache(db, 'seed500:v6:abc:flip', 3);
    expect(c1.get('A/A_0001.jpg', a)).toBeUndefined();
    c1.set('A/A_0001.jpg', a, ea);
    c1.set('B/B_0001.jpg', b, eb);
    c1.save();

    const c2 = openSeedEmbeddingCache(db, 'seed500:v6:abc:flip', 3);
    expect(Array.from(c2.get('A/A_0001.jpg', a)!)).toEqual([1, 2, 3]);
    expect(Array.from(c2.get('B/B_0001.jpg', b)!)).toEqual([4, 5, 6]);
    // Another model's embeddings are kept apart.
    expect(openSeedEmbeddingCache(db, 'seed500:v6:abc:flip:shift6', 3).get('A/A_0001.jpg', a)).toBeUndefined();
    // A source image rewritten since (a rescan) is embedded anew.
    await writeFile(a, 'image a, aligned again');
    expect(openSeedEmbeddingCache(db, 'seed500:v6:abc:flip', 3).get('A/A_0001.jpg', a)).toBeUndefined();
    await utimes(b, new Date(), new Date(Date.now() + 5000));
    expect(openSeedEmbeddingCache(db, 'seed500:v6:abc:flip', 3).get('B/B_0001.jpg', b)).toBeUndefined();
    expect(() => c2.set('C', a, Float32Array.from([1]))).toThrow(/3 values/);
  });
});
