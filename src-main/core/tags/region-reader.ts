import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExifTool, Tags } from 'exiftool-vendored';
import sharp from 'sharp';
import { z } from 'zod';

import { fromCentreNormalised, storedToUpright, type NamedRegion } from './face-regions.js';

/** The sidecars other tools write for `dir/photo.jpg`: `photo.jpg.xmp` (digiKam, darktable) and `photo.xmp` (Lightroom). */
export function sidecarCandidates(photoPath: string): string[] {
  const base = photoPath.slice(0, photoPath.length - path.extname(photoPath).length);
  return [`${photoPath}.xmp`, `${photoPath}.XMP`, `${base}.xmp`, `${base}.XMP`];
}

export interface SidecarFile {
  file: string;
  size: number;
  mtimeMs: number;
}

/** The sidecars present beside a photo (one entry per file, whatever the case of its name). */
export async function existingSidecars(photoPath: string): Promise<SidecarFile[]> {
  const seen = new Set<string>();
  const found: SidecarFile[] = [];
  for (const file of sidecarCandidates(photoPath)) {
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) continue;
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) continue;
    seen.add(id);
    found.push({ file, size: st.size, mtimeMs: st.mtimeMs });
  }
  return found;
}

// The namespaces of MWG and Microsoft Photo regions: a photo without them holds no regions.
const REGION_MARKERS = ['http://www.metadataworkinggroup.com/schemas/regions/', 'http://ns.microsoft.com/photo/1.2/t/RegionInfo#'];

/** Whether the photo's own bytes carry face regions (a cheap look before asking exiftool). */
export async function mayHoldRegions(file: string): Promise<boolean> {
  const buf = await readFile(file).catch(() => null);
  return buf !== null && REGION_MARKERS.some((m) => buf.includes(m));
}

const num = z.coerce.number().finite();
const text = z.union([z.string(), z.number()]).transform((v) => String(v).normalize('NFC').trim().replace(/\s+/g, ' '));
const mwgRegion = z.object({
  Area: z.object({ X: num, Y: num, W: num, H: num, Unit: z.string().optional() }).passthrough(),
  Name: text.optional(),
  Type: z.string().optional(),
}).passthrough();
const mwgInfo = z.object({
  AppliedToDimensions: z.object({ W: num, H: num }).passthrough().optional(),
  RegionList: z.array(z.unknown()).optional(),
}).passthrough();
const mpRegion = z.object({ PersonDisplayName: text.optional(), Rectangle: z.string().optional() }).passthrough();
const mpInfo = z.object({ Regions: z.array(z.unknown()).optional() }).passthrough();

export interface UprightPhoto {
  path: string;
  width: number;
  height: number;
}

async function orientationOf(file: string): Promise<number> {
  try {
    return (await sharp(file).metadata()).orientation ?? 1;
  } catch {
    return 1;
  }
}

/**
 * The named face regions in one set of tags (a photo's or a sidecar's), in pixels of the
 * upright photo. MWG regions of type Face (or of no type) with a name; Microsoft Photo regions
 * with a person's name. Anything malformed is passed over, never trusted.
 */
export async function regionsInTags(tags: Tags, photo: UprightPhoto, source: string): Promise<NamedRegion[]> {
  const found: NamedRegion[] = [];
  const t = tags as Record<string, unknown>;
  const info = mwgInfo.safeParse(t.RegionInfo);
  if (info.success) {
    const dims = info.data.AppliedToDimensions;
    // Regions applied to the stored image of a photo turned by EXIF: width and height are swapped.
    const swapped = dims !== undefined && photo.width !== photo.height && Math.abs(dims.W - photo.height) <= 1 && Math.abs(dims.H - photo.width) <= 1;
    const orientation = swapped ? await orientationOf(photo.path) : 1;
    for (const item of info.data.RegionList ?? []) {
      const r = mwgRegion.safeParse(item);
      if (!r.success || !r.data.Name || (r.data.Type !== undefined && r.data.Type !== 'Face')) continue;
      const a = r.data.Area;
      if (a.Unit !== undefined && a.Unit !== 'normalized') continue;
      if (!(a.W > 0 && a.H > 0)) continue;
      const [cx, cy, w, h] = swapped ? storedToUpright(a.X, a.Y, a.W, a.H, orientation) : [a.X, a.Y, a.W, a.H];
      found.push({ name: r.data.Name, box: fromCentreNormalised(cx, cy, w, h, photo.width, photo.height), source });
    }
  }
  const mp = mpInfo.safeParse(t.RegionInfoMP);
  if (mp.success) {
    for (const item of mp.data.Regions ?? []) {
      const r = mpRegion.safeParse(item);
      if (!r.success || !r.data.PersonDisplayName || !r.data.Rectangle) continue;
      const v = r.data.Rectangle.split(',').map((s) => Number(s.trim()));
      if (v.length !== 4 || v.some((n) => !Number.isFinite(n))) continue;
      const [x, y, w, h] = v as [number, number, number, number];
      if (!(w > 0 && h > 0)) continue;
      found.push({ name: r.data.PersonDisplayName, box: fromCentreNormalised(x + w / 2, y + h / 2, w, h, photo.width, photo.height), source });
    }
  }
  return found;
}

/** Reads the named regions of a file (a photo or a sidecar) with exiftool. */
export async function readRegions(et: ExifTool, file: string, photo: UprightPhoto, source: string): Promise<NamedRegion[]> {
  const tags = await et.read(file, { readArgs: ['-struct'] });
  return regionsInTags(tags, photo, source);
}
