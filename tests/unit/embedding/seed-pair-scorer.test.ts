import { describe, expect, it } from 'vitest';

import { SEED_EMBEDDING_DIM } from '../../../src-main/core/embedding/seed/seed-architecture.js';
import { defaultSeedModelDir, SeedEmbedder } from '../../../src-main/core/embedding/seed/seed-embedder.js';
import { SeedPairScorer } from '../../../src-main/core/embedding/seed/seed-pair-scorer.js';
import { Rng } from '../../../src-main/core/ml/rng.js';

describe('SeedPairScorer', () => {
  it('scores pairs as the TF.js-loaded model does, with the same keys', async () => {
    const dir = defaultSeedModelDir();
    const [light, full] = await Promise.all([SeedPairScorer.load(dir), SeedEmbedder.load(dir)]);
    expect(light.key).toBe(full.key);
    expect(light.pairKey).toBe(full.pairKey);
    const r = new Rng(3);
    const n = 40;
    const e = Float32Array.from({ length: n * SEED_EMBEDDING_DIM }, () => Math.max(0, r.next() - 0.6));
    const i = Uint32Array.from({ length: 200 }, () => Math.floor(r.next() * n));
    const j = Uint32Array.from({ length: 200 }, () => Math.floor(r.next() * n));
    const got = light.scorePairs(light.project(e), i, j);
    const want = full.scorePairs(full.project(e), i, j);
    let spread = 0;
    got.forEach((p, q) => {
      expect(p).toBeCloseTo(want[q]!, 6);
      spread = Math.max(spread, Math.abs(p - got[0]!));
    });
    expect(spread).toBeGreaterThan(1e-3); // the pairs are not all scored alike
    // The projection as one matrix product (onnxruntime where it loads; 256 faces or more), to float32's precision.
    const many = 300;
    const e2 = Float32Array.from({ length: many * SEED_EMBEDDING_DIM }, () => Math.max(0, r.next() - 0.6));
    const fast = light.scorePairs(await light.projectFast(e2), i, j);
    const plain = light.scorePairs(light.project(e2), i, j);
    fast.forEach((p, q) => expect(p).toBeCloseTo(plain[q]!, 5));
  });
});
