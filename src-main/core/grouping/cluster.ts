// Pure grouping: no tfjs, no database. Faces are indices 0..n-1.

import { mergeDistance, type DescriptorSums, type MergeRule } from './merge-distance.js';

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
  /** Row-major n x dims face vectors. */
  vectors: Float32Array;
  dims: number;
  /** Pairs the user said are the same person: always together. */
  mustLink: ReadonlyArray<readonly [number, number]>;
  /** Pairs the user said are different people: never together. */
  cannotLink: ReadonlyArray<readonly [number, number]>;
}

export interface GroupingOptions extends MergeRule {
  /** Only groups joined by a neighbour pair closer than this are compared at all. */
  maxEdge: number;
}

class Group implements DescriptorSums {
  size = 1;
  /** Sum of the members' vectors and of their squared norms: exact average linkage in O(dims). */
  sum: Float64Array;
  sumSq = 0;
  photos: Set<number>;
  /** Faces outside this group that some face inside may not be grouped with. */
  cannot: number[] = [];
  person: number;
  links = new Set<Group>();
  constructor(
    photo: number,
    person: number,
    vector: Float32Array,
    /** The face it started from (its index while it is a root). */
    readonly index: number,
  ) {
    this.photos = new Set([photo]);
    this.person = person;
    this.sum = Float64Array.from(vector);
    for (const v of vector) this.sumSq += v * v;
  }
}

/**
 * Constrained average-linkage agglomeration: groups joined by a close neighbour pair (the kNN
 * graph) are candidates; the candidate pair with the smallest root-mean-square distance over
 * all their cross pairs merges first, as long as that stays within `linkage` and no hard rule
 * forbids it (two faces of one photo, a "different" answer of the user, two existing
 * people). Exact over all pairs, not only the neighbour pairs, so a few close pairs cannot
 * glue two people together. Returns a group label per face (0-based, dense).
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
  const { vectors, dims } = input;
  // Faces that some face may not be grouped with ("different" answers), each face's in answer order.
  const cannotOf = new Map<number, number[]>();
  const cannot = (a: number, b: number): void => {
    const list = cannotOf.get(a);
    if (list) list.push(b);
    else cannotOf.set(a, [b]);
  };
  for (const [a, b] of input.cannotLink) {
    cannot(a, b);
    cannot(b, a);
  }
  // A group per face, but existing people are whole groups from the start: a new face joins one
  // on its distance to all of that person's faces, not to the few that happen to be its
  // neighbours. A person's later faces are added to its first face's group as they come (the
  // same sums, in the same order, as merging single-face groups into it), without a group of
  // their own: a person of thousands of faces costs no thousands of groups.
  const groups: Array<Group | undefined> = new Array<Group | undefined>(n);
  const firstOfPerson = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const p = person[i]!;
    const first = p >= 0 ? firstOfPerson.get(p) : undefined;
    if (first === undefined) {
      if (p >= 0) firstOfPerson.set(p, i);
      const g = new Group(photo[i]!, p, vectors.subarray(i * dims, (i + 1) * dims), i);
      g.cannot = cannotOf.get(i)?.slice() ?? [];
      groups[i] = g;
      continue;
    }
    const A = groups[first]!;
    parent[i] = first;
    A.size += 1;
    let sumSq = 0;
    for (let d = 0, o = i * dims; d < dims; d++) {
      const v = vectors[o + d]!;
      A.sum[d] = A.sum[d]! + v;
      sumSq += v * v;
    }
    A.sumSq += sumSq;
    A.photos.add(photo[i]!);
    const c = cannotOf.get(i);
    if (c) A.cannot.push(...c);
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
    for (let d = 0; d < dims; d++) A.sum[d] = A.sum[d]! + B.sum[d]!;
    A.sumSq += B.sumSq;
    for (const p of B.photos) A.photos.add(p);
    A.cannot.push(...B.cannot);
    if (A.person < 0) A.person = B.person;
    A.links.delete(B);
    for (const C of B.links) {
      if (C === A) continue;
      A.links.add(C);
      C.links.delete(B);
      C.links.add(A);
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

  // Groups joined by a close neighbour pair are the candidates for a merge.
  for (let r = 0; r < edges.queryFace.length; r++) {
    const a = edges.queryFace[r]!;
    for (let c = 0; c < edges.k; c++) {
      const b = edges.neighbour[r * edges.k + c]!;
      const d = edges.distance[r * edges.k + c]!;
      if (b < 0 || !(d <= options.maxEdge)) continue;
      const A = groups[find(a)]!, B = groups[find(b)]!;
      if (A === B) continue;
      A.links.add(B);
      B.links.add(A);
    }
  }
  // Agglomerate: repeatedly merge the closest pair of candidate groups.
  const heap = new MinHeap<{ a: Group; b: Group; d: number; sizeA: number; sizeB: number }>((x) => x.d);
  const push = (A: Group, B: Group): void => {
    const d = mergeDistance(A, B, options.smallGroupMargin);
    if (d <= options.linkage) heap.push({ a: A, b: B, d, sizeA: A.size, sizeB: B.size });
  };
  for (const g of groups) {
    if (g) for (const h of g.links) if (g.index < h.index) push(g, h);
  }
  while (heap.size > 0) {
    const top = heap.pop()!;
    const ra = top.a.index, rb = top.b.index;
    if (find(ra) !== ra || find(rb) !== rb) continue; // stale: one side was merged away
    if (!top.a.links.has(top.b)) continue; // no longer candidates
    if (top.a.size !== top.sizeA || top.b.size !== top.sizeB) {
      // Grown since pushed: weighed again now, and back in the heap at its distance now.
      push(top.a, top.b);
      continue;
    }
    if (!allowed(ra, rb)) {
      top.a.links.delete(top.b);
      top.b.links.delete(top.a);
      continue;
    }
    // The larger group's entries stay in the heap and are weighed again when they come up
    // (above); the pairs the smaller one brings are weighed now. Re-weighing every link of a
    // group at each merge cost O(size² · dims) for a person of thousands of faces.
    const smallLinks = [...(groups[ra]!.size >= groups[rb]!.size ? groups[rb]! : groups[ra]!).links];
    const keep = union(ra, rb);
    const K = groups[keep]!;
    for (const C of smallLinks) if (C !== K && K.links.has(C)) push(K, C);
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

/**
 * A binary min-heap on `key`: the keys in a typed array beside the items, the same sift steps
 * (and so the same order among equal keys) as a heap that calls `key` at each comparison.
 */
class MinHeap<T> {
  private items: T[] = [];
  private keys = new Float64Array(1024);
  constructor(private readonly key: (t: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  push(item: T): void {
    const a = this.items;
    if (a.length === this.keys.length) {
      const more = new Float64Array(this.keys.length * 2);
      more.set(this.keys);
      this.keys = more;
    }
    const ks = this.keys;
    const k = this.key(item);
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ks[p]! <= k) break;
      a[i] = a[p]!;
      ks[i] = ks[p]!;
      i = p;
    }
    a[i] = item;
    ks[i] = k;
  }
  pop(): T | undefined {
    const a = this.items, ks = this.keys;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    const n = a.length;
    if (n > 0) {
      const lk = ks[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i, mk = lk;
        if (l < n && ks[l]! < mk) {
          m = l;
          mk = ks[l]!;
        }
        if (r < n && ks[r]! < mk) m = r;
        if (m === i) break;
        a[i] = a[m]!;
        ks[i] = ks[m]!;
        i = m;
      }
      a[i] = last;
      ks[i] = lk;
    }
    return top;
  }
}

/**
 * The same labels as groupFaces for every face a merge can reach, computed on those faces
 * alone: the faces the kNN lists start from (those without a person), their neighbours within
 * maxEdge, the user's "same" partners of these, and every face of each person among them (a
 * face joins a person on its distance to all of that person's faces). No other face can change
 * group: it is in a person no candidate pair reaches, and stays in it. So adding a thousand
 * faces to a library of 150,000 agglomerates a few thousand faces, not the whole library.
 * Untouched faces get labels of their own, one per person (or face).
 */
export function groupTouchedFaces(input: GroupingInput, options: GroupingOptions): Int32Array {
  const { n, person, edges, dims } = input;
  const mark = new Uint8Array(n);
  for (let r = 0; r < edges.queryFace.length; r++) {
    mark[edges.queryFace[r]!] = 1;
    for (let c = 0; c < edges.k; c++) {
      const b = edges.neighbour[r * edges.k + c]!;
      if (b >= 0 && edges.distance[r * edges.k + c]! <= options.maxEdge) mark[b] = 1;
    }
  }
  let people = 0;
  for (let i = 0; i < n; i++) people = Math.max(people, person[i]! + 1);
  const touchedPeople = new Uint8Array(people);
  for (let changed = true; changed; ) {
    changed = false;
    for (const [a, b] of input.mustLink) {
      if (mark[a] !== mark[b]) {
        mark[a] = mark[b] = 1;
        changed = true;
      }
    }
    for (let i = 0; i < n; i++) if (mark[i] && person[i]! >= 0) touchedPeople[person[i]!] = 1;
    for (let i = 0; i < n; i++) {
      if (!mark[i] && person[i]! >= 0 && touchedPeople[person[i]!] === 1) {
        mark[i] = 1;
        changed = true;
      }
    }
  }
  const sub: number[] = [];
  const local = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) if (mark[i]) local[i] = sub.push(i) - 1;
  if (sub.length === n) return groupFaces(input, options);
  const vectors = new Float32Array(sub.length * dims);
  sub.forEach((i, l) => vectors.set(input.vectors.subarray(i * dims, (i + 1) * dims), l * dims));
  const both = (pairs: ReadonlyArray<readonly [number, number]>): Array<[number, number]> =>
    pairs.filter(([a, b]) => local[a]! >= 0 && local[b]! >= 0).map(([a, b]) => [local[a]!, local[b]!]);
  const label = groupFaces(
    {
      n: sub.length,
      photo: Int32Array.from(sub, (i) => input.photo[i]!),
      person: Int32Array.from(sub, (i) => person[i]!),
      edges: {
        queryFace: edges.queryFace.map((q) => local[q]!),
        neighbour: edges.neighbour.map((b) => (b >= 0 ? local[b]! : -1)),
        distance: edges.distance,
        k: edges.k,
      },
      vectors,
      dims,
      mustLink: both(input.mustLink),
      cannotLink: both(input.cannotLink),
    },
    options,
  );
  let next = 0;
  for (const l of label) next = Math.max(next, l + 1);
  const out = new Int32Array(n);
  const ofPerson = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (local[i]! >= 0) out[i] = label[local[i]!]!;
    else if (person[i]! < 0) out[i] = next++;
    else {
      let l = ofPerson.get(person[i]!);
      if (l === undefined) ofPerson.set(person[i]!, (l = next++));
      out[i] = l;
    }
  }
  return out;
}
