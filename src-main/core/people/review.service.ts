import type { FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { exactKnn } from '../grouping/knn.js';
import { loadMlRuntime } from '../ml/runtime.js';
import { DEFAULT_GROUPING } from '../grouping/grouping.service.js';

/** Neighbours looked at per face, and how far from the threshold a pair may be to be asked about. */
export const REVIEW_NEIGHBOURS = 10;
export const REVIEW_BAND = 0.15;

export interface ReviewCandidate {
  faceA: number;
  faceB: number;
  distance: number;
  samePerson: boolean;
}

interface Neighbourhood {
  key: string;
  /** Close pairs of faces of different photos, each once (a < b). */
  pairs: Array<{ a: number; b: number; d: number }>;
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/**
 * The pairs of faces the grouping is least sure of: neighbours (exact kNN over the
 * descriptors) whose distance lies closest to the linkage threshold, either in two people (are
 * they one?) or in one (is it two?). Pairs the user labelled are never asked again, nor
 * pairs across two people the user already told apart; skipped pairs come last.
 */
export class ReviewService {
  private cache?: Neighbourhood;

  constructor(
    private readonly faces: FacesRepository,
    private readonly labels: LabelsRepository,
    private readonly skipped: () => ReadonlyArray<readonly [number, number]>,
    /** The linkage threshold grouping decides with now: fixed, or read at each look (a learned version moves it). */
    threshold: number | (() => Promise<number>) = DEFAULT_GROUPING.linkage,
  ) {
    this.threshold = typeof threshold === 'number' ? async () => threshold : threshold;
  }

  private readonly threshold: () => Promise<number>;

  async linkage(): Promise<number> {
    return this.threshold();
  }

  /** Call after a scan: the faces changed. */
  invalidate(): void {
    this.cache = undefined;
  }

  async candidates(): Promise<ReviewCandidate[]> {
    const threshold = await this.threshold();
    const { pairs } = await this.neighbourhood(threshold);
    const now = this.faces.listAssignments();
    const labelled = new Set<string>();
    const apart = new Set<string>();
    for (const l of this.labels.list()) {
      labelled.add(pairKey(l.faceA, l.faceB));
      const pa = now.get(l.faceA)?.personId, pb = now.get(l.faceB)?.personId;
      if (!l.same && pa != null && pb != null && pa !== pb) apart.add(pairKey(pa, pb));
    }
    const skipped = new Set(this.skipped().map(([a, b]) => pairKey(a, b)));
    const fresh: Array<ReviewCandidate & { rank: number }> = [];
    const later: Array<ReviewCandidate & { rank: number }> = [];
    for (const { a, b, d } of pairs) {
      const fa = now.get(a), fb = now.get(b);
      if (!fa || !fb || fa.personId === null || fb.personId === null || fa.hidden || fb.hidden) continue;
      if (labelled.has(pairKey(a, b))) continue;
      const samePerson = fa.personId === fb.personId;
      // A face the user put in its person was decided on; two people told apart stay apart.
      if (samePerson && (fa.assignedBy === 'user' || fb.assignedBy === 'user')) continue;
      if (!samePerson && apart.has(pairKey(fa.personId, fb.personId))) continue;
      // Pairs across two people first (a merge saves the most work), then by closeness to the threshold.
      const rank = (samePerson ? 1 : 0) + Math.abs(d - threshold);
      (skipped.has(pairKey(a, b)) ? later : fresh).push({ faceA: a, faceB: b, distance: d, samePerson, rank });
    }
    const byRank = (x: { rank: number }, y: { rank: number }): number => x.rank - y.rank;
    return [...fresh.sort(byRank), ...later.sort(byRank)].map(({ rank: _rank, ...c }) => c);
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
    this.cache = { key, pairs };
    return this.cache;
  }
}
