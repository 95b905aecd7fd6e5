import type { FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { ReviewReason } from '../contract/api.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { exactKnn } from '../grouping/knn.js';
import { loadMlRuntime } from '../ml/runtime.js';
import { DEFAULT_GROUPING } from '../grouping/grouping.service.js';
import { mergeDistance, sumsByGroup, type MergeRule } from '../grouping/merge-distance.js';
import { compareForReview, type PairToRank } from './review-priority.js';
import { SPREAD_WINDOW, spreadOverPeople } from './review-spread.js';
import { PeopleToldApart } from './people-told-apart.js';

/** Neighbours looked at per face, and how far from the threshold a pair may be to be asked about. */
export const REVIEW_NEIGHBOURS = 10;
export const REVIEW_BAND = 0.15;

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
  /** Close pairs of faces of different photos, each once (a < b). */
  pairs: Array<{ a: number; b: number; d: number }>;
  /** The faces and their descriptors (row-major) the pairs were found among. */
  faceIds: number[];
  vectors: Float32Array;
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * The pairs of faces the grouping is least sure of, in the order that teaches the most:
 * neighbours (exact kNN over the descriptors) whose distance lies near the linkage threshold,
 * either in two people (are they one?) or in one (is it two?), ordered by `compareForReview`
 * and spread over the people. Pairs the user labelled are never asked again, nor pairs across
 * two people the answers keep apart, directly or through other answers; skipped pairs come
 * last.
 */
export class ReviewService {
  private cache?: Neighbourhood;

  constructor(
    private readonly faces: FacesRepository,
    private readonly labels: LabelsRepository,
    private readonly history: ReviewHistory,
    /** When grouping merges two groups now: fixed, or read at each look (a learned version moves the linkage). */
    rule: MergeRule | (() => Promise<MergeRule>) = DEFAULT_GROUPING,
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
    const { linkage: threshold, smallGroupMargin } = await this.rule();
    const { pairs, faceIds, vectors } = await this.neighbourhood(threshold);
    const now = this.faces.listAssignments();
    const personOf = (face: number): number | null => now.get(face)?.personId ?? null;
    const labels = this.labels.list();
    const labelled = new Set(labels.map((l) => pairKey(l.faceA, l.faceB)));
    const toldApart = new PeopleToldApart(labels, personOf);
    const sums = sumsByGroup(vectors, DESCRIPTOR_DIMS, faceIds.map(personOf));
    const photos = this.faces.photoCountsByPerson();
    const photosOf = (person: number): number => photos.get(person) ?? 0;
    const skipped = new Set(this.history.skippedPairs().map(([a, b]) => pairKey(a, b)));
    type Ranked = ReviewCandidate & { rank: PairToRank };
    const fresh: Ranked[] = [];
    const later: Ranked[] = [];
    for (const { a, b, d } of pairs) {
      const fa = now.get(a), fb = now.get(b);
      if (!fa || !fb || fa.personId === null || fb.personId === null || fa.hidden || fb.hidden) continue;
      if (labelled.has(pairKey(a, b))) continue;
      const samePerson = fa.personId === fb.personId;
      // A face the user put in its person was decided on; people the answers keep apart stay apart.
      if (samePerson && (fa.assignedBy === 'user' || fb.assignedBy === 'user')) continue;
      if (!samePerson && toldApart.apart(fa.personId, fb.personId)) continue;
      const reason: ReviewReason = samePerson
        ? { kind: 'may-be-two-people', otherPhotos: Math.max(0, photosOf(fa.personId) - 1) }
        : { kind: 'may-be-one-person', photos: Math.min(photosOf(fa.personId), photosOf(fb.personId)) };
      // Two people by what grouping decides on: the closest of their many pairs makes them look nearer than they are.
      const decidedOn = samePerson ? d : mergeDistance(sums.get(fa.personId)!, sums.get(fb.personId)!, smallGroupMargin);
      const rank: PairToRank = {
        samePerson,
        fromThreshold: Math.abs(decidedOn - threshold),
        pairFromThreshold: Math.abs(d - threshold),
        photosMoved: reason.kind === 'may-be-one-person' ? reason.photos : 1,
      };
      (skipped.has(pairKey(a, b)) ? later : fresh).push({ faceA: a, faceB: b, distance: d, samePerson, personA: fa.personId, personB: fb.personId, reason, rank });
    }
    const byRank = (x: Ranked, y: Ranked): number => compareForReview(x.rank, y.rank);
    // The people of the pairs just answered, as they are now: the spread goes on from them.
    const asked = this.history.recentReviewPairs(SPREAD_WINDOW - 1).flatMap(([a, b]) => {
      const personA = personOf(a), personB = personOf(b);
      return personA !== null && personB !== null ? [{ personA, personB }] : [];
    });
    return [...spreadOverPeople(fresh.sort(byRank), asked), ...later.sort(byRank)].map(({ rank: _rank, ...c }) => c);
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
    const pairs: Neighbourhood['pairs'] = [];
    for (let r = 0; knn && r < n; r++) {
      for (let c = 0; c < knn.k; c++) {
        const j = knn.index[r * knn.k + c]!;
        const d = knn.distance[r * knn.k + c]!;
        if (j < 0 || Math.abs(d - threshold) > REVIEW_BAND) continue;
        const fa = all[r]!, fb = all[j]!;
        if (fa.photoId === fb.photoId) continue;
        const k = pairKey(fa.id, fb.id);
        if (seen.has(k)) continue;
        seen.add(k);
        pairs.push(fa.id < fb.id ? { a: fa.id, b: fb.id, d } : { a: fb.id, b: fa.id, d });
      }
    }
    this.cache = { key, pairs, faceIds: all.map((f) => f.id), vectors: base };
    return this.cache;
  }
}
