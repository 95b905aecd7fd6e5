// Reference groupings from other projects, for side-by-side measurement only (eval-groups
// --algorithm). Pure functions over the kNN graph; the product uses cluster.ts.
import type { GroupingEdges } from './cluster.js';

function dense(labels: Int32Array): Int32Array {
  const map = new Map<number, number>();
  return labels.map((l) => {
    let d = map.get(l);
    if (d === undefined) {
      d = map.size;
      map.set(l, d);
    }
    return d;
  });
}

function adjacency(n: number, edges: GroupingEdges, maxDistance: number): number[][] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  const seen = new Set<number>();
  for (let r = 0; r < edges.queryFace.length; r++) {
    const a = edges.queryFace[r]!;
    for (let c = 0; c < edges.k; c++) {
      const b = edges.neighbour[r * edges.k + c]!;
      const d = edges.distance[r * edges.k + c]!;
      if (b < 0 || !(d < maxDistance)) continue;
      const key = Math.min(a, b) * n + Math.max(a, b);
      if (seen.has(key)) continue;
      seen.add(key);
      adj[a]!.push(b);
      adj[b]!.push(a);
    }
  }
  return adj;
}

/** dlib's chinese_whispers: unweighted edges below a distance, each node takes its neighbours' most common label. */
export function chineseWhispers(n: number, edges: GroupingEdges, maxDistance: number, iterations = 100, seed = 1): Int32Array {
  const adj = adjacency(n, edges, maxDistance);
  const label = Int32Array.from({ length: n }, (_, i) => i);
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const counts = new Map<number, number>();
  for (let it = 0; it < iterations * n; it++) {
    const i = Math.floor(random() * n);
    const nb = adj[i]!;
    if (nb.length === 0) continue;
    counts.clear();
    let best = label[i]!, bestCount = 0;
    for (const j of nb) {
      const c = (counts.get(label[j]!) ?? 0) + 1;
      counts.set(label[j]!, c);
      if (c > bestCount) {
        best = label[j]!;
        bestCount = c;
      }
    }
    label[i] = best;
  }
  return dense(label);
}

/**
 * Immich's rule (incremental DBSCAN): a face with at least `minFaces` neighbours within
 * `maxDistance` founds or joins a person through the other such faces; every other face
 * joins the person of its nearest such neighbour within `maxDistance`, or stays alone.
 */
export function densityGroups(n: number, edges: GroupingEdges, maxDistance: number, minFaces = 3): Int32Array {
  const adj = adjacency(n, edges, maxDistance);
  const core = adj.map((nb) => nb.length >= minFaces);
  const label = new Int32Array(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (!core[i] || label[i]! >= 0) continue;
    const stack = [i];
    label[i] = next;
    while (stack.length > 0) {
      const a = stack.pop()!;
      for (const b of adj[a]!) {
        if (core[b] && label[b]! < 0) {
          label[b] = next;
          stack.push(b);
        }
      }
    }
    next++;
  }
  // Border faces: the person of their nearest core neighbour (kNN lists are sorted by distance).
  const queryRow = new Map<number, number>();
  for (let r = 0; r < edges.queryFace.length; r++) queryRow.set(edges.queryFace[r]!, r);
  for (let i = 0; i < n; i++) {
    if (label[i]! >= 0) continue;
    const r = queryRow.get(i);
    if (r !== undefined) {
      for (let c = 0; c < edges.k; c++) {
        const b = edges.neighbour[r * edges.k + c]!;
        if (b < 0 || !(edges.distance[r * edges.k + c]! < maxDistance)) break;
        if (core[b]) {
          label[i] = label[b]!;
          break;
        }
      }
    }
    if (label[i]! < 0) label[i] = next++;
  }
  return dense(label);
}
