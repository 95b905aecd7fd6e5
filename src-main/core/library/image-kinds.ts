import path from 'node:path';

/** Formats FacePair reads, by what file-type calls them. */
export const SUPPORTED_FORMATS = new Set(['jpg', 'png', 'webp', 'tif', 'avif', 'gif', 'heic']);

const IMAGE_EXTENSIONS = new Set([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.avif', '.gif', '.heic', '.heif',
]);

/** A file whose name says "image": if it cannot be read as one, that is an error worth showing. */
export function hasImageExtension(file: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());
}
