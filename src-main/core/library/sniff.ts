import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import { SUPPORTED_FORMATS } from './image-kinds.js';

/** The image format by content (magic bytes), or null when the content is no supported image. */
export async function sniffImageFile(file: string): Promise<string | null> {
  const type = await fileTypeFromFile(file);
  return type && SUPPORTED_FORMATS.has(type.ext) ? type.ext : null;
}

export async function sniffImageBuffer(buf: Uint8Array): Promise<{ format: string | null; detected: string | null }> {
  const type = await fileTypeFromBuffer(buf);
  if (!type) return { format: null, detected: null };
  return { format: SUPPORTED_FORMATS.has(type.ext) ? type.ext : null, detected: type.mime };
}
