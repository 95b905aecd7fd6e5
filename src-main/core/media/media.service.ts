import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { FacesRepository } from '../db/faces.repository.js';
import type { PhotosRepository } from '../db/photos.repository.js';
import { ApiError, fail, notFound } from '../contract/errors.js';
import { decodePhoto } from '../analysis/decode.js';
import { isInside } from '../library/inside.js';
import type { LibraryFolders } from '../library/library-folders.js';

export interface MediaFile {
  bytes: Buffer;
  type: string;
}

/** Longest side of a photo as the window shows it. */
export const PHOTO_VIEW_MAX_SIDE = 2048;
const CACHED_PHOTOS = 24;

/**
 * Images for the window, always by id, never by path: a face's crop from the cache, and a
 * photo rendered upright as JPEG (any format the scan reads, HEIC included). A photo whose real
 * location lies outside the library's folders is refused, and so are its faces.
 */
export class MediaService {
  private readonly photoCache = new Map<string, Promise<MediaFile>>();

  constructor(
    private readonly photos: PhotosRepository,
    private readonly faces: FacesRepository,
    private readonly cacheDir: string,
    private readonly folders: LibraryFolders,
  ) {}

  async face(faceId: number): Promise<MediaFile> {
    const face = this.faces.find(faceId) ?? fail(notFound(`Face #${faceId}`));
    const photo = this.photos.findById(face.photoId) ?? fail(notFound(`The photo of face #${faceId}`));
    const where = await this.folders.locate(photo.path);
    // A photo deleted since the last scan keeps its faces' crops while its stored path lies in a folder.
    if (!where.ok && !(where.missing && this.folders.listedPath(photo.path))) {
      throw new ApiError('forbidden', `Face #${faceId} is in a photo outside the library's folders`);
    }
    const file = path.resolve(this.cacheDir, face.cropFile);
    if (!isInside(this.cacheDir, file)) throw new ApiError('forbidden', `The crop of face #${faceId} lies outside the cache`);
    try {
      return { bytes: await readFile(file), type: 'image/jpeg' };
    } catch {
      throw notFound(`The crop of face #${faceId}`);
    }
  }

  async photo(photoId: number, maxSide = PHOTO_VIEW_MAX_SIDE): Promise<MediaFile> {
    const row = this.photos.findById(photoId);
    if (!row || row.status !== 'done') throw notFound(`Photo #${photoId}`);
    const where = await this.folders.locate(row.path);
    if (!where.ok) throw where.missing ? new ApiError('not_found', where.problem) : new ApiError('forbidden', where.problem);
    const key = `${photoId}:${row.content_hash}:${maxSide}`;
    let cached = this.photoCache.get(key);
    if (!cached) {
      // The real file that was checked, not the path (a link could be swapped meanwhile).
      cached = this.render(where.realPath, maxSide);
      cached.catch(() => this.photoCache.delete(key));
      this.photoCache.set(key, cached);
      while (this.photoCache.size > CACHED_PHOTOS) this.photoCache.delete(this.photoCache.keys().next().value!);
    }
    return cached;
  }

  /** Null when the window can show the photo; else why not, in a sentence. */
  async unavailable(photoId: number): Promise<string | null> {
    const row = this.photos.findById(photoId);
    if (!row) return `Photo #${photoId} is not in the library`;
    const where = await this.folders.locate(row.path);
    return where.ok ? null : where.problem;
  }

  private async render(file: string, maxSide: number): Promise<MediaFile> {
    let decoded;
    try {
      decoded = await decodePhoto(file, maxSide);
    } catch (err) {
      throw notFound(`The photo (${(err as Error).message})`);
    }
    const { data, width, height } = decoded.image;
    const bytes = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer();
    return { bytes, type: 'image/jpeg' };
  }
}
