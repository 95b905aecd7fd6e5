import type { FaceForGrouping, FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { PeopleRepository } from '../db/people.repository.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { exactKnn } from './knn.js';
import { loadMlRuntime } from '../ml/runtime.js';
import { chineseWhispers, densityGroups } from './anchor-groupings.js';
import type { CandidatePairHead } from './candidate-pair-head.js';
import { vetoCandidates } from './candidate-veto.js';
import { groupFaces, type GroupingEdges, type GroupingOptions } from './cluster.js';

export type GroupingAlgorithm = 'average-linkage' | 'chinese-whispers' | 'immich-density';

export const DEFAULT_GROUPING: GroupingOptions & { k: number } = { k: 30, linkage: 0.51, smallGroupMargin: 0.04, maxEdge: 0.6 };

export interface GroupingSummary {
  faces: number;
  newFaces: number;
  joinedExisting: number;
  newPeople: number;
  ms: number;
}

/**
 * Groups faces that have no person yet: candidates from exact kNN over the descriptors, then
 * constrained agglomeration in which existing people stay as they are and new faces either
 * join one of them or form new people. The whole library is never re-grouped.
 */
export class GroupingService {
  constructor(
    private readonly faces: FacesRepository,
    private readonly people: PeopleRepository,
    private readonly labels: LabelsRepository,
    /** Scores candidate pairs with the production pair head; without one the descriptor alone decides. */
    private readonly pairHead: CandidatePairHead | null = null,
    private readonly options = DEFAULT_GROUPING,
  ) {}

  async groupNewFaces(): Promise<GroupingSummary> {
    const t0 = performance.now();
    const all = this.faces.listForGrouping(this.modelId());
    const n = all.length;
    const newFaces = all.filter((f) => f.personId === null).length;
    const summary: GroupingSummary = { faces: n, newFaces, joinedExisting: 0, newPeople: 0, ms: 0 };
    if (newFaces === 0) return { ...summary, ms: performance.now() - t0 };
    const label = await this.label(all, all.map((f) => f.personId), this.options);

    // Each group holding new faces: the existing person in it (at most one), else a new person.
    const groups = new Map<number, { personId: number | null; faceIds: number[] }>();
    for (let i = 0; i < n; i++) {
      const f = all[i]!;
      const g = groups.get(label[i]!) ?? { personId: null, faceIds: [] };
      if (f.personId !== null) g.personId = f.personId;
      else g.faceIds.push(f.id);
      groups.set(label[i]!, g);
    }
    const changes = [...groups.values()].filter((g) => g.faceIds.length > 0);
    for (const g of changes) {
      if (g.personId === null) summary.newPeople++;
      else summary.joinedExisting += g.faceIds.length;
    }
    this.people.applyGrouping(changes);
    return { ...summary, ms: performance.now() - t0 };
  }

  /**
   * A grouping of every face from scratch, written nowhere: for evaluation and tuning. The
   * anchors (Chinese whispers, Immich's density rule) use `linkage` as their distance limit.
   */
  async proposeFromScratch(
    options: Partial<typeof DEFAULT_GROUPING> = {},
    algorithm: GroupingAlgorithm = 'average-linkage',
  ): Promise<{ faceIds: number[]; label: Int32Array }> {
    const all = this.faces.listForGrouping(this.modelId());
    const merged = { ...this.options, ...options };
    if (algorithm === 'average-linkage') {
      return { faceIds: all.map((f) => f.id), label: await this.label(all, all.map(() => null), merged) };
    }
    const { edges } = await this.neighbours(all, all.map(() => null), merged.k);
    const label =
      algorithm === 'chinese-whispers' ? chineseWhispers(all.length, edges, merged.linkage) : densityGroups(all.length, edges, merged.linkage);
    return { faceIds: all.map((f) => f.id), label };
  }

  private modelId(): number {
    return this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
  }

  /** Exact kNN of every face without a person among all faces. */
  private async neighbours(all: readonly FaceForGrouping[], personOf: ReadonlyArray<number | null>, k: number): Promise<{ base: Float32Array; edges: GroupingEdges }> {
    const n = all.length;
    const queries = Int32Array.from(personOf.flatMap((p, i) => (p === null ? [i] : [])));
    const base = new Float32Array(n * DESCRIPTOR_DIMS);
    all.forEach((f, i) => base.set(f.vector, i * DESCRIPTOR_DIMS));
    const knn = await exactKnn(await loadMlRuntime(), base, n, DESCRIPTOR_DIMS, queries, k);
    const edges: GroupingEdges = { queryFace: queries, neighbour: knn.index, distance: knn.distance, k: knn.k };
    // The production pair head, where one is installed and measured better than the descriptor alone.
    const score = await this.pairHead?.scorerFor(all.map((f) => f.id), base, DESCRIPTOR_DIMS);
    if (score) vetoCandidates(edges, score);
    return { base, edges };
  }

  /** kNN from every face without a person, then constrained agglomeration; a group label per face. */
  private async label(all: readonly FaceForGrouping[], personOf: ReadonlyArray<number | null>, options: typeof DEFAULT_GROUPING): Promise<Int32Array> {
    const n = all.length;
    const { base, edges } = await this.neighbours(all, personOf, options.k);

    const indexOfFace = new Map(all.map((f, i) => [f.id, i]));
    const mustLink: Array<[number, number]> = [];
    const cannotLink: Array<[number, number]> = [];
    for (const l of this.labels.list()) {
      const a = indexOfFace.get(l.faceA), b = indexOfFace.get(l.faceB);
      if (a === undefined || b === undefined) continue;
      (l.same ? mustLink : cannotLink).push([a, b]);
    }
    return groupFaces(
      {
        n,
        photo: Int32Array.from(all.map((f) => f.photoId)),
        person: Int32Array.from(personOf.map((p) => p ?? -1)),
        edges,
        vectors: base,
        dims: DESCRIPTOR_DIMS,
        mustLink,
        cannotLink,
      },
      options,
    );
  }
}
