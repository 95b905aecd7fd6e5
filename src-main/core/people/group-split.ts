// Pure: where a group of faces is weakest, and where a "different" inside it cuts it in two.
//
// A group is read as the tree that links its faces most closely (the minimum spanning tree of
// their descriptor distances, single linkage): each edge of the tree is a link whose cut parts
// the group in two sides. Links the user decided (two faces labelled "same", two faces the
// user placed in the person) have length 0 and are never cut. Both the review (which link to
// ask about) and the answer (which faces leave) read the same tree, so that the answer does
// what the question said.

export interface TreeEdge {
  /** Item indices, i < j not implied. */
  i: number;
  j: number;
  /** The link's length: 0 for a link the user decided. */
  d: number;
}

/**
 * The minimum spanning tree of n items (Prim, O(n²) distance reads, ties broken by the lower
 * index so that one input always gives one tree): n - 1 edges.
 */
export function spanningTree(n: number, distance: (i: number, j: number) => number): TreeEdge[] {
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const parent = new Int32Array(n).fill(-1);
  const edges: TreeEdge[] = [];
  if (n === 0) return edges;
  best[0] = 0;
  for (let step = 0; step < n; step++) {
    let u = -1;
    for (let v = 0; v < n; v++) if (inTree[v] === 0 && (u < 0 || best[v]! < best[u]!)) u = v;
    inTree[u] = 1;
    if (parent[u]! >= 0) edges.push({ i: parent[u]!, j: u, d: best[u]! });
    for (let v = 0; v < n; v++) {
      if (inTree[v] !== 0) continue;
      const d = distance(u, v);
      if (d < best[v]!) {
        best[v] = d;
        parent[v] = u;
      }
    }
  }
  return edges;
}

/** The side of each item once `cut` (an index into `edges`) is removed: true on `edges[cut].i`'s side. */
export function sidesWithout(n: number, edges: readonly TreeEdge[], cut: number): boolean[] {
  const adjacent: number[][] = Array.from({ length: n }, () => []);
  edges.forEach((e, k) => {
    if (k === cut) return;
    adjacent[e.i]!.push(e.j);
    adjacent[e.j]!.push(e.i);
  });
  const side = new Array<boolean>(n).fill(false);
  const start = edges[cut]!.i;
  side[start] = true;
  const stack = [start];
  while (stack.length > 0) {
    const u = stack.pop()!;
    for (const v of adjacent[u]!) {
      if (!side[v]) {
        side[v] = true;
        stack.push(v);
      }
    }
  }
  return side;
}

/**
 * Where "a and b are different people" cuts the tree: the longest link on the tree's path
 * from a to b (the edge's index), or null when every link on it was decided by the user (the
 * answer contradicts earlier ones: nothing is cut along the tree).
 */
export function cutBetween(n: number, edges: readonly TreeEdge[], a: number, b: number): number | null {
  const adjacent: Array<Array<{ to: number; edge: number }>> = Array.from({ length: n }, () => []);
  edges.forEach((e, k) => {
    adjacent[e.i]!.push({ to: e.j, edge: k });
    adjacent[e.j]!.push({ to: e.i, edge: k });
  });
  // The path from a to b: walk from a, remembering by which edge each item was reached.
  const via = new Int32Array(n).fill(-1);
  const seen = new Uint8Array(n);
  seen[a] = 1;
  const stack = [a];
  while (stack.length > 0) {
    const u = stack.pop()!;
    for (const { to, edge } of adjacent[u]!) {
      if (seen[to] === 0) {
        seen[to] = 1;
        via[to] = edge;
        stack.push(to);
      }
    }
  }
  if (seen[b] === 0) return null;
  let longest: number | null = null;
  for (let at = b; at !== a; ) {
    const k = via[at]!;
    const e = edges[k]!;
    if (e.d > 0 && (longest === null || e.d > edges[longest]!.d)) longest = k;
    at = e.i === at ? e.j : e.i;
  }
  return longest;
}

/**
 * Of the two sides of a cut group, the one that leaves (its faces go to a new person): the
 * side without faces the user placed; else the smaller; else the one without the oldest face
 * (lowest id), so that a group of two loses its newer face.
 */
export function leavingSide(items: ReadonlyArray<{ id: number; byUser: boolean }>, side: readonly boolean[]): boolean {
  const count = (s: boolean): { n: number; user: number; oldest: number } => {
    let n = 0, user = 0, oldest = Infinity;
    items.forEach((f, k) => {
      if (side[k] !== s) return;
      n++;
      if (f.byUser) user++;
      oldest = Math.min(oldest, f.id);
    });
    return { n, user, oldest };
  };
  const t = count(true), f = count(false);
  if ((t.user > 0) !== (f.user > 0)) return t.user > 0 ? false : true;
  if (t.n !== f.n) return t.n < f.n;
  return t.oldest > f.oldest;
}

/** BCubed weight of a cut of a group of n faces into s and n - s: what a right split adds to the sum of the faces' precisions. */
export function splitGain(s: number, n: number): number {
  return n > 0 ? (2 * s * (n - s)) / n : 0;
}
