// Pure: the pair head's say over grouping's candidate pairs. No tfjs, no database.
import type { GroupingEdges } from './cluster.js';

/** P(same person) for pairs (i[p], j[p]) of face indices; NaN = no opinion. */
export type PairProbabilities = (i: Int32Array, j: Int32Array) => Float32Array;

/**
 * Scores every kNN candidate pair with the pair head and drops (distance -> Infinity, so
 * agglomeration never links through it) the pairs it calls different (P < minProb).
 * Returns how many pairs were scored and how many dropped.
 */
export function vetoCandidates(edges: GroupingEdges, score: PairProbabilities, minProb = 0.5): { scored: number; dropped: number } {
  const rows = edges.queryFace.length, k = edges.k;
  const at: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < k; c++) {
      const e = r * k + c;
      if (edges.neighbour[e]! >= 0 && Number.isFinite(edges.distance[e]!)) at.push(e);
    }
  }
  const i = Int32Array.from(at, (e) => edges.queryFace[Math.floor(e / k)]!);
  const j = Int32Array.from(at, (e) => edges.neighbour[e]!);
  const p = score(i, j);
  let dropped = 0;
  at.forEach((e, q) => {
    if (p[q]! < minProb) {
      edges.distance[e] = Infinity;
      dropped++;
    }
  });
  return { scored: at.length, dropped };
}
