import type { FacesRepository } from '../db/faces.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { mergeDistance, sumsByGroup, type MergeRule } from '../grouping/merge-distance.js';
import { PeopleToldApart } from './people-told-apart.js';

/** Another person as alike as the grouping measures it, with the faces of theirs nearest this one. */
export interface LikePerson {
  personId: number;
  /** The grouping's own merge distance between the two (average linkage, small-group margin added). */
  distance: number;
  /** Below the grouping's threshold plus `SUGGEST_BAND`: worth asking "is this also…?". */
  likely: boolean;
  /** The user's answers keep the two apart. */
  toldApart: boolean;
  /** Up to `FACES_SHOWN` of their faces, nearest to this person's first. */
  faceIds: number[];
}

/** How far above the linkage threshold a person may be and still be suggested. */
export const SUGGEST_BAND = 0.12;
export const FACES_SHOWN = 3;

/**
 * People ordered by likeness to one person, by the measure the grouping merges with: the
 * root-mean-square descriptor distance over all pairs of their faces (exact, from running sums),
 * with the margin asked of small groups. Used by the merge dialog (everyone, nearest first) and
 * the person page's suggestions (the few likely ones no answer keeps apart).
 */
export class PersonLikeness {
  constructor(
    private readonly faces: FacesRepository,
    private readonly labels: LabelsRepository,
    private readonly rule: () => Promise<MergeRule>,
  ) {}

  async threshold(): Promise<number> {
    return (await this.rule()).linkage;
  }

  async alike(personId: number, limit: number): Promise<LikePerson[]> {
    const { linkage, smallGroupMargin } = await this.rule();
    const all = this.faces.listForGrouping(this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS));
    const n = all.length;
    const vectors = new Float32Array(n * DESCRIPTOR_DIMS);
    all.forEach((f, i) => vectors.set(f.vector, i * DESCRIPTOR_DIMS));
    const sums = sumsByGroup(vectors, DESCRIPTOR_DIMS, all.map((f) => f.personId));
    const mine = sums.get(personId);
    if (!mine) return [];
    const personOf = new Map(all.map((f) => [f.id, f.personId]));
    const toldApart = new PeopleToldApart(this.labels.list(), (face) => personOf.get(face) ?? null);
    const ranked = [...sums.entries()]
      .filter(([id]) => id !== personId)
      .map(([id, s]) => ({ id, distance: mergeDistance(mine, s, smallGroupMargin) }))
      .sort((a, b) => a.distance - b.distance || a.id - b.id)
      .slice(0, limit);
    // Their faces nearest to this person's mean face.
    const mean = Float64Array.from(mine.sum, (v) => v / mine.size);
    const wanted = new Set(ranked.map((r) => r.id));
    const facesOf = new Map<number, Array<{ id: number; d: number }>>();
    all.forEach((f, i) => {
      if (f.personId === null || !wanted.has(f.personId)) return;
      let d = 0;
      for (let k = 0; k < DESCRIPTOR_DIMS; k++) d += (vectors[i * DESCRIPTOR_DIMS + k]! - mean[k]!) ** 2;
      const list = facesOf.get(f.personId) ?? [];
      list.push({ id: f.id, d });
      facesOf.set(f.personId, list);
    });
    return ranked.map(({ id, distance }) => {
      const apart = toldApart.apart(personId, id);
      return {
        personId: id,
        distance,
        likely: !apart && distance <= linkage + SUGGEST_BAND,
        toldApart: apart,
        faceIds: (facesOf.get(id) ?? [])
          .sort((a, b) => a.d - b.d)
          .slice(0, FACES_SHOWN)
          .map((f) => f.id),
      };
    });
  }
}
