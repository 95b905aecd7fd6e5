import type { FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { ReviewReason } from '../contract/api.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { exactKnn } from '../grouping/knn.js';
import { loadMlRuntime } from '../ml/runtime.js';
import { DEFAULT_GROUPING } from '../grouping/grouping.service.js';
import type { MergeRule } from '../grouping/merge-distance.js';
import type { CandidatePairHead } from '../grouping/candidate-pair-head.js';
import { compareGroupPairs, type GroupsToRank } from './review-priority.js';
import { SPREAD_WINDOW, spreadOverPeople } from './review-spread.js';
import { PeopleToldApart } from './people-told-apart.js';

/**
 * Neighbours looked at per face; how far above the threshold a pair across two groups may lie to
 * be asked about (below it, any: grouping may have kept close groups apart), and how far from it
 * a pair inside one group may lie either way.
 */
export const REVIEW_NEIGHBOURS = 10;
export const REVIEW_BAND = 0.15;
/**
 * Without a pair head (no trained model installed), P(same) of a pair is read from its
 * descriptor distance: 0.5 at the threshold, falling by e for each PROXY_SCALE beyond it.
 */
export const PROXY_SCALE = 0.03;

export interface ReviewCandidate {
  faceA: number;
  faceB: number;
  distance: number;
  samePerson: boolean;
  /** The people of faceA and faceB now (one and the same when samePerson). */
  personA: number;
  personB: number;
  reason: ReviewReason;
}

/** What the review needs to know of the answers given so far, beyond the labels. */
export interface ReviewHistory {
  /** Face pairs the user skipped (and did not undo): asked again only after the rest. */
  skippedPairs(): ReadonlyArray<readonly [number, number]>;
  /** The face pairs of the newest `count` edits that were review answers or skips (not undone), oldest first. */
  recentReviewPairs(count: number): ReadonlyArray<readonly [number, number]>;
}

interface Neighbourhood {
  key: string;
  /** Close pairs of faces of different photos, each once (a < b), with P(same) by the shipped pair head. */
  pairs: Array<{ a: number; b: number; d: number; p: number }>;
  /** Every face's close neighbours on other photos (face ids, flat: from[i] → to[i]), for the look-alike shares. */
  from: Int32Array;
  to: Int32Array;
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * The questions that teach the grouping most, one per pair of groups: for two groups (people
 * as grouped now), their most alike pair of faces, ranked by `expectedChange` (how likely the
 * two are one person by the shipped pair head, how much each group's look-alikes fall in the
 * other, how many faces one answer moves), spread over the people; then pairs inside one
 * group near the threshold (is it two people?). The pair head is always the shipped one: a
 * version learned from a few hundred answers regroups the library only once it measured no
 * worse, but it never chooses which questions are asked, so that its own errors cannot make
 * the review ask the wrong ones. Pairs the user labelled are never asked again, nor pairs
 * across two groups the answers keep apart, directly or through other answers; skipped pairs
 * come last.
 */
export class ReviewService {
  private cache?: Neighbourhood;

  constructor(
    private readonly faces: FacesRepository,
    private readonly labels: LabelsRepository,
    private readonly history: ReviewHistory,
    /** When grouping merges two groups now: fixed, or read at each look (a learned version moves the linkage). */
    rule: MergeRule | (() => Promise<MergeRule>) = DEFAULT_GROUPING,
    /** The shipped pair head (none: P(same) from the descriptor distance alone). */
    private readonly pairHead?: CandidatePairHead,
  ) {
    this.rule = typeof rule === 'function' ? rule : async () => rule;
  }

  private readonly rule: () => Promise<MergeRule>;

  async linkage(): Promise<number> {
    return (await this.rule()).linkage;
  }

  /** Call after a scan: the faces changed. */
  invalidate(): void {
    this.cache = undefined;
  }

  async candidates(): Promise<ReviewCandidate[]> {
    const { linkage: threshold } = await this.rule();
    const { pairs, from, to } = await this.neighbourhood(threshold);
    const now = this.faces.listAssignments();
    const visible = (face: number): number | null => {
      const f = now.get(face);
      return f && f.personId !== null && !f.hidden ? f.personId : null;
    };
    const labels = this.labels.list();
    const labelled = new Set(labels.map((l) => pairKey(l.faceA, l.faceB)));
    const toldApart = new PeopleToldApart(labels, (face) => now.get(face)?.personId ?? null);
    const photos = this.faces.photoCountsByPerson();
    const photosOf = (person: number): number => photos.get(person) ?? 0;
    const facesOf = new Map<number, number>();
    for (const f of now.values()) if (f.personId !== null) facesOf.set(f.personId, (facesOf.get(f.personId) ?? 0) + 1);
    const skipped = new Set(this.history.skippedPairs().map(([a, b]) => pairKey(a, b)));

    // Each group's look-alikes: of its faces' close neighbours (on other photos), how many lie in each other group.
    const neighbours = new Map<number, number>();
    const between = new Map<string, number>();
    for (let e = 0; e < from.length; e++) {
      const pa = visible(from[e]!), pb = visible(to[e]!);
      if (pa === null || pb === null) continue;
      neighbours.set(pa, (neighbours.get(pa) ?? 0) + 1);
      if (pa !== pb) between.set(`${pa}>${pb}`, (between.get(`${pa}>${pb}`) ?? 0) + 1);
    }
    const share = (pa: number, pb: number): number => (between.get(`${pa}>${pb}`) ?? 0) / Math.max(1, neighbours.get(pa) ?? 0);

    type Across = ReviewCandidate & { rank: GroupsToRank & { distance: number } };
    type Inside = ReviewCandidate & { fromThreshold: number; skipped: boolean };
    // The most alike pair of each two groups (by P(same), then distance).
    const best = new Map<string, Across>();
    const skippedGroups = new Set<string>();
    const inside: Inside[] = [];
    for (const { a, b, d, p } of pairs) {
      const fa = now.get(a), fb = now.get(b);
      const pa = visible(a), pb = visible(b);
      if (!fa || !fb || pa === null || pb === null) continue;
      if (labelled.has(pairKey(a, b))) continue;
      const isSkipped = skipped.has(pairKey(a, b));
      if (pa === pb) {
        // A face the user put in its person was decided on; far from the threshold, the grouping is sure.
        if (fa.assignedBy === 'user' || fb.assignedBy === 'user' || Math.abs(d - threshold) > REVIEW_BAND) continue;
        const reason: ReviewReason = { kind: 'may-be-two-people', otherPhotos: Math.max(0, photosOf(pa) - 1) };
        inside.push({ faceA: a, faceB: b, distance: d, samePerson: true, personA: pa, personB: pb, reason, fromThreshold: Math.abs(d - threshold), skipped: isSkipped });
        continue;
      }
      // People the answers keep apart stay apart: the answer is known already.
      if (toldApart.apart(pa, pb)) continue;
      const key = pairKey(pa, pb);
      // Two groups with a skipped pair between them come after the rest (the user set them aside).
      if (isSkipped) skippedGroups.add(key);
      const held = best.get(key);
      if (held && (held.rank.same > p || (held.rank.same === p && held.distance <= d))) continue;
      const rank = {
        same: p,
        lookAlikeShare: (share(pa, pb) + share(pb, pa)) / 2,
        gain: Math.min(facesOf.get(pa) ?? 0, facesOf.get(pb) ?? 0),
        distance: d,
      };
      const reason: ReviewReason = { kind: 'may-be-one-person', photos: photosOf(pa) + photosOf(pb) };
      best.set(key, { faceA: a, faceB: b, distance: d, samePerson: false, personA: pa, personB: pb, reason, rank });
    }
    const across = [...best.entries()].map(([key, c]) => ({ ...c, skipped: skippedGroups.has(key) }));
    const byChange = (x: Across, y: Across): number => compareGroupPairs(x.rank, y.rank);
    const byThreshold = (x: Inside, y: Inside): number => x.fromThreshold - y.fromThreshold || x.distance - y.distance;
    // The people of the pairs just answered, as they are now: the spread goes on from them.
    const asked = this.history.recentReviewPairs(SPREAD_WINDOW - 1).flatMap(([a, b]) => {
      const personA = now.get(a)?.personId ?? null, personB = now.get(b)?.personId ?? null;
      return personA !== null && personB !== null ? [{ personA, personB }] : [];
    });
    const strip = ({ faceA, faceB, distance, samePerson, personA, personB, reason }: ReviewCandidate): ReviewCandidate => ({ faceA, faceB, distance, samePerson, personA, personB, reason });
    return [
      ...spreadOverPeople(across.filter((c) => !c.skipped).sort(byChange), asked),
      ...inside.filter((c) => !c.skipped).sort(byThreshold),
      ...across.filter((c) => c.skipped).sort(byChange),
      ...inside.filter((c) => c.skipped).sort(byThreshold),
    ].map(strip);
  }

  private async neighbourhood(threshold: number): Promise<Neighbourhood> {
    const all = this.faces.listForGrouping(this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS));
    const key = `${all.length}:${all[0]?.id ?? 0}:${all.at(-1)?.id ?? 0}:${threshold}`;
    if (this.cache?.key === key) return this.cache;
    const n = all.length;
    const base = new Float32Array(n * DESCRIPTOR_DIMS);
    all.forEach((f, i) => base.set(f.vector, i * DESCRIPTOR_DIMS));
    const queries = Int32Array.from({ length: n }, (_, i) => i);
    const knn = n > 1 ? await exactKnn(await loadMlRuntime(), base, n, DESCRIPTOR_DIMS, queries, REVIEW_NEIGHBOURS) : undefined;
    const seen = new Set<string>();
    const rows: Array<{ i: number; j: number; d: number }> = [];
    const from: number[] = [], to: number[] = [];
    for (let r = 0; knn && r < n; r++) {
      for (let c = 0; c < knn.k; c++) {
        const j = knn.index[r * knn.k + c]!;
        const d = knn.distance[r * knn.k + c]!;
        if (j < 0 || j === r) continue;
        const fa = all[r]!, fb = all[j]!;
        // Above the band the groups are surely two; below it, close groups the grouping kept apart are asked about too.
        // Above the band the groups are surely two; below it, close groups the grouping kept apart are asked about too.
        if (fa.photoId === fb.photoId || d - threshold > REVIEW_BAND) continue;
        from.push(fa.id);
        to.push(fb.id);
        const k = pairKey(fa.id, fb.id);
        if (seen.has(k)) continue;
        seen.add(k);
        rows.push(fa.id < fb.id ? { i: r, j, d } : { i: j, j: r, d });
      }
    }
    const prob = await this.probabilities(all.map((f) => f.id), base, rows, threshold);
    const pairs = rows.map(({ i, j, d }, q) => ({ a: all[i]!.id, b: all[j]!.id, d, p: prob[q]! }));
    this.cache = { key, pairs, from: Int32Array.from(from), to: Int32Array.from(to) };
    return this.cache;
  }

  /** P(same person) of each pair by the shipped pair head; where it has no opinion, from the distance. */
  private async probabilities(faceIds: number[], descriptors: Float32Array, rows: ReadonlyArray<{ i: number; j: number; d: number }>, threshold: number): Promise<Float64Array> {
    const proxy = (d: number): number => 1 / (1 + Math.exp((d - threshold) / PROXY_SCALE));
    const out = Float64Array.from(rows, (r) => proxy(r.d));
    if (!this.pairHead || rows.length === 0) return out;
    // The installed head, never a learned one (null): the queue's choice stays the shipped recognition's.
    const score = await this.pairHead.scorerFor(faceIds, descriptors, DESCRIPTOR_DIMS, null);
    if (score === null) return out;
    const p = score(Int32Array.from(rows, (r) => r.i), Int32Array.from(rows, (r) => r.j));
    p.forEach((v, q) => {
      if (Number.isFinite(v)) out[q] = v;
    });
    return out;
  }
}
