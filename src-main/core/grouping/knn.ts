import type { MlRuntime } from '../ml/runtime.js';

export interface Neighbours {
  /** Row-major n x k: index into the base set, -1 where fewer than k exist. */
  index: Int32Array;
  /** Row-major n x k Euclidean distances, ascending per row. */
  distance: Float32Array;
  k: number;
}

/**
 * Exact k nearest neighbours (Euclidean) of each query among the base vectors, computed in
 * blocks of queries with one matrix product each: |q|² + |b|² − 2 q·b, then top-k. The
 * query itself (same index in `selfIndex`) is excluded.
 */
export async function exactKnn(
  rt: MlRuntime,
  base: Float32Array,
  nBase: number,
  dims: number,
  queries: Int32Array,
  k: number,
  blockSize = 1024,
): Promise<Neighbours> {
  const { tf } = rt;
  const nq = queries.length;
  const kk = Math.min(k, Math.max(0, nBase - 1));
  const index = new Int32Array(nq * k).fill(-1);
  const distance = new Float32Array(nq * k).fill(Infinity);
  if (nq === 0 || kk === 0) return { index, distance, k };
  const baseT = tf.tensor2d(base, [nBase, dims]);
  const baseSq = tf.sum(tf.square(baseT), 1);
  try {
    for (let start = 0; start < nq; start += blockSize) {
      const rows = queries.subarray(start, Math.min(nq, start + blockSize));
      const take = Math.min(kk + 1, nBase);
      const [vals, idxs] = tf.tidy(() => {
        const q = tf.gather(baseT, tf.tensor1d(rows, 'int32'));
        const qSq = tf.sum(tf.square(q), 1, true);
        const d2 = tf.sub(tf.add(qSq, baseSq), tf.mul(2, tf.matMul(q, baseT, false, true)));
        const top = tf.topk(tf.neg(d2), take, true);
        return [top.values, top.indices];
      });
      const v = (await vals.data()) as Float32Array;
      const ix = (await idxs.data()) as Int32Array;
      vals.dispose();
      idxs.dispose();
      for (let r = 0; r < rows.length; r++) {
        const self = rows[r]!;
        let out = 0;
        for (let c = 0; c < take && out < kk; c++) {
          const j = ix[r * take + c]!;
          if (j === self) continue;
          const o = (start + r) * k + out++;
          index[o] = j;
          distance[o] = Math.sqrt(Math.max(0, -v[r * take + c]!));
        }
      }
    }
  } finally {
    baseT.dispose();
    baseSq.dispose();
  }
  return { index, distance, k };
}

/** The candidate search grouping runs: exact kNN of each query among the base vectors (the query itself excluded). */
export async function candidateNeighbours(base: Float32Array, nBase: number, dims: number, queries: Int32Array, k: number): Promise<Neighbours> {
  const { loadMlRuntime } = await import('../ml/runtime.js');
  return exactKnn(await loadMlRuntime(), base, nBase, dims, queries, k);
}
