// Pure grouping: no tfjs, no database. Faces are indices 0..n-1.

export interface GroupingEdges {
  /** Row-major kNN lists: for query row r (face queryFace[r]) the neighbour faces and distances. */
  queryFace: Int32Array;
  neighbour: Int32Array;
  distance: Float32Array;
  k: number;
}

export interface GroupingInput {
  n: number;
  /** Photo of each face: two faces of one photo are never one person. */
  photo: Int32Array;
  /** Existing person of each face (-1 for none). Faces of two different existing people are never merged here. */
  person: Int32Array;
  edges: GroupingEdges;
  /** Pairs the user said are the same person: always together. */
  mustLink: ReadonlyArray<readonly [number, number]>;
  /** Pairs the user said are different people: never together. */
  cannotLink: ReadonlyArray<readonly [number, number]>;
}

export interface GroupingOptions {
  /** Two groups merge when the mean distance of the neighbour pairs between them is at most this. */
  linkage: number;
  /** Neighbour pairs farther apart than this are not considered at all. */
  maxEdge: number;
}

class Group {
  size = 1;
  photos: Set<number>;
  /** Faces outside this group that some face inside may not be grouped with. */
  cannot: number[] = [];
  person: number;
  links = new Map<Group, { sum: number; count: number }>();
  constructor(photo: number, person: number) {
    this.photos = new Set([photo]);
    this.person = person;
  }
}

/**
 * Constrained average-linkage agglomeration over the k-nearest-neighbour graph: the closest
 * pair of groups is merged first; two groups merge when the mean distance of all
 * neighbour pairs between them stays within `linkage` and no hard rule forbids it (two faces
 * of one photo, a "different" answer of the user, two existing people). Returns a group label
 * per face (0-based, dense).
 */
export function groupFaces(input: GroupingInput, options: GroupingOptions): Int32Array {
  const { n, photo, person, edges } = input;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const groups: Group[] = Array.from({ length: n }, (_, i) => new Group(photo[i]!, person[i]!));
  for (const [a, b] of input.cannotLink) {
    groups[a]!.cannot.push(b);
    groups[b]!.cannot.push(a);
  }
  const allowed = (ra: number, rb: number): boolean => {
    const A = groups[ra]!, B = groups[rb]!;
    if (A.person >= 0 && B.person >= 0 && A.person !== B.person) return false;
    const [small, large] = A.photos.size <= B.photos.size ? [A, B] : [B, A];
    for (const p of small.photos) if (large.photos.has(p)) return false;
    for (const f of A.cannot) if (find(f) === rb) return false;
    for (const f of B.cannot) if (find(f) === ra) return false;
    return true;
  };

  const union = (ra: number, rb: number): number => {
    let A = groups[ra]!, B = groups[rb]!;
    let keep = ra, drop = rb;
    if (A.size < B.size) {
      [A, B] = [B, A];
      [keep, drop] = [drop, keep];
    }
    parent[drop] = keep;
    A.size += B.size;
    for (const p of B.photos) A.photos.add(p);
    A.cannot.push(...B.cannot);
    if (A.person < 0) A.person = B.person;
    A.links.delete(B);
    for (const [C, s] of B.links) {
      if (C === A) continue;
      const mine = A.links.get(C);
      const merged = mine ? { sum: mine.sum + s.sum, count: mine.count + s.count } : { ...s };
      A.links.set(C, merged);
      C.links.delete(B);
      C.links.set(A, merged);
    }
    B.links.clear();
    B.photos.clear();
    B.cannot = [];
    return keep;
  };

  // User's "same" answers first: they hold even against the distances.
  for (const [a, b] of input.mustLink) {
    const ra = find(a), rb = find(b);
    if (ra !== rb && allowed(ra, rb)) union(ra, rb);
  }

  // Each neighbour pair once, summed into the links between the groups it joins.
  const seen = new Set<number>();
  for (let r = 0; r < edges.queryFace.length; r++) {
    const a = edges.queryFace[r]!;
    for (let c = 0; c < edges.k; c++) {
      const b = edges.neighbour[r * edges.k + c]!;
      const d = edges.distance[r * edges.k + c]!;
      if (b < 0 || !(d <= options.maxEdge)) continue;
      const lo = Math.min(a, b), hi = Math.max(a, b);
      const key = lo * n + hi;
      if (seen.has(key)) continue;
      seen.add(key);
      const A = groups[find(lo)]!, B = groups[find(hi)]!;
      if (A === B) continue;
      const s = A.links.get(B) ?? { sum: 0, count: 0 };
      const link = { sum: s.sum + d, count: s.count + 1 };
      A.links.set(B, link);
      B.links.set(A, link);
    }
  }
  // Agglomerate: repeatedly take the closest pair of groups by mean linkage.
  const heap = new MinHeap<{ a: Group; b: Group; mean: number; count: number }>((x) => x.mean);
  const indexOf = new Map<Group, number>();
  groups.forEach((g, i) => indexOf.set(g, i));
  for (const g of groups) {
    for (const [h, s] of g.links) if (indexOf.get(g)! < indexOf.get(h)!) heap.push({ a: g, b: h, mean: s.sum / s.count, count: s.count });
  }
  while (heap.size > 0) {
    const top = heap.pop()!;
    if (top.mean > options.linkage) break;
    const ra = indexOf.get(top.a)!, rb = indexOf.get(top.b)!;
    if (find(ra) !== ra || find(rb) !== rb) continue; // stale: one side was merged away
    const current = top.a.links.get(top.b);
    if (!current || current.count !== top.count) continue; // stale: linkage changed since pushed
    if (!allowed(ra, rb)) {
      top.a.links.delete(top.b);
      top.b.links.delete(top.a);
      continue;
    }
    const keep = union(ra, rb);
    const K = groups[keep]!;
    for (const [C, s] of K.links) heap.push({ a: K, b: C, mean: s.sum / s.count, count: s.count });
  }

  const label = new Int32Array(n);
  const dense = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let l = dense.get(r);
    if (l === undefined) {
      l = dense.size;
      dense.set(r, l);
    }
    label[i] = l;
  }
  return label;
}

class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly key: (t: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(a[p]!) <= this.key(a[i]!)) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.key(a[l]!) < this.key(a[m]!)) m = l;
        if (r < a.length && this.key(a[r]!) < this.key(a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
