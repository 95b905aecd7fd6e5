/**
 * Face regions as XMP holds them, and the geometry between them and FacePair's faces. Pure
 * functions. FacePair's face boxes are in pixels of the upright photo (EXIF orientation
 * applied), and so are the regions it writes: MWG `Area` is the normalised centre and size
 * in the upright image, `AppliedToDimensions` its upright size.
 */

/** A box in pixels: left, top, width, height. */
export type PixelBox = [number, number, number, number];

/** MWG's stArea in normalised units: x, y are the centre. */
export interface MwgArea {
  X: number;
  Y: number;
  W: number;
  H: number;
  Unit: 'normalized';
}

/** A named face region read from XMP, in pixels of the upright photo. */
export interface NamedRegion {
  name: string;
  box: PixelBox;
  /** Where it was read: `embedded` or the sidecar's file name. */
  source: string;
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** A face box in upright pixels as an MWG area of an upright image of `width` x `height`. */
export function toMwgArea(box: PixelBox, width: number, height: number): MwgArea {
  if (!(width > 0 && height > 0)) throw new Error('the photo has no size');
  const [x, y, w, h] = box;
  const left = clamp01(x / width), top = clamp01(y / height);
  const right = clamp01((x + w) / width), bottom = clamp01((y + h) / height);
  return { X: round6((left + right) / 2), Y: round6((top + bottom) / 2), W: round6(right - left), H: round6(bottom - top), Unit: 'normalized' };
}

/** A normalised box (centre and size) in pixels of an upright image. */
export function fromCentreNormalised(cx: number, cy: number, w: number, h: number, width: number, height: number): PixelBox {
  const left = clamp01(cx - w / 2), top = clamp01(cy - h / 2);
  const right = clamp01(cx + w / 2), bottom = clamp01(cy + h / 2);
  return [left * width, top * height, (right - left) * width, (bottom - top) * height];
}

/**
 * A normalised centre/size in the stored (unrotated) image, turned into the upright image of
 * EXIF orientation `orientation` (1-8). Used for regions whose AppliedToDimensions are the
 * stored image's (width and height swapped against the upright photo).
 */
export function storedToUpright(cx: number, cy: number, w: number, h: number, orientation: number): [number, number, number, number] {
  switch (orientation) {
    case 2: return [1 - cx, cy, w, h];
    case 3: return [1 - cx, 1 - cy, w, h];
    case 4: return [cx, 1 - cy, w, h];
    case 5: return [cy, cx, h, w];
    case 6: return [1 - cy, cx, h, w];
    case 7: return [1 - cy, 1 - cx, h, w];
    case 8: return [cy, 1 - cx, h, w];
    default: return [cx, cy, w, h];
  }
}

export function iou(a: PixelBox, b: PixelBox): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

const centreInside = (a: PixelBox, b: PixelBox): boolean => {
  const cx = a[0] + a[2] / 2, cy = a[1] + a[3] / 2;
  return cx >= b[0] && cx <= b[0] + b[2] && cy >= b[1] && cy <= b[1] + b[3];
};

/** Overlap at least this (box IoU) makes a region and a detected face one face. */
export const MATCH_IOU = 0.3;

/**
 * Pairs regions with detected faces one to one, the best overlaps first. A pair counts when
 * the boxes overlap by MATCH_IOU or more, or when each box holds the other's centre (another
 * tool's box drawn larger or smaller around the same face). Returns, per region, the index
 * of its face or null.
 */
export function matchRegionsToFaces(regions: readonly PixelBox[], faces: readonly PixelBox[]): Array<number | null> {
  const pairs: Array<{ r: number; f: number; score: number }> = [];
  regions.forEach((rb, r) =>
    faces.forEach((fb, f) => {
      const overlap = iou(rb, fb);
      if (overlap >= MATCH_IOU || (overlap > 0 && centreInside(rb, fb) && centreInside(fb, rb))) pairs.push({ r, f, score: overlap });
    }),
  );
  pairs.sort((a, b) => b.score - a.score || a.r - b.r || a.f - b.f);
  const result: Array<number | null> = regions.map(() => null);
  const taken = new Set<number>();
  for (const p of pairs) {
    if (result[p.r] !== null || taken.has(p.f)) continue;
    result[p.r] = p.f;
    taken.add(p.f);
  }
  return result;
}

/** Names compare as a person would: Unicode-normalised, spaces trimmed and folded, case ignored. */
export function nameKey(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();
}

/** A region's identity within its photo: its name and box, rounded so that a rewrite reads the same. */
export function regionKey(r: NamedRegion, width: number, height: number): string {
  const a = toMwgArea(r.box, width, height);
  return `${nameKey(r.name)}@${[a.X, a.Y, a.W, a.H].map((v) => v.toFixed(3)).join(',')}`;
}
