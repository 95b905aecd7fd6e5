import type { Box } from './align/geometry.js';

/** How much a face found again must overlap the face it replaces to keep that face's id. */
export const MIN_MATCH_IOU = 0.5;

/** Intersection over union of two boxes; 0 when either has no area. */
export function boxIoU(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const areaA = Math.max(0, a.width) * Math.max(0, a.height);
  const areaB = Math.max(0, b.width) * Math.max(0, b.height);
  if (w <= 0 || h <= 0 || areaA === 0 || areaB === 0) return 0;
  const inter = w * h;
  return inter / (areaA + areaB - inter);
}

/**
 * Pairs the faces of a new analysis with the photo's previous faces, one to one: the pairs
 * overlapping most are taken first, and a pair needs an IoU of at least `MIN_MATCH_IOU` (and
 * `sameFace`, when given, to agree). Returns, for each found face, the index of the previous
 * face it takes over, or null for a face new to the photo.
 */
export function matchFaces(
  previous: readonly Box[],
  found: readonly Box[],
  sameFace: (previousIndex: number, foundIndex: number) => boolean = () => true,
): Array<number | null> {
  const pairs: Array<{ p: number; f: number; iou: number }> = [];
  previous.forEach((pb, p) =>
    found.forEach((fb, f) => {
      const iou = boxIoU(pb, fb);
      if (iou >= MIN_MATCH_IOU && sameFace(p, f)) pairs.push({ p, f, iou });
    }),
  );
  pairs.sort((x, y) => y.iou - x.iou || x.f - y.f || x.p - y.p);
  const taken = new Set<number>();
  const match: Array<number | null> = found.map(() => null);
  for (const { p, f } of pairs) {
    if (taken.has(p) || match[f] !== null) continue;
    taken.add(p);
    match[f] = p;
  }
  return match;
}
