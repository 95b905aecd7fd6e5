import type { FaceForGrouping, FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { PeopleRepository } from '../db/people.repository.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { exactKnn } from './knn.js';
import type { LogisticFit } from '../ml/logistic.js';
import { loadMlRuntime } from '../ml/runtime.js';
import { chineseWhispers, densityGroups } from './anchor-groupings.js';
import type { CandidatePairHead } from './candidate-pair-head.js';
import { vetoCandidates } from './candidate-veto.js';
import { groupFaces, type GroupingEdges, type GroupingOptions } from './cluster.js';
import type { MergeRule } from './merge-distance.js';

export type GroupingAlgorithm = 'average-linkage' | 'chinese-whispers' | 'immich-density';

export const DEFAULT_GROUPING: GroupingOptions & { k: number } = { k: 30, linkage: 0.51, smallGroupMargin: 0.04, maxEdge: 0.6 };

export interface GroupingSummary {
  faces: number;
  newFaces: number;
  joinedExisting: number;
  newPeople: number;
  ms: number;
}

/** Options of one grouping run. */
export type GroupingSettings = GroupingOptions & { k: number };

/**
 * What a version learned from the library's answers changes in grouping: the linkage
 * threshold, and the pair head that vetoes candidate pairs (null: the installed model's own).
 */
export interface GroupingTuning {
  linkage: number;
  head: LogisticFit | null;
}

export interface GroupNewFacesOptions {
  /**
   * Faces whose automatic assignment this run may change (a newly learned version regroups the
   * faces no user decision covers): they are grouped again as if new.
   */
  release?: (face: FaceForGrouping) => boolean;
  /** Runs inside the transaction that writes the grouping (the learned version's activation). */
  alsoInTransaction?: () => void;
  /** Groups with this tuning instead of the current one (null: the shipped recognition). */
  tuning?: GroupingTuning | null;
}

/**
 * Groups faces that have no person yet: candidates from exact kNN over the descriptors, then
 * constrained agglomeration in which existing people stay as they are and new faces either
 * join one of them or form new people. The whole library is never re-grouped; only a newly
 * learned version releases the faces that no user decision covers.
 */
export class GroupingService {
  private readonly settings: () => GroupingSettings;

  constructor(
    private readonly faces: FacesRepository,
    private readonly people: PeopleRepository,
    private readonly labels: LabelsRepository,
    /** Scores candidate pairs with the production pair head; without one the descriptor alone decides. */
    private readonly pairHead: CandidatePairHead | null = null,
    /** Fixed settings, or where to read the current ones. */
    settings: GroupingSettings | (() => GroupingSettings) = DEFAULT_GROUPING,
    /** The active learned version's tuning, if any. */
    private readonly tuning: () => Promise<GroupingTuning | null> = async () => null,
  ) {
    this.settings = typeof settings === 'function' ? settings : () => settings;
  }

  /** The settings and pair head of a run: the learned tuning's where one applies. */
  private async current(override?: GroupingTuning | null): Promise<{ settings: GroupingSettings; head: LogisticFit | null }> {
    const t = override === undefined ? await this.tuning() : override;
    const settings = this.settings();
    return t === null ? { settings, head: null } : { settings: { ...settings, linkage: t.linkage }, head: t.head };
  }

  /** The linkage threshold grouping decides with now (the review asks about pairs near it). */
  async linkage(): Promise<number> {
    return (await this.current()).settings.linkage;
  }

  /** When grouping merges two groups now (the review asks first about the people nearest it). */
  async mergeRule(): Promise<MergeRule> {
    const { linkage, smallGroupMargin } = (await this.current()).settings;
    return { linkage, smallGroupMargin };
  }

  async groupNewFaces(run: GroupNewFacesOptions = {}): Promise<GroupingSummary> {
    const t0 = performance.now();
    const all = this.faces.listForGrouping(this.modelId());
    const n = all.length;
    const personOf = all.map((f) => (f.personId !== null && run.release?.(f) ? null : f.personId));
    const newFaces = personOf.filter((p) => p === null).length;
    const summary: GroupingSummary = { faces: n, newFaces, joinedExisting: 0, newPeople: 0, ms: 0 };
    if (newFaces === 0) {
      if (run.alsoInTransaction) this.people.applyGrouping([], run.alsoInTransaction);
      return { ...summary, ms: performance.now() - t0 };
    }
    const { settings, head } = await this.current(run.tuning);
    const label = await this.label(all, personOf, settings, head);

    // Each group holding new faces: the existing person in it (at most one), else a new person.
    const groups = new Map<number, { personId: number | null; faceIds: number[]; members: number[] }>();
    for (let i = 0; i < n; i++) {
      const f = all[i]!;
      const g = groups.get(label[i]!) ?? { personId: null, faceIds: [], members: [] };
      if (personOf[i] !== null) {
        g.personId = personOf[i]!;
        g.members.push(f.id);
      } else g.faceIds.push(f.id);
      groups.set(label[i]!, g);
    }
    const changes = [...groups.values()].filter((g) => g.faceIds.length > 0);
    for (const g of changes) {
      if (g.personId === null) summary.newPeople++;
      else summary.joinedExisting += g.faceIds.length;
    }
    // Written against what was read: an edit made meanwhile (in another process too) is kept.
    const readAs = new Map(all.map((f) => [f.id, { personId: f.personId, assignedBy: f.assignedBy }]));
    this.people.applyGrouping(changes, run.alsoInTransaction, readAs);
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
    const { settings, head } = await this.current();
    const merged = { ...settings, ...options };
    if (algorithm === 'average-linkage') {
      return { faceIds: all.map((f) => f.id), label: await this.label(all, all.map(() => null), merged, head) };
    }
    const { edges } = await this.neighbours(all, all.map(() => null), merged.k, head);
    const label =
      algorithm === 'chinese-whispers' ? chineseWhispers(all.length, edges, merged.linkage) : densityGroups(all.length, edges, merged.linkage);
    return { faceIds: all.map((f) => f.id), label };
  }

  private modelId(): number {
    return this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
  }

  /** Exact kNN of every face without a person among all faces. */
  private async neighbours(
    all: readonly FaceForGrouping[],
    personOf: ReadonlyArray<number | null>,
    k: number,
    head: LogisticFit | null,
  ): Promise<{ base: Float32Array; edges: GroupingEdges }> {
    const n = all.length;
    const queries = Int32Array.from(personOf.flatMap((p, i) => (p === null ? [i] : [])));
    const base = new Float32Array(n * DESCRIPTOR_DIMS);
    all.forEach((f, i) => base.set(f.vector, i * DESCRIPTOR_DIMS));
    const knn = await exactKnn(await loadMlRuntime(), base, n, DESCRIPTOR_DIMS, queries, k);
    const edges: GroupingEdges = { queryFace: queries, neighbour: knn.index, distance: knn.distance, k: knn.k };
    // The production pair head, where one is installed and measured better than the descriptor alone.
    const score = await this.pairHead?.scorerFor(all.map((f) => f.id), base, DESCRIPTOR_DIMS, head);
    if (score) vetoCandidates(edges, score);
    return { base, edges };
  }

  /** kNN from every face without a person, then constrained agglomeration; a group label per face. */
  private async label(
    all: readonly FaceForGrouping[],
    personOf: ReadonlyArray<number | null>,
    options: GroupingSettings,
    head: LogisticFit | null,
  ): Promise<Int32Array> {
    const n = all.length;
    const { base, edges } = await this.neighbours(all, personOf, options.k, head);

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
