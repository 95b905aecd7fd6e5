import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExifTool } from 'exiftool-vendored';

/**
 * A camera RAW file as FacePair reads it: the largest JPEG the camera embedded in it (the
 * full-size JpgFromRaw of Nikon and Panasonic, the PreviewImage of Canon, Sony, Fuji, Olympus
 * and most DNGs, else the smaller OtherImage or ThumbnailImage), the RAW's own orientation
 * (the preview itself is stored as the sensor saw it) and its capture time, through ExifTool.
 * Nothing is written: the preview is read into memory, never into a file.
 */
export interface RawPreview {
  jpeg: Buffer;
  /** EXIF orientation of the RAW, 1–8. */
  orientation: number;
  /** As analysis stores capture times (see decode.ts): local time read as this machine's. */
  takenAt: string | null;
  /**
   * The size of the picture the RAW holds, as stored (not turned by the orientation): the DNG's
   * DefaultCropSize, else ExifTool's ImageSize (the sensor image's size, the maker's figure for
   * Canon and Fuji); null when the file declares none.
   */
  size: { width: number; height: number } | null;
}

/** The embedded images, best first: larger before smaller where a camera has several. */
const PREVIEW_TAGS = ['JpgFromRaw', 'PreviewImage', 'OtherImage', 'ThumbnailImage'] as const;

/** One ExifTool per thread, opened on the first RAW and ended after a moment without one. */
let shared: { tool: Promise<ExifTool>; users: number; idle: NodeJS.Timeout | null } | null = null;
const IDLE_MS = 2000;

async function withTool<T>(fn: (et: ExifTool) => Promise<T>): Promise<T> {
  const s = (shared ??= { tool: import('../tags/exiftool.js').then((m) => m.openExiftool()), users: 0, idle: null });
  s.users++;
  if (s.idle) clearTimeout(s.idle);
  s.idle = null;
  try {
    return await fn(await s.tool);
  } finally {
    s.users--;
    if (s.users === 0) {
      s.idle = setTimeout(() => {
        if (shared !== s || s.users > 0) return;
        shared = null;
        void s.tool.then((et) => et.end()).catch(() => undefined);
      }, IDLE_MS);
      s.idle.unref();
    }
  }
}

/**
 * Ends the shared ExifTool now (if one is open). A worker thread must call it before it is
 * terminated: a thread stopped outright leaves the ExifTool process it started running (the
 * main thread's are ended by exiftool-vendored when the process exits).
 */
export async function closeRawPreviews(): Promise<void> {
  const s = shared;
  if (!s) return;
  shared = null;
  if (s.idle) clearTimeout(s.idle);
  await s.tool.then((et) => et.end()).catch(() => undefined);
}

/**
 * ExifTool takes its file names on lines of an argument file: a name with a line break (or a
 * NUL) is refused, so such a file is read through a link to it in a temporary folder.
 */
async function withReadablePath<T>(file: string, fn: (p: string) => Promise<T>): Promise<T> {
  if (!/[\r\n\0]/.test(file) && !path.basename(file).startsWith('-')) return fn(file);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'facepair-raw-'));
  try {
    const link = path.join(dir, `raw${path.extname(file).replace(/[^.\w]/g, '')}`);
    await symlink(file, link);
    return await fn(link);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * "YYYY:MM:DD HH:MM:SS" read as local time, as exifr reads DateTimeOriginal for the other
 * formats (so that a RAW and the JPEG of its shot get the same time); ExifTool may add
 * sub-seconds and a zone, left out as exifr never sees them.
 */
export function exifLocalTime(raw: string): string | null {
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?/.exec(raw.trim());
  if (!m || Number(m[1]) === 0 || Number(m[2]) === 0 || Number(m[3]) === 0) return null;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (m[4] !== undefined) date.setHours(Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function rawText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { rawValue?: unknown }).rawValue === 'string') return (value as { rawValue: string }).rawValue;
  return null;
}

/** Two positive whole numbers from "6000 4000", "6000x4000", [6000, 4000] or the like, or null. */
export function parseSize(value: unknown): { width: number; height: number } | null {
  const text = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : null;
  const m = text === null ? null : /^\s*(\d+(?:\.\d+)?)\s*[x× ,]\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m) return null;
  const width = Math.round(Number(m[1])), height = Math.round(Number(m[2]));
  return width > 0 && height > 0 ? { width, height } : null;
}

/** Reads the preview, orientation, capture time and size of a RAW file; throws with a message for the user. */
export async function readRawPreview(file: string): Promise<RawPreview> {
  return withReadablePath(file, (readable) =>
    withTool(async (et) => {
      const tags = (await et.read(readable)) as Record<string, unknown>;
      const sizes = PREVIEW_TAGS.map((tag) => ({ tag, bytes: (tags[tag] as { bytes?: unknown } | undefined)?.bytes })).filter(
        (t): t is { tag: (typeof PREVIEW_TAGS)[number]; bytes: number } => typeof t.bytes === 'number' && t.bytes > 0,
      );
      if (sizes.length === 0) throw new Error('this RAW file holds no preview image to read (FacePair reads RAW files through the JPEG the camera embedded)');
      // The largest preview; the order of PREVIEW_TAGS decides between equal sizes.
      const best = sizes.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const jpeg = await et.extractBinaryTagToBuffer(best.tag, readable);
      const o = Number(tags.Orientation);
      const taken = rawText(tags.DateTimeOriginal) ?? rawText(tags.CreateDate);
      const size = parseSize(tags.DefaultCropSize) ?? parseSize(tags.ImageSize) ?? parseSize([tags.ImageWidth, tags.ImageHeight]);
      return { jpeg, orientation: Number.isInteger(o) && o >= 1 && o <= 8 ? o : 1, takenAt: taken ? exifLocalTime(taken) : null, size };
    }),
  );
}
