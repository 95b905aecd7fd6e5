import { Rng } from '../ml/rng.js';
import { loadMlRuntime, type MlRuntime } from '../ml/runtime.js';
import { baseSet, OnnxNearest, type BaseSet } from './onnx-knn.js';

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

/** Up to this many query-base pairs the candidate search is exact; above, an inverted-file index (IVF) narrows it. */
export const EXACT_PAIR_LIMIT = 1e9;

export interface CandidateSearchOptions {
  /** Exact when queries x base is at most this (default EXACT_PAIR_LIMIT). */
  exactPairLimit?: number;
  /** IVF: cells (default √n) and cells searched per query (default max(8, cells / 32)). */
  cells?: number;
  probes?: number;
  /** Only neighbours at most this far (grouping links no pair farther than its maxEdge): the rest of a row stays -1. */
  maxDistance?: number;
}

export type CandidateSearchMethod = 'exact' | 'ivf' | 'tfjs';

let engine: Promise<OnnxNearest | null> | undefined;

/** The best k of each query row, squared distances ascending (the query itself never enters). */
class TopLists {
  readonly index: Int32Array;
  readonly d2: Float32Array;
  readonly count: Int32Array;
  constructor(
    rows: number,
    readonly k: number,
  ) {
    this.index = new Int32Array(rows * k).fill(-1);
    this.d2 = new Float32Array(rows * k).fill(Infinity);
    this.count = new Int32Array(rows);
  }
  offer(row: number, j: number, d2: number): void {
    const k = this.k, o = row * k;
    let c = this.count[row]!;
    if (c === k) {
      if (!(d2 < this.d2[o + k - 1]!)) return;
      c = k - 1;
    } else this.count[row] = c + 1;
    let p = o + c;
    while (p > o && this.d2[p - 1]! > d2) {
      this.d2[p] = this.d2[p - 1]!;
      this.index[p] = this.index[p - 1]!;
      p--;
    }
    this.d2[p] = d2;
    this.index[p] = j;
  }
}

function sqNorm(v: Float32Array, i: number, dims: number): number {
  let s = 0;
  for (let c = 0, o = i * dims; c < dims; c++) s += v[o + c]! * v[o + c]!;
  return s;
}

function gather(from: Float32Array, rows: ArrayLike<number>, start: number, end: number, dims: number, into: Float32Array): Float32Array {
  for (let r = start; r < end; r++) into.set(from.subarray(rows[r]! * dims, (rows[r]! + 1) * dims), (r - start) * dims);
  return into;
}

/** Rows at least this long go through onnxruntime's TopK; shorter ones are read back whole (TopK costs more than the product there). */
const TOPK_MIN_ROW = 8192;

/** Score blocks of at most this many floats (64 MiB). */
const BLOCK_FLOATS = 1 << 24;

/**
 * Compares queries `rows` of `from` with the whole of `base`, block by block, and offers each
 * row's candidates to `lists` (row `r` of the block into list row `listRow[r]`, or r): base
 * index j as `map[j]` (or j), never the query's own face `self[r]`.
 */
async function search(
  nearest: OnnxNearest,
  from: Float32Array,
  rows: ArrayLike<number>,
  base: BaseSet,
  lists: TopLists,
  opts: { listRow?: ArrayLike<number>; map?: Int32Array; self?: ArrayLike<number>; maxD2?: number } = {},
): Promise<void> {
  const maxD2 = opts.maxD2 ?? Infinity;
  const { dims, n } = base;
  const m = Math.max(16, Math.min(4096, Math.floor(BLOCK_FLOATS / Math.max(1, n))));
  const buf = new Float32Array(Math.min(m, rows.length) * dims);
  const { k } = lists;
  if (n >= TOPK_MIN_ROW && nearest.hasTopK) {
    // Long rows: onnxruntime picks each row's best (one more, for the query itself).
    const kk = Math.min(k + 1, n);
    for (let s = 0; s < rows.length; s += m) {
      const e = Math.min(rows.length, s + m);
      const { score, index } = await nearest.best(gather(from, rows, s, e, dims, buf), e - s, base, kk);
      for (let r = s; r < e; r++) {
        const qq = sqNorm(from, rows[r]!, dims);
        const lr = opts.listRow ? opts.listRow[r]! : r;
        const self = opts.self ? opts.self[r]! : -1;
        for (let c = 0; c < kk; c++) {
          const d2 = qq - score[(r - s) * kk + c]!;
          if (!(d2 <= maxD2)) break; // best first: the rest are farther still
          const j = Number(index[(r - s) * kk + c]!);
          const g = opts.map ? opts.map[j]! : j;
          if (g !== self) lists.offer(lr, g, d2);
        }
      }
    }
    return;
  }
  for (let s = 0; s < rows.length; s += m) {
    const e = Math.min(rows.length, s + m);
    const score = await nearest.scores(gather(from, rows, s, e, dims, buf), e - s, base);
    for (let r = s; r < e; r++) {
      const qq = sqNorm(from, rows[r]!, dims);
      const lr = opts.listRow ? opts.listRow[r]! : r;
      const self = opts.self ? opts.self[r]! : -1;
      const last = lr * k + k - 1;
      // A score beats the list's worst when qq − score < its squared distance.
      let bar = qq - Math.min(maxD2, lists.count[lr] === k ? lists.d2[last]! : Infinity);
      for (let j = 0, o = (r - s) * n; j < n; j++) {
        const v = score[o + j]!;
        if (!(v > bar)) continue;
        const g = opts.map ? opts.map[j]! : j;
        if (g === self) continue;
        lists.offer(lr, g, qq - v);
        if (lists.count[lr] === k) bar = qq - Math.min(maxD2, lists.d2[last]!);
      }
    }
  }
}

/** The exact Euclidean distances of the lists' pairs, each row sorted by them: the same figures however the pairs were found. */
function finish(lists: TopLists, base: Float32Array, dims: number, queries: Int32Array, maxDistance = Infinity): Neighbours {
  const { k } = lists;
  const index = new Int32Array(queries.length * k).fill(-1);
  const distance = new Float32Array(queries.length * k).fill(Infinity);
  // Each row sorted by (distance, index) by insertion into typed arrays: no pair allocated.
  const rowJ = new Int32Array(k), rowD = new Float64Array(k);
  for (let r = 0; r < queries.length; r++) {
    let len = 0;
    const q = queries[r]!;
    for (let c = 0; c < lists.count[r]!; c++) {
      const j = lists.index[r * k + c]!;
      let s = 0;
      for (let d = 0; d < dims; d++) {
        const x = base[q * dims + d]! - base[j * dims + d]!;
        s += x * x;
      }
      const dist = Math.sqrt(s);
      if (!(dist <= maxDistance)) continue;
      let p = len++;
      while (p > 0 && (rowD[p - 1]! > dist || (rowD[p - 1] === dist && rowJ[p - 1]! > j))) {
        rowD[p] = rowD[p - 1]!;
        rowJ[p] = rowJ[p - 1]!;
        p--;
      }
      rowD[p] = dist;
      rowJ[p] = j;
    }
    for (let c = 0; c < len; c++) {
      index[r * k + c] = rowJ[c]!;
      distance[r * k + c] = rowD[c]!;
    }
  }
  return { index, distance, k };
}

/** k-means centroids of a sample of the base (Lloyd's iterations, the assignments on the same graph). */
async function trainCells(nearest: OnnxNearest, base: Float32Array, n: number, dims: number, cells: number): Promise<BaseSet> {
  const r = new Rng(0x5eed);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const sampleN = Math.min(n, cells * 40);
  for (let i = 0; i < sampleN; i++) {
    const j = i + Math.floor(r.next() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const sample = order.subarray(0, sampleN);
  const centroids = gather(base, sample, 0, cells, dims, new Float32Array(cells * dims));
  const assign = new Int32Array(sampleN);
  for (let iter = 0; iter < 8; iter++) {
    const best = new TopLists(sampleN, 1);
    await search(nearest, base, sample, baseSet(centroids, cells, dims), best);
    assign.set(best.index);
    const sum = new Float64Array(cells * dims), size = new Int32Array(cells);
    for (let s = 0; s < sampleN; s++) {
      const c = assign[s]!, o = sample[s]! * dims;
      size[c] = size[c]! + 1;
      for (let d = 0; d < dims; d++) sum[c * dims + d] = sum[c * dims + d]! + base[o + d]!;
    }
    for (let c = 0; c < cells; c++) if (size[c]! > 0) for (let d = 0; d < dims; d++) centroids[c * dims + d] = sum[c * dims + d]! / size[c]!;
  }
  return baseSet(centroids, cells, dims);
}

/** Inverted-file search: the base split into k-means cells, each query compared with the base of its `probes` nearest cells. */
async function ivf(nearest: OnnxNearest, base: Float32Array, n: number, dims: number, queries: Int32Array, k: number, cellCount: number, probeCount: number, maxD2: number): Promise<TopLists> {
  const cells = await trainCells(nearest, base, n, dims, cellCount);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const nearestCell = new TopLists(n, 1);
  await search(nearest, base, all, cells, nearestCell);
  const cellOf = nearestCell.index;
  // The base in cell order, and where each cell starts.
  const start = new Int32Array(cellCount + 1);
  for (let i = 0; i < n; i++) start[cellOf[i]! + 1] = start[cellOf[i]! + 1]! + 1;
  for (let c = 0; c < cellCount; c++) start[c + 1] = start[c + 1]! + start[c]!;
  const member = new Int32Array(n), fill = start.slice(0, cellCount);
  for (let i = 0; i < n; i++) member[fill[cellOf[i]!]!++] = i;
  // Each query's cells, then each cell's queries.
  const probes = Math.min(probeCount, cellCount);
  const probeLists = new TopLists(queries.length, probes);
  await search(nearest, base, queries, cells, probeLists);
  const probe = probeLists.index.map((c) => c + 1); // 0: none
  const qStart = new Int32Array(cellCount + 1);
  for (const c of probe) if (c > 0) qStart[c] = qStart[c]! + 1;
  for (let c = 0; c < cellCount; c++) qStart[c + 1] = qStart[c + 1]! + qStart[c]!;
  const qRow = new Int32Array(qStart[cellCount]!), qFill = qStart.slice(0, cellCount);
  probe.forEach((c, p) => {
    if (c > 0) qRow[qFill[c - 1]!++] = Math.floor(p / probes);
  });
  const lists = new TopLists(queries.length, k);
  for (let c = 0; c < cellCount; c++) {
    const size = start[c + 1]! - start[c]!;
    const rows = qRow.subarray(qStart[c]!, qStart[c + 1]!);
    if (size === 0 || rows.length === 0) continue;
    const ids = member.subarray(start[c]!, start[c + 1]!);
    const cellBase = baseSet(gather(base, ids, 0, size, dims, new Float32Array(size * dims)), size, dims);
    const faces = Int32Array.from(rows, (r) => queries[r]!);
    await search(nearest, base, faces, cellBase, lists, { listRow: rows, map: ids, self: faces, maxD2 });
  }
  return lists;
}

/**
 * Loads the candidate search's onnxruntime sessions now (a scan's grouping worker, ahead of its
 * plan) and, given the library's existing descriptors (`n` rows of `base`, which may have spare
 * rows after them up to `capacity`), runs one block as large as any search runs (BLOCK_FLOATS
 * scores) over them: onnxruntime's memory for the scores is then allocated and touched, not at
 * plan time. Its result is thrown away.
 */
export async function warmCandidateSearch(base?: { vectors: Float32Array; n: number; capacity: number; dims: number }, k = 30): Promise<void> {
  engine ??= OnnxNearest.load();
  const nearest = await engine;
  if (nearest === null || base === undefined || base.n === 0) return;
  const { vectors, capacity, dims } = base;
  const set = baseSet(vectors, capacity, dims);
  const m = Math.ceil(BLOCK_FLOATS / capacity);
  const queries = new Float32Array(m * dims);
  for (let r = 0; r < m; r++) queries.set(vectors.subarray((r % base.n) * dims, ((r % base.n) + 1) * dims), r * dims);
  if (capacity >= TOPK_MIN_ROW && nearest.hasTopK) await nearest.best(queries, m, set, Math.min(k + 1, capacity));
  else await nearest.scores(queries, m, set);
}

/**
 * The candidate search grouping runs: the k nearest (Euclidean) base vectors of each query
 * (an index into the base; the query itself excluded), the products on onnxruntime-node's Gemm
 * (models/knn/nearest.onnx), the selection in a plain loop. Exact while queries x base ≤ `exactPairLimit` (the whole base
 * compared, block by block); above, an inverted-file index: k-means cells of the base, each
 * query compared with the base of its nearest cells (the bench measures its recall). Where
 * onnxruntime cannot load, exact on TF.js. Distances are recomputed exactly for the pairs found.
 */
export async function candidateNeighbours(
  base: Float32Array,
  nBase: number,
  dims: number,
  queries: Int32Array,
  k: number,
  options: CandidateSearchOptions = {},
): Promise<Neighbours & { method: CandidateSearchMethod }> {
  engine ??= OnnxNearest.load();
  const nearest = await engine;
  if (nearest === null) return { ...(await exactKnn(await loadMlRuntime(), base, nBase, dims, queries, k)), method: 'tfjs' };
  const kk = Math.min(k, Math.max(0, nBase - 1));
  const maxD2 = (options.maxDistance ?? Infinity) ** 2 * (1 + 1e-5);
  const lists = new TopLists(queries.length, k);
  if (queries.length === 0 || kk === 0) return { ...finish(lists, base, dims, queries, options.maxDistance), method: 'exact' };
  if (queries.length * nBase <= (options.exactPairLimit ?? EXACT_PAIR_LIMIT)) {
    await search(nearest, base, queries, baseSet(base, nBase, dims), lists, { self: queries, maxD2 });
    return { ...finish(lists, base, dims, queries, options.maxDistance), method: 'exact' };
  }
  const cells = options.cells ?? Math.max(1, Math.round(Math.sqrt(nBase)));
  // √n/32 cells searched: at 150,000 synthetic faces 98 % of the true neighbours within maxEdge
  // found (√n/16: 99 %, at three times the cost); bench:scale measures it and the grouping.
  const probes = options.probes ?? Math.max(8, Math.ceil(cells / 32));
  return { ...finish(await ivf(nearest, base, nBase, dims, queries, k, cells, probes, maxD2), base, dims, queries, options.maxDistance), method: 'ivf' };
}
