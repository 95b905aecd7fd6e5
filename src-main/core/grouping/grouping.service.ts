import { trace } from '../trace.js';
import path from 'node:path';

import type { PreloadedFaces } from '../db/active-faces.js';
import type { PreloadedMatrix } from '../db/descriptor-matrix.js';
import type { FaceForGrouping, FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { GroupingChange, PeopleRepository, ReadAssignment } from '../db/people.repository.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { candidateNeighbours } from './knn.js';
import type { LogisticFit } from '../ml/logistic.js';
import { chineseWhispers, densityGroups } from './anchor-groupings.js';
import type { CandidatePairHead } from './candidate-pair-head.js';
import { vetoCandidates } from './candidate-veto.js';
import { groupTouchedFaces, type GroupingEdges, type GroupingOptions } from './cluster.js';
import type { MergeRule } from './merge-distance.js';

export type GroupingAlgorithm = 'average-linkage' | 'chinese-whispers' | 'immich-density';

export const DEFAULT_GROUPING: GroupingOptions & { k: number } = { k: 30, linkage: 0.51, smallGroupMargin: 0.04, maxEdge: 0.6 };

export interface GroupingSummary {
  faces: number;
  newFaces: number;
  joinedExisting: number;
  newPeople: number;
  ms: number;
  /** Milliseconds of each stage (read, knn, pairHead, cluster, plan, write) where FACEPAIR_GROUPING_STAGES=1: for the benchmarks. */
  stages?: Record<string, number>;
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
  /** The margin for small groups, where the version moved it (absent: the settings'). */
  smallGroupMargin?: number;
}

/**
 * Faces whose automatic assignment a run may change, grouped again as if new: those a test
 * picks, or 'undecided', the faces no user decision covers (put in a person by the grouping
 * alone, in a person the user neither named nor hid, in no answered pair), as a newly learned
 * version regroups them. Only the rule, as data, crosses to a worker thread.
 */
export type ReleaseRule = 'undecided' | ((face: FaceForGrouping) => boolean);

export interface GroupNewFacesOptions {
  release?: ReleaseRule;
  /** Runs inside the transaction that writes the grouping (the learned version's activation). */
  alsoInTransaction?: () => void;
  /** Groups with this tuning instead of the current one (null: the shipped recognition). */
  tuning?: GroupingTuning | null;
}

/** The settings and pair head of one grouping run. */
export interface ResolvedGrouping {
  settings: GroupingSettings;
  head: LogisticFit | null;
}

/** A grouping computed and not written yet (plain data: it crosses from a worker thread). */
export interface GroupingPlan {
  summary: GroupingSummary;
  changes: GroupingChange[];
  readAs: Array<ReadAssignment & { faceId: number }>;
}

/** A plan made elsewhere: written there already (`written`), or to be written by the caller. */
export type PlannedGrouping = { written: true; summary: GroupingSummary } | ({ written: false } & GroupingPlan);

/**
 * Makes a grouping plan elsewhere (a worker thread on the same database), and with `write`
 * writes it there too, on that thread's own connection.
 */
export interface GroupingPlanner {
  (resolved: ResolvedGrouping, release: 'undecided' | undefined, write: boolean): Promise<PlannedGrouping>;
  /**
   * Gets the next writing plan's thread ready now (its models load meanwhile); the returned
   * function ends it if no plan used it.
   */
  prestart?: () => () => void;
  /** Resolves once the prestarted thread has read ahead (null: none prestarted); `descriptors`, `faces`: whether the descriptor rows, the faces' fields were read ahead. */
  preloaded?: () => Promise<{ descriptors: boolean; faces: boolean } | null>;
}

/** Where each face id is in the list: a binary search where the list is in id order (a library's read is), else a map. */
function indexOfFaceId(all: readonly FaceForGrouping[]): (id: number) => number | undefined {
  const ids = Int32Array.from(all, (f) => f.id);
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) sorted = ids[i - 1]! < ids[i]!;
  if (!sorted) {
    const map = new Map(all.map((f, i) => [f.id, i]));
    return (id) => map.get(id);
  }
  return (id) => {
    let lo = 0, hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] === id) return mid;
      if (ids[mid]! < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  };
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
    /** Where a scan's grouping is planned, off the main thread (none: here). */
    private readonly planner?: GroupingPlanner,
    /** The library's cache folder: grouping keeps the descriptors there as one file (db/descriptor-matrix.ts); none: read whole each time. */
    private readonly cacheDir?: string,
  ) {
    this.settings = typeof settings === 'function' ? settings : () => settings;
  }

  /** The settings and pair head of a run: the learned tuning's where one applies. */
  private async current(override?: GroupingTuning | null): Promise<ResolvedGrouping> {
    const t = override === undefined ? await this.tuning() : override;
    const settings = this.settings();
    return t === null ? { settings, head: null } : { settings: { ...settings, linkage: t.linkage, ...(t.smallGroupMargin === undefined ? {} : { smallGroupMargin: t.smallGroupMargin }) }, head: t.head };
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

  /**
   * Groups the faces without a person and writes it. Where a planner is set and nothing but the
   * database decides the plan, it is made off the main thread (kNN, pair head, agglomeration)
   * and, unless something must be written in the same transaction here, written there too (a
   * scan's grouping). Either way the write re-reads what it overwrites, so an edit made while
   * the plan was made, in this process or another, is kept.
   */
  async groupNewFaces(run: GroupNewFacesOptions = {}): Promise<GroupingSummary> {
    const t0 = performance.now();
    let planned: PlannedGrouping | null = null;
    if (this.planner && typeof run.release !== 'function') {
      const resolved = await this.current(run.tuning);
      try {
        planned = await this.planner(resolved, run.release, run.alsoInTransaction === undefined);
      } catch {
        planned = null; // planned and written here instead (a failed write there rolled back)
      }
    }
    planned ??= { written: false, ...(await this.plan(run)) };
    if (!planned.written) this.write(planned, run.alsoInTransaction);
    return { ...planned.summary, ms: performance.now() - t0 };
  }

  /**
   * Starts where the next groupNewFaces plans (a scan's, started as its analysis begins) so
   * that it is ready by then; call the returned function once done, used or not.
   */
  prestart(): () => void {
    return this.planner?.prestart?.() ?? (() => {});
  }

  /** Waits until the prestarted plan's thread has read ahead (bench:scale: as a scan's analysis would give it time); null where none is. */
  async preloaded(): Promise<{ descriptors: boolean; faces: boolean } | null> {
    return (await this.planner?.preloaded?.()) ?? null;
  }

  /** Writes a plan against what it read (see groupNewFaces); `alsoInTransaction` runs in the same transaction. */
  write(plan: GroupingPlan, alsoInTransaction?: () => void): void {
    if (plan.changes.length === 0 && !alsoInTransaction) return;
    this.people.applyGrouping(plan.changes, alsoInTransaction, new Map(plan.readAs.map((r) => [r.faceId, r])));
  }

  /**
   * What grouping would write, computed from one read of the faces: the groups holding faces
   * without a person, and each face's assignment as read (the write checks it is unchanged).
   * `resolved`: the settings and head to use (else the current ones).
   */
  async plan(run: Omit<GroupNewFacesOptions, 'alsoInTransaction'> = {}, resolved?: ResolvedGrouping, preloaded?: PreloadedMatrix | null, preloadedFaces?: PreloadedFaces | null): Promise<GroupingPlan> {
    // Stage timings, for the benchmarks (npm run bench:scale sets FACEPAIR_GROUPING_STAGES=1).
    const stages: Record<string, number> | undefined = process.env.FACEPAIR_GROUPING_STAGES === '1' ? {} : undefined;
    let t = performance.now();
    const lap = (stage: string): void => {
      if (stages === undefined) return;
      const now = performance.now();
      stages[stage] = (stages[stage] ?? 0) + now - t;
      t = now;
    };
    // The faces, their people and every decision as they are now: the descriptor rows and the
    // faces' fields may come from a read-ahead, each checked against the database there (the
    // descriptors' epoch; the faces changed since, from the change log, read again).
    const { faces: all, vectors } = this.faces.listForGroupingMatrix(this.modelId(), this.descriptorFile(), preloaded, preloadedFaces);
    lap('read');
    const n = all.length;
    const release = run.release === 'undecided' ? this.undecided() : run.release;
    const personOf = all.map((f) => (f.personId !== null && release?.(f) ? null : f.personId));
    const newFaces = personOf.filter((p) => p === null).length;
    const summary: GroupingSummary = { faces: n, newFaces, joinedExisting: 0, newPeople: 0, ms: 0, ...(stages ? { stages } : {}) };
    if (newFaces === 0) return { summary, changes: [], readAs: [] };
    const { settings, head } = resolved ?? (await this.current(run.tuning));
    const label = await this.label(all, personOf, settings, head, lap, vectors);

    // Each group holding new faces: the existing person in it (at most one), else a new person.
    // Only the groups holding a new face are collected (not the library's other people).
    let labels = 0;
    for (let i = 0; i < n; i++) labels = Math.max(labels, label[i]! + 1);
    const withNew = new Uint8Array(labels);
    for (let i = 0; i < n; i++) if (personOf[i] === null) withNew[label[i]!] = 1;
    const groups = new Map<number, { personId: number | null; faceIds: number[]; members: number[]; at: number[] }>();
    for (let i = 0; i < n; i++) {
      if (withNew[label[i]!] === 0) continue;
      const f = all[i]!;
      let g = groups.get(label[i]!);
      if (g === undefined) groups.set(label[i]!, (g = { personId: null, faceIds: [], members: [], at: [] }));
      if (personOf[i] !== null) {
        g.personId = personOf[i]!;
        g.members.push(f.id);
      } else {
        g.faceIds.push(f.id);
        g.at.push(i);
      }
    }
    const changes = [...groups.values()].map(({ personId, faceIds, members }) => ({ personId, faceIds, members }));
    for (const g of changes) {
      if (g.personId === null) summary.newPeople++;
      else summary.joinedExisting += g.faceIds.length;
    }
    // Written against what was read: an edit made meanwhile (in another process too) is kept.
    // Only the faces the plan assigns are checked by the write: their assignment as read.
    const readAs = [...groups.values()].flatMap((g) => g.at.map((i) => ({ faceId: all[i]!.id, personId: all[i]!.personId, assignedBy: all[i]!.assignedBy })));
    lap('plan');
    return { summary, changes, readAs };
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

  /**
   * The descriptor file read ahead for the next plan (a scan's grouping worker, while photos
   * are analysed), with room for `spare` new faces; null without a cache folder or usable file.
   */
  preloadDescriptors(spare: number): PreloadedMatrix | null {
    const file = this.descriptorFile();
    return file === null ? null : this.faces.preloadGroupingMatrix(this.modelId(), file, spare);
  }

  /** The active faces' grouping fields read ahead for the next plan (null: the library has no change log; the plan reads them whole). */
  preloadFaces(): PreloadedFaces | null {
    return this.faces.preloadGroupingFaces();
  }

  /** The faces no user decision covers: grouped by the grouping alone, in no answered pair, in a person neither named nor hidden. */
  private undecided(): (face: FaceForGrouping) => boolean {
    const labelled = new Set(this.labels.list().flatMap((l) => [l.faceA, l.faceB]));
    const kept = this.people.namedOrHidden();
    return (f) => f.assignedBy !== 'user' && !labelled.has(f.id) && !(f.personId !== null && kept.has(f.personId));
  }

  private modelId(): number {
    return this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
  }

  private descriptorFile(): string | null {
    return this.cacheDir === undefined ? null : path.join(this.cacheDir, 'grouping', `descriptors-${this.modelId()}.bin`);
  }

  /** Exact kNN of every face without a person among all faces. */
  private async neighbours(
    all: readonly FaceForGrouping[],
    personOf: ReadonlyArray<number | null>,
    k: number,
    head: LogisticFit | null,
    /** Only neighbours this close are looked for (agglomeration links none farther). */
    maxDistance?: number,
    lap: (stage: string) => void = () => {},
    /** The faces' vectors as one matrix, where the caller has it. */
    vectors?: Float32Array,
  ): Promise<{ base: Float32Array; edges: GroupingEdges }> {
    const n = all.length;
    let nq = 0;
    for (let i = 0; i < n; i++) if (personOf[i] === null) nq++;
    const queries = new Int32Array(nq);
    for (let i = 0, r = 0; i < n; i++) if (personOf[i] === null) queries[r++] = i;
    const base = vectors ?? new Float32Array(n * DESCRIPTOR_DIMS);
    if (vectors === undefined) all.forEach((f, i) => base.set(f.vector, i * DESCRIPTOR_DIMS));
    trace('knn start');
    const knn = await candidateNeighbours(base, n, DESCRIPTOR_DIMS, queries, k, { maxDistance });
    const edges: GroupingEdges = { queryFace: queries, neighbour: knn.index, distance: knn.distance, k: knn.k };
    lap('knn');
    // The production pair head, where one is installed and measured better than the descriptor alone.
    // Scored only where a pair can decide a link: the faces of the candidate pairs (within
    // maxDistance), their seed vectors read and projected, not every face's.
    if (this.pairHead) {
      const local = new Int32Array(n).fill(-1);
      const involved: number[] = [];
      const use = (i: number): void => {
        if (local[i] === -1) local[i] = involved.push(i) - 1;
      };
      for (let r = 0; r < queries.length; r++) {
        for (let c = 0; c < edges.k; c++) {
          const j = edges.neighbour[r * edges.k + c]!;
          if (j < 0 || !Number.isFinite(edges.distance[r * edges.k + c]!)) continue;
          use(queries[r]!);
          use(j);
        }
      }
      const sub = new Float32Array(involved.length * DESCRIPTOR_DIMS);
      involved.forEach((i, l) => sub.set(base.subarray(i * DESCRIPTOR_DIMS, (i + 1) * DESCRIPTOR_DIMS), l * DESCRIPTOR_DIMS));
      const score = involved.length === 0 ? null : await this.pairHead.scorerFor(involved.map((i) => all[i]!.id), sub, DESCRIPTOR_DIMS, head);
      trace('pair head: scorer ready');
      if (score) vetoCandidates(edges, (i, j) => score(i.map((x) => local[x]!), j.map((x) => local[x]!)));
      lap('pairHead');
    }
    return { base, edges };
  }

  /** kNN from every face without a person, then constrained agglomeration; a group label per face. */
  private async label(
    all: readonly FaceForGrouping[],
    personOf: ReadonlyArray<number | null>,
    options: GroupingSettings,
    head: LogisticFit | null,
    lap: (stage: string) => void = () => {},
    vectors?: Float32Array,
  ): Promise<Int32Array> {
    const n = all.length;
    const { base, edges } = await this.neighbours(all, personOf, options.k, head, options.maxEdge, lap, vectors);

    const indexOfFace = indexOfFaceId(all);
    const mustLink: Array<[number, number]> = [];
    const cannotLink: Array<[number, number]> = [];
    for (const l of this.labels.list()) {
      const a = indexOfFace(l.faceA), b = indexOfFace(l.faceB);
      if (a === undefined || b === undefined) continue;
      (l.same ? mustLink : cannotLink).push([a, b]);
    }
    lap('other');
    const label = groupTouchedFaces(
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
    lap('cluster');
    return label;
  }
}
