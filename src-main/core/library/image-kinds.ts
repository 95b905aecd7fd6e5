import path from 'node:path';

/** Formats FacePair reads, by what file-type calls them. */
export const SUPPORTED_FORMATS = new Set(['jpg', 'png', 'webp', 'tif', 'avif', 'gif', 'heic']);

/**
 * Camera RAW files: read through the JPEG preview the camera embeds in them (see
 * analysis/raw-preview.ts), never developed. Their format is their extension.
 */
export const RAW_EXTENSIONS = ['.dng', '.cr2', '.cr3', '.nef', '.arw', '.orf', '.rw2', '.raf', '.pef', '.srw'] as const;

const IMAGE_EXTENSIONS = new Set<string>([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif', '.heic', '.heif', ...RAW_EXTENSIONS,
]);

/** A camera RAW file, by its name. */
export function isRawFile(file: string): boolean {
  return (RAW_EXTENSIONS as readonly string[]).includes(path.extname(file).toLowerCase());
}

/** A format (as photos store it) that is a camera RAW's. */
export function isRawFormat(format: string | null): boolean {
  return format !== null && (RAW_EXTENSIONS as readonly string[]).includes(`.${format.toLowerCase()}`);
}

/** A file whose name says "image": if it cannot be read as one, that is an error worth showing. */
export function hasImageExtension(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}
