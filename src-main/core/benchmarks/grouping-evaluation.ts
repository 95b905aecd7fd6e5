import path from 'node:path';
import type { FacePairApp } from '../app.js';
import type { GroupingOptions } from '../grouping/cluster.js';
import type { GroupingAlgorithm } from '../grouping/grouping.service.js';
import { scoreGrouping, type GroupingScores } from '../grouping/grouping-metrics.js';

export interface GroupingEvaluation extends GroupingScores {
  photos: number;
  photosWithoutFace: number;
  people: number;
  options: Partial<GroupingOptions & { k: number }> | 'stored';
  algorithm: GroupingAlgorithm | 'stored';
}

/** Each photo's most central face: the one a photo of one known person is taken to show. */
export function centralFaces(faces: ReadonlyArray<{ id: number; photoId: number; x: number; y: number; w: number; h: number; photoWidth: number; photoHeight: number }>): Map<number, { id: number }> {
  const central = new Map<number, { id: number; d: number }>();
  for (const f of faces) {
    const cx = f.x + f.w / 2 - f.photoWidth / 2;
    const cy = f.y + f.h / 2 - f.photoHeight / 2;
    const d = cx * cx + cy * cy;
    const best = central.get(f.photoId);
    if (!best || d < best.d) central.set(f.photoId, { id: f.id, d });
  }
  return central;
}

/**
 * Scores the grouping of a scanned folder in which each photo shows one known person
 * (LFW's layout, or a CSV of file → person): each photo counts once, through its most
 * central face; a photo without any face is a group of its own, so a missed face counts
 * against recall. With `options` the grouping is recomputed from scratch in memory; without,
 * the stored people are scored.
 */
export async function evaluateFolderGrouping(
  app: FacePairApp,
  folder: string,
  truthOf: (photoPath: string) => string | undefined,
  options?: Partial<GroupingOptions & { k: number }>,
  algorithm: GroupingAlgorithm = 'average-linkage',
): Promise<GroupingEvaluation> {
  const root = path.resolve(folder) + path.sep;
  const photos = app.photos.listUnder(root).filter((p) => p.status !== 'gone' && truthOf(p.path) !== undefined);
  const faces = app.faces.listWithPhotos().filter((f) => f.path.startsWith(root));

  let groupOf: Map<number, number | null>;
  if (options) {
    const proposal = await app.grouping.proposeFromScratch(options, algorithm);
    groupOf = new Map(proposal.faceIds.map((id, i) => [id, proposal.label[i]!]));
  } else {
    groupOf = new Map(faces.map((f) => [f.id, f.personId]));
  }

  const central = centralFaces(faces);
  const predicted: string[] = [];
  const truth: string[] = [];
  let withoutFace = 0;
  for (const p of photos) {
    const face = central.get(p.id);
    const group = face ? groupOf.get(face.id) : undefined;
    if (group === undefined || group === null) {
      if (!face) withoutFace++;
      predicted.push(`alone:${p.id}`);
    } else {
      predicted.push(`g:${group}`);
    }
    truth.push(truthOf(p.path)!);
  }
  return {
    ...scoreGrouping(predicted, truth),
    photos: photos.length,
    photosWithoutFace: withoutFace,
    people: new Set(predicted).size,
    options: options ?? 'stored',
    algorithm: options ? algorithm : 'stored',
  };
}
