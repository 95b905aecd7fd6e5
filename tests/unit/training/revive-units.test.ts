import { describe, expect, it } from 'vitest';

import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';
import { EMBEDDING_LAYER, reviveDeadUnits } from '../../../src-main/core/training/kernels/revive-units.js';
import { buildDistillHead, buildExtractor, buildPairHead, SEED_DISTILL_DIM, SEED_EMBEDDING_DIM, SEED_INPUT_SIZE } from '../../../src-main/core/embedding/seed/seed-architecture.js';
import { Rng } from '../../../src-main/core/ml/rng.js';

const { tf } = await loadMlRuntime();
type Tensor = import('@tensorflow/tfjs').Tensor;

const N = 8;
const KILLED = [3, 17, 250, 499];

describe('reviving dead embedding units', () => {
  it('gives dead units new weights that make them active on half the faces, and leaves the live ones alone', { timeout: 120_000 }, () => {
    const extractor = buildExtractor(tf);
    const distill = buildDistillHead(tf);
    const head = buildPairHead(tf);
    // Non-zero distillation and head weights, so that zeroed rows show.
    const r = new Rng(5);
    distill.layers[1]!.setWeights(distill.layers[1]!.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => r.next() - 0.5), w.shape)));
    const conv = extractor.getLayer(EMBEDDING_LAYER);
    const [kernel, bias] = conv.getWeights();
    const b = bias!.dataSync().slice();
    for (const u of KILLED) b[u] = -1e3;
    conv.setWeights([kernel!, tf.tensor1d(b)]);

    const pixels = new Rng(9);
    const images = tf.tensor4d(Float32Array.from({ length: N * SEED_INPUT_SIZE ** 2 * 3 }, () => pixels.next()), [N, SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3]);
    const embed = (): Float32Array => (extractor.predict(images) as Tensor).dataSync() as Float32Array;
    const project = (): Float32Array => tf.tidy(() => (distill.predict(extractor.predict(images) as Tensor) as Tensor).dataSync() as Float32Array);
    const activeOn = (emb: Float32Array, u: number): number => Array.from({ length: N }, (_, n) => emb[n * SEED_EMBEDDING_DIM + u]!).filter((v) => v > 0).length;
    const before = embed();
    const projBefore = project();
    for (const u of KILLED) expect(activeOn(before, u)).toBe(0);

    const normal = new Rng(11);
    const halves = [images.slice(0, N / 2), images.slice(N / 2)];
    const { dead, activeAfter } = reviveDeadUnits(tf, extractor, halves, { normal: () => normal.normal() }, distill, head);
    expect(dead).toEqual(expect.arrayContaining(KILLED));
    expect(activeAfter).toHaveLength(dead.length);

    const after = embed();
    for (const u of dead) expect(activeOn(after, u)).toBe(N / 2);
    const deadSet = new Set(dead);
    for (let u = 0; u < SEED_EMBEDDING_DIM; u++) {
      if (deadSet.has(u)) continue;
      for (let n = 0; n < N; n++) expect(after[n * SEED_EMBEDDING_DIM + u]).toBe(before[n * SEED_EMBEDDING_DIM + u]);
    }

    // Nothing downstream reads a revived unit yet: the distillation output moves by one constant for every face.
    const dk = distill.layers[1]!.getWeights()[0]!.dataSync();
    const hk = head.layers.find((l) => l.getClassName() === 'Dense')!.getWeights()[0]!.dataSync();
    for (const u of dead) {
      expect(dk.slice(u * SEED_DISTILL_DIM, (u + 1) * SEED_DISTILL_DIM).every((v) => v === 0)).toBe(true);
      for (const row of [u, u + SEED_EMBEDDING_DIM]) expect(hk.slice(row * 100, (row + 1) * 100).every((v) => v === 0)).toBe(true);
    }
    const projAfter = project();
    for (let n = 1; n < N; n++) {
      for (let d = 0; d < SEED_DISTILL_DIM; d++) {
        const shift0 = projAfter[d]! - projBefore[d]!;
        expect(projAfter[n * SEED_DISTILL_DIM + d]! - projBefore[n * SEED_DISTILL_DIM + d]!).toBeCloseTo(shift0, 3);
      }
    }

    // Once revived, nothing is dead: a second call changes nothing.
    const again = reviveDeadUnits(tf, extractor, [images.clone()], { normal: () => normal.normal() }, distill, head);
    expect(again.dead).toEqual([]);
    expect(embed()).toEqual(after);
    images.dispose();
  });
});
