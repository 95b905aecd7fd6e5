import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { readRawPreview } from './raw-preview.js';
import { rawRgb, type RgbImage } from './rgb-image.js';
import { isRawFile } from '../library/image-kinds.js';
import { sniffImageBuffer } from '../library/sniff.js';

/** Photos above this many pixels are refused rather than decoded (decompression bombs). */
export const MAX_PIXELS = 150_000_000;

export interface DecodedPhoto {
  /** Upright pixels, shrunk so that the longer side is at most the requested size. */
  image: RgbImage;
  /** Upright size of the original. */
  width: number;
  height: number;
  format: string;
  takenAt: string | null;
}

export class PhotoDecodeError extends Error {}

function fail(message: string): never {
  throw new PhotoDecodeError(message);
}

async function readTakenAt(buf: Buffer): Promise<string | null> {
  try {
    const tags = (await exifr.parse(buf, { pick: ['DateTimeOriginal', 'CreateDate'] })) as
      | { DateTimeOriginal?: unknown; CreateDate?: unknown }
      | undefined;
    const value = tags?.DateTimeOriginal ?? tags?.CreateDate;
    return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : null;
  } catch {
    return null;
  }
}

async function toRgb(pipeline: sharp.Sharp, maxSide: number): Promise<RgbImage> {
  return rawRgb(pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true }), fail);
}

async function decodeHeic(buf: Buffer, maxSide: number): Promise<{ image: RgbImage; width: number; height: number }> {
  // Loaded on first use: its wasm build of libheif is large and most libraries hold no HEIC.
  const { default: decode } = await import('heic-decode');
  const images = await decode.all({ buffer: buf });
  const first = images[0] ?? fail('the HEIC file holds no image');
  if (first.width * first.height > MAX_PIXELS) fail(`too large to decode safely (${first.width}x${first.height} pixels)`);
  const { data } = await first.decode();
  // libheif applies the HEIF rotation (irot/imir) itself, so the pixels are already upright.
  const rgba = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const image = await toRgb(sharp(rgba, { raw: { width: first.width, height: first.height, channels: 4 } }), maxSide);
  return { image, width: first.width, height: first.height };
}

function unreadable(err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') fail('the file vanished before it could be read');
  if (code === 'EACCES' || code === 'EPERM') fail('permission denied: the file cannot be read');
  fail(`cannot read the file: ${(err as Error).message}`);
}

/**
 * An EXIF orientation (1–8) applied to pixels stored without one: sharp mirrors before it
 * rotates, so a transpose (5) is a mirror then a quarter turn left, a transverse (7) a mirror
 * then a quarter turn right.
 */
export function orient(pipeline: sharp.Sharp, orientation: number): sharp.Sharp {
  switch (orientation) {
    case 2: return pipeline.flop();
    case 3: return pipeline.rotate(180);
    case 4: return pipeline.flip();
    case 5: return pipeline.flop().rotate(270);
    case 6: return pipeline.rotate(90);
    case 7: return pipeline.flop().rotate(90);
    case 8: return pipeline.rotate(270);
    default: return pipeline;
  }
}

/**
 * The size a RAW's picture is, as stored: the one it declares when it is plausible (no smaller
 * than its preview, and of the preview's shape within 3 %, as cameras' figures are: a figure of
 * packed sensor data or of a thumbnail is not the picture's), else the preview's.
 */
export function rawPictureSize(declared: { width: number; height: number } | null, preview: { width: number; height: number }): { width: number; height: number } {
  if (!declared) return preview;
  const shape = (s: { width: number; height: number }): number => Math.max(s.width, s.height) / Math.min(s.width, s.height);
  const larger = declared.width * declared.height >= preview.width * preview.height;
  const sameShape = Math.abs(shape(declared) / shape(preview) - 1) <= 0.03 && (declared.width >= declared.height) === (preview.width >= preview.height);
  return larger && sameShape ? declared : preview;
}

/**
 * A camera RAW: its embedded JPEG preview, turned upright by the RAW's orientation. Its size is
 * the RAW's own picture's (so that "more pixels" and the sizes shown are right), not the preview's.
 */
async function decodeRaw(file: string, maxSide: number): Promise<DecodedPhoto> {
  try {
    await access(file);
  } catch (err) {
    unreadable(err);
  }
  const format = path.extname(file).slice(1).toLowerCase();
  let preview;
  try {
    preview = await readRawPreview(file);
  } catch (err) {
    fail(`cannot read the ${format.toUpperCase()} file's preview: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    const meta = await sharp(preview.jpeg, { limitInputPixels: false }).metadata();
    const w = meta.width ?? 0, h = meta.height ?? 0;
    if (w === 0 || h === 0) fail('the RAW file\'s preview has no size');
    if (w * h > MAX_PIXELS) fail(`the RAW file's preview is too large to decode safely (${w}x${h} pixels)`);
    const swapped = preview.orientation >= 5;
    const image = await toRgb(orient(sharp(preview.jpeg, { limitInputPixels: MAX_PIXELS, failOn: 'error' }), preview.orientation), maxSide);
    const size = rawPictureSize(preview.size, { width: w, height: h });
    return { image, width: swapped ? size.height : size.width, height: swapped ? size.width : size.height, format, takenAt: preview.takenAt };
  } catch (err) {
    if (err instanceof PhotoDecodeError) throw err;
    fail(`corrupt preview in the RAW file: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * Reads one photo for analysis: content sniffing, EXIF orientation applied before anything
 * looks at the pixels, a pixel cap, the capture date. A camera RAW file is read through the
 * JPEG preview embedded in it. Every failure is a PhotoDecodeError with a message meant for
 * the user.
 */
export async function decodePhoto(file: string, maxSide: number): Promise<DecodedPhoto> {
  if (isRawFile(file)) return decodeRaw(file, maxSide);
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    unreadable(err);
  }
  if (buf.length === 0) fail('the file is empty');
  const { format, detected } = await sniffImageBuffer(buf);
  if (!format) fail(detected ? `not a supported image (the content is ${detected})` : 'not an image (unrecognised content)');

  const takenAt = await readTakenAt(buf);
  if (format === 'heic') {
    try {
      return { ...(await decodeHeic(buf, maxSide)), format, takenAt };
    } catch (err) {
      if (err instanceof PhotoDecodeError) throw err;
      fail(`corrupt or unsupported HEIC image: ${(err as Error).message}`);
    }
  }

  try {
    const meta = await sharp(buf, { limitInputPixels: false }).metadata();
    const w = meta.width ?? 0, h = meta.height ?? 0;
    if (w === 0 || h === 0) fail('the image has no size');
    if (w * h > MAX_PIXELS) fail(`too large to decode safely (${w}x${h} pixels, the limit is ${MAX_PIXELS / 1e6} megapixels)`);
    const swapped = (meta.orientation ?? 1) >= 5;
    // failOn 'error' refuses truncated and corrupt data but tolerates harmless warnings.
    const image = await toRgb(sharp(buf, { limitInputPixels: MAX_PIXELS, failOn: 'error', pages: 1 }).rotate(), maxSide);
    return { image, width: swapped ? h : w, height: swapped ? w : h, format, takenAt };
  } catch (err) {
    if (err instanceof PhotoDecodeError) throw err;
    const msg = (err as Error).message.split('\n')[0] ?? 'unknown error';
    if (/premature end|truncated|unexpected end/i.test(msg)) fail(`the image is truncated (${msg})`);
    fail(`corrupt image: ${msg}`);
  }
}
