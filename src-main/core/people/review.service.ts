import type { FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { ReviewReason } from '../contract/api.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { exactKnn } from '../grouping/knn.js';
import { loadMlRuntime } from '../ml/runtime.js';
import { DEFAULT_GROUPING } from '../grouping/grouping.service.js';
import type { MergeRule } from '../grouping/merge-distance.js';
import type { CandidatePairHead } from '../grouping/candidate-pair-head.js';
import { expectedChange, expectedSplit, type GroupsToRank } from './review-priority.js';
import { leavingSide, sidesWithout, spanningTree } from './group-split.js';
import { CALIBRATION_ANSWERS, calibrateSame } from './review-calibration.js';
import type { PairProbabilities } from '../grouping/candidate-veto.js';
import { euclideanRows } from '../ml/distance.js';
import { SPREAD_WINDOW, spreadOverPeople } from './review-spread.js';
import { PeopleToldApart } from './people-told-apart.js';

/**
 * Neighbours looked at per face; how far above the threshold a pair across two groups may lie to
 * be asked about (below it, any: grouping may have kept close groups apart), and how far from it
 * a pair inside one group may lie either way.
 */
export const REVIEW_NEIGHBOURS = 10;
export const REVIEW_BAND = 0.15;
/** Groups of up to this many faces are asked about their weakest link (every two of their faces are scored each time they change). */
export const SPLIT_MAX_FACES = 48;
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
  /** Every face with a descriptor (ascending id), its row in `descriptors`, and its photo. */
  ids: number[];
  row: Map<number, number>;
  photo: Int32Array;
  descriptors: Float32Array;
  /** The shipped pair head over these rows (null: P(same) from the distance). */
  score: PairProbabilities | null;
  threshold: number;
  /** The weakest link of each group, by the group's faces and their decided links (kept while they are unchanged). */
  splits: Map<string, WeakLink | null>;
}

/** Where a group is weakest: the spanning-tree link to ask about, and what a "different" there separates. */
interface WeakLink {
  a: number;
  b: number;
  distance: number;
  /** Mean P(same) across the cut, and on either side of it (two faces of one photo count 0; null: no two faces on one side). */
  acrossSame: number;
  withinSame: number | null;
  /** Faces, and the faces' photos, on the side that would leave and on the side that would stay. */
  leavingFaces: number;
  stayingFaces: number;
  leavingPhotos: number;
  stayingPhotos: number;
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * The questions that teach the grouping most: one per pair of groups (people as grouped
 * now), their most alike pair of faces, ranked by `expectedChange` (how likely the two are one
 * person, how much each group's look-alikes fall in the other, how many faces one answer
 * moves); and one per group, its weakest link (group-split.ts), ranked by `expectedSplit`
 * (how much less alike its faces are across the cut than on its sides, what a right cut adds
 * to BCubed precision); all in one order, spread over the people. P(same) is the shipped pair
 * head's, read through the user's answers so far (review-calibration.ts): a version learned
 * from a few hundred answers regroups the library only once it measured no worse, but it never
 * chooses which questions are asked, so that its own errors cannot make the review ask the
 * wrong ones. Pairs the user labelled are never asked again, nor pairs across two groups the
 * answers keep apart, directly or through other answers, nor links the user decided; skipped
 * pairs come last.
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
    const hood = await this.neighbourhood(threshold);
    const { pairs, from, to } = hood;
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

    type Across = ReviewCandidate & { rank: GroupsToRank & { distance: number }; p: number };
    // P(same) as the user's answers so far read it (review-calibration.ts).
    const calibrated = this.calibration(hood, labels);
    // The most alike pair of each two groups (by P(same), then distance).
    const best = new Map<string, Across>();
    const skippedGroups = new Set<string>();
    for (const { a, b, d, p } of pairs) {
      const fa = now.get(a), fb = now.get(b);
      const pa = visible(a), pb = visible(b);
      if (!fa || !fb || pa === null || pb === null) continue;
      if (labelled.has(pairKey(a, b))) continue;
      const isSkipped = skipped.has(pairKey(a, b));
      // Inside one group, only its weakest link is asked about (below).
      if (pa === pb) continue;
      // People the answers keep apart stay apart: the answer is known already.
      if (toldApart.apart(pa, pb)) continue;
      const key = pairKey(pa, pb);
      // Two groups with a skipped pair between them come after the rest (the user set them aside).
      if (isSkipped) skippedGroups.add(key);
      const held = best.get(key);
      if (held && (held.p > p || (held.p === p && held.distance <= d))) continue;
      const rank = {
        same: calibrated(p),
        lookAlikeShare: (share(pa, pb) + share(pb, pa)) / 2,
        gain: Math.min(facesOf.get(pa) ?? 0, facesOf.get(pb) ?? 0),
        distance: d,
      };
      const reason: ReviewReason = { kind: 'may-be-one-person', photos: photosOf(pa) + photosOf(pb) };
      best.set(key, { faceA: a, faceB: b, distance: d, samePerson: false, personA: pa, personB: pb, reason, rank, p });
    }
    type Ranked = ReviewCandidate & { change: number; skipped: boolean };
    const across: Ranked[] = [...best.entries()].map(([key, { p: _p, ...c }]) => ({ ...c, change: expectedChange(c.rank), skipped: skippedGroups.has(key) }));

    // Inside each group, its weakest link: "different" there cuts the group in two.
    const sameLabelled = new Set(labels.filter((l) => l.same).map((l) => pairKey(l.faceA, l.faceB)));
    const groups = new Map<number, number[]>();
    hood.ids.forEach((id) => {
      const person = visible(id);
      if (person !== null) (groups.get(person) ?? groups.set(person, []).get(person)!).push(id);
    });
    const inside: Ranked[] = [];
    for (const [person, members] of groups) {
      if (members.length < 2 || members.length > SPLIT_MAX_FACES) continue;
      const byUser = members.map((id) => now.get(id)?.assignedBy === 'user');
      const tied = (i: number, j: number): boolean => (byUser[i]! && byUser[j]!) || sameLabelled.has(pairKey(members[i]!, members[j]!));
      const link = await this.weakLink(hood, members, byUser, tied);
      if (link === null || labelled.has(pairKey(link.a, link.b))) continue;
      const reason: ReviewReason = { kind: 'may-be-two-people', otherPhotos: Math.max(0, photosOf(person) - 1), apart: link.leavingPhotos };
      inside.push({
        faceA: link.a,
        faceB: link.b,
        distance: link.distance,
        samePerson: true,
        personA: person,
        personB: person,
        reason,
        change: expectedSplit({ across: link.acrossSame, within: link.withinSame, leaving: link.leavingFaces, faces: link.leavingFaces + link.stayingFaces }),
        skipped: skipped.has(pairKey(link.a, link.b)),
      });
    }
    const byChange = (x: Ranked, y: Ranked): number => y.change - x.change || x.distance - y.distance;
    // The people of the pairs just answered, as they are now: the spread goes on from them.
    const asked = this.history.recentReviewPairs(SPREAD_WINDOW - 1).flatMap(([a, b]) => {
      const personA = now.get(a)?.personId ?? null, personB = now.get(b)?.personId ?? null;
      return personA !== null && personB !== null ? [{ personA, personB }] : [];
    });
    const strip = ({ faceA, faceB, distance, samePerson, personA, personB, reason }: ReviewCandidate): ReviewCandidate => ({ faceA, faceB, distance, samePerson, personA, personB, reason });
    const all = [...across, ...inside];
    return [...spreadOverPeople(all.filter((c) => !c.skipped).sort(byChange), asked), ...all.filter((c) => c.skipped).sort(byChange)].map(strip);
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
    const ids = all.map((f) => f.id);
    // The installed head, never a learned one (null): the queue's choice stays the shipped recognition's.
    const score = this.pairHead && n > 1 ? await this.pairHead.scorerFor(ids, base, DESCRIPTOR_DIMS, null) : null;
    const prob = this.probabilities(score, base, rows, threshold);
    const pairs = rows.map(({ i, j, d }, q) => ({ a: all[i]!.id, b: all[j]!.id, d, p: prob[q]! }));
    this.cache = {
      key,
      pairs,
      from: Int32Array.from(from),
      to: Int32Array.from(to),
      ids,
      row: new Map(ids.map((id, i) => [id, i])),
      photo: Int32Array.from(all, (f) => f.photoId),
      descriptors: base,
      score,
      threshold,
      splits: new Map(),
    };
    return this.cache;
  }

  /** P(same person) of each pair by the shipped pair head; where it has no opinion, from the distance. */
  private probabilities(score: PairProbabilities | null, descriptors: Float32Array, rows: ReadonlyArray<{ i: number; j: number; d?: number }>, threshold: number): Float64Array {
    const proxy = (d: number): number => 1 / (1 + Math.exp((d - threshold) / PROXY_SCALE));
    const out = Float64Array.from(rows, (r) => proxy(r.d ?? euclideanRows(descriptors, r.i, r.j, DESCRIPTOR_DIMS)));
    if (score === null || rows.length === 0) return out;
    const p = score(Int32Array.from(rows, (r) => r.i), Int32Array.from(rows, (r) => r.j));
    p.forEach((v, q) => {
      if (Number.isFinite(v)) out[q] = v;
    });
    return out;
  }

  /** The recalibration of P(same) by the answers to the review's questions so far (their pairs as the shipped head scores them now). */
  private calibration(hood: Neighbourhood, labels: ReadonlyArray<{ faceA: number; faceB: number; same: boolean }>): (p: number) => number {
    const answer = new Map(labels.map((l) => [pairKey(l.faceA, l.faceB), l.same]));
    const rows: Array<{ i: number; j: number; same: boolean }> = [];
    for (const [a, b] of this.history.recentReviewPairs(CALIBRATION_ANSWERS)) {
      const same = answer.get(pairKey(a, b));
      const i = hood.row.get(a), j = hood.row.get(b);
      if (same !== undefined && i !== undefined && j !== undefined) rows.push({ i, j, same });
    }
    const p = this.probabilities(hood.score, hood.descriptors, rows, hood.threshold);
    return calibrateSame(rows.map((r, k) => ({ p: p[k]!, same: r.same })));
  }

  /**
   * A group's weakest link (group-split.ts): of the links of its faces' spanning tree that the
   * user did not decide, the one whose cut is likeliest right and separates most, by
   * `expectedSplit`; null when every link was decided. `members` ascending, as PeopleService
   * reads them when the answer cuts the group.
   */
  private async weakLink(hood: Neighbourhood, members: readonly number[], byUser: readonly boolean[], tied: (i: number, j: number) => boolean): Promise<WeakLink | null> {
    const n = members.length;
    const decided: string[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (tied(i, j)) decided.push(`${i}-${j}`);
    const key = `${members.join(',')}|${byUser.map((u) => (u ? 1 : 0)).join('')}|${decided.join(',')}`;
    if (hood.splits.has(key)) return hood.splits.get(key)!;
    const rows = members.map((id) => hood.row.get(id)!);
    const distance = (i: number, j: number): number => euclideanRows(hood.descriptors, rows[i]!, rows[j]!, DESCRIPTOR_DIMS);
    const tree = spanningTree(n, (i, j) => (tied(i, j) ? 0 : distance(i, j)));
    // P(same) of every two faces of the group: 1 when decided, 0 for two faces of one photo.
    const all: Array<{ i: number; j: number }> = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) all.push({ i: rows[i]!, j: rows[j]! });
    const p = this.probabilities(hood.score, hood.descriptors, all, hood.threshold);
    const same = (i: number, j: number): number => {
      const [x, y] = i < j ? [i, j] : [j, i];
      if (tied(x, y)) return 1;
      if (hood.photo[rows[x]!] === hood.photo[rows[y]!]) return 0;
      return p[x * n - (x * (x + 1)) / 2 + (y - x - 1)]!;
    };
    let best: WeakLink | null = null, bestChange = -Infinity;
    tree.forEach((edge, k) => {
      // A link the user decided is never cut; one far from the threshold either way, the grouping is sure of (or did not make).
      if (edge.d === 0 || Math.abs(edge.d - hood.threshold) > REVIEW_BAND) return;
      const side = sidesWithout(n, tree, k);
      const leaves = leavingSide(members.map((id, m) => ({ id, byUser: byUser[m]! })), side);
      let sumAcross = 0, countAcross = 0, sumWithin = 0, countWithin = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          if (side[i] !== side[j]) {
            sumAcross += same(i, j);
            countAcross++;
          } else {
            sumWithin += same(i, j);
            countWithin++;
          }
        }
      }
      const leavingFaces = side.filter((s) => s === leaves).length;
      const acrossSame = countAcross > 0 ? sumAcross / countAcross : 1;
      const withinSame = countWithin > 0 ? sumWithin / countWithin : null;
      const change = expectedSplit({ across: acrossSame, within: withinSame, leaving: leavingFaces, faces: n });
      if (change <= bestChange) return;
      bestChange = change;
      const photosOn = (s: boolean): number => new Set(rows.filter((_, m) => side[m] === s).map((r) => hood.photo[r]!)).size;
      best = {
        a: Math.min(members[edge.i]!, members[edge.j]!),
        b: Math.max(members[edge.i]!, members[edge.j]!),
        distance: edge.d,
        acrossSame,
        withinSame,
        leavingFaces,
        stayingFaces: n - leavingFaces,
        leavingPhotos: photosOn(leaves),
        stayingPhotos: photosOn(!leaves),
      };
    });
    hood.splits.set(key, best);
    return best;
  }
}
