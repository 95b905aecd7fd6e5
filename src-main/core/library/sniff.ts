import { SUPPORTED_FORMATS } from './image-kinds.js';

type FileTypeModule = typeof import('file-type');
let fileType: Promise<FileTypeModule> | undefined;

/** file-type, loaded on first use: about 30 modules, 80-150 ms of a scan worker's start-up, needed only for photos that are not JPEG. */
function loadFileType(): Promise<FileTypeModule> {
  fileType ??= import('file-type');
  return fileType;
}

/**
 * What file-type answers for a JPEG, without loading it: content starting with FF D8 FF and
 * not FF D8 FF F7 (JPEG-LS), which none of the signatures file-type checks before JPEG's can
 * start with (tests/unit/library/sniff.test.ts compares both).
 */
function jpegByMagic(buf: Uint8Array): boolean {
  return buf.length >= 12 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff && buf[3] !== 0xf7;
}

/** The image format by content (magic bytes), or null when the content is no supported image. */
export async function sniffImageFile(file: string): Promise<string | null> {
  const type = await (await loadFileType()).fileTypeFromFile(file);
  return type && SUPPORTED_FORMATS.has(type.ext) ? type.ext : null;
}

export async function sniffImageBuffer(buf: Uint8Array): Promise<{ format: string | null; detected: string | null }> {
  if (jpegByMagic(buf)) return { format: 'jpg', detected: 'image/jpeg' };
  const type = await (await loadFileType()).fileTypeFromBuffer(buf);
  if (!type) return { format: null, detected: null };
  return { format: SUPPORTED_FORMATS.has(type.ext) ? type.ext : null, detected: type.mime };
}
