import { describe, expect, it } from 'vitest';

import { groupFaces, groupTouchedFaces, type GroupingInput } from '../../../src-main/core/grouping/cluster.js';
import { candidateNeighbours, exactKnn } from '../../../src-main/core/grouping/knn.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';

const gaussian = (r: Rng): number => Math.sqrt(-2 * Math.log(r.next() + 1e-12)) * Math.cos(2 * Math.PI * r.next());

/** n points of `people` clusters in d dimensions: person of each, and the vectors. */
function mixture(n: number, people: number, dims: number, seed = 1): { person: Int32Array; vectors: Float32Array } {
  const r = new Rng(seed);
  const centres = Array.from({ length: people }, () => Float32Array.from({ length: dims }, () => gaussian(r) * 0.06));
  const person = Int32Array.from({ length: n }, () => Math.floor(r.next() * people));
  const vectors = new Float32Array(n * dims);
  person.forEach((p, i) => {
    for (let d = 0; d < dims; d++) vectors[i * dims + d] = centres[p]![d]! + gaussian(r) * 0.025;
  });
  return { person, vectors };
}

describe('candidateNeighbours', () => {
  const dims = 128, n = 3000, k = 10;
  const { vectors } = mixture(n, 300, dims);
  const queries = Int32Array.from({ length: 200 }, (_, i) => (i * 13) % n);

  it('is exact: the same neighbours and distances as the TF.js search, never the query itself', async () => {
    const got = await candidateNeighbours(vectors, n, dims, queries, k);
    const want = await exactKnn(await loadMlRuntime(), vectors, n, dims, queries, k);
    expect(got.method === 'exact' || got.method === 'tfjs').toBe(true);
    for (let r = 0; r < queries.length; r++) {
      for (let c = 0; c < k; c++) {
        expect(got.index[r * k + c]).not.toBe(queries[r]);
        expect(got.distance[r * k + c]!).toBeCloseTo(want.distance[r * k + c]!, 4);
      }
    }
  });

  it('keeps only neighbours within maxDistance, the rest of a row -1', async () => {
    const all = await candidateNeighbours(vectors, n, dims, queries, k);
    const near = await candidateNeighbours(vectors, n, dims, queries, k, { maxDistance: 0.4 });
    let kept = 0;
    for (let e = 0; e < all.index.length; e++) {
      if (all.distance[e]! <= 0.4) {
        expect(near.index[e]).toBe(all.index[e]);
        kept++;
      } else expect(near.index[e]).toBe(-1);
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(all.index.length);
  });

  it('finds nearly all near neighbours with the inverted-file index, where onnxruntime runs', async () => {
    const exact = await candidateNeighbours(vectors, n, dims, queries, k, { maxDistance: 0.6 });
    const ivf = await candidateNeighbours(vectors, n, dims, queries, k, { maxDistance: 0.6, exactPairLimit: 0 });
    if (exact.method === 'tfjs') return; // no onnxruntime here: no IVF either
    expect(ivf.method).toBe('ivf');
    let want = 0, hit = 0;
    for (let r = 0; r < queries.length; r++) {
      const got = new Set(ivf.index.subarray(r * k, (r + 1) * k));
      for (let c = 0; c < k; c++) {
        const j = exact.index[r * k + c]!;
        if (j < 0) continue;
        want++;
        if (got.has(j)) hit++;
      }
    }
    expect(want).toBeGreaterThan(0);
    expect(hit / want).toBeGreaterThan(0.95);
  });
});

describe('groupTouchedFaces', () => {
  it('gives every face a merge can reach the labels groupFaces gives, and leaves the others in their person', async () => {
    const dims = 16, n = 600;
    const { person: truth, vectors } = mixture(n, 60, dims, 7);
    // Most faces already in their person; 40 new ones; a "same" answer that reaches one more person.
    const person = Int32Array.from(truth, (p, i) => (i % 15 === 0 ? -1 : p));
    const queries = Int32Array.from(Array.from(person).flatMap((p, i) => (p < 0 ? [i] : [])));
    const knn = await candidateNeighbours(vectors, n, dims, queries, 8, { maxDistance: 0.3 });
    const far = person.findIndex((p, i) => p >= 0 && !Array.from(knn.index).includes(i) && truth[i] !== truth[queries[0]!]);
    const input: GroupingInput = {
      n,
      photo: Int32Array.from({ length: n }, (_, i) => i),
      person,
      edges: { queryFace: queries, neighbour: knn.index, distance: knn.distance, k: knn.k },
      vectors,
      dims,
      mustLink: [[queries[0]!, far]],
      cannotLink: [[queries[1]!, queries[2]!]],
    };
    const opts = { linkage: 0.25, smallGroupMargin: 0, maxEdge: 0.3 };
    const whole = groupFaces(input, opts);
    const touched = groupTouchedFaces(input, opts);
    // The same partition of every face.
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b += 7) expect(touched[a] === touched[b]).toBe(whole[a] === whole[b]);
      expect(touched[a] === touched[far]).toBe(whole[a] === whole[far]);
    }
    expect(touched[queries[0]!]).toBe(touched[far]);
  });
});
