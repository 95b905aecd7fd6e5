import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PhotosRepository, PhotoRow } from '../db/photos.repository.js';
import { hashFile } from './content-hash.js';
import { hasImageExtension } from './image-kinds.js';
import { sniffImageFile } from './sniff.js';
import { walkFiles, type FoundFile } from './walk.js';

export interface ReconcileSummary {
  files: number;
  added: number;
  changed: number;
  moved: number;
  unchanged: number;
  gone: number;
  ignored: number;
  unreadableFolders: Array<{ path: string; error: string }>;
}

export class FolderNotFoundError extends Error {}

/** `~` and `~/…` as a shell reads them: the user's home folder. */
export function expandHome(folder: string): string {
  return folder === '~' || folder.startsWith('~/') || folder.startsWith(`~${path.sep}`) ? path.join(os.homedir(), folder.slice(1)) : folder;
}

export async function assertReadableFolder(folder: string): Promise<string> {
  const abs = path.resolve(expandHome(folder.trim()));
  let st;
  try {
    st = await stat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FolderNotFoundError(code === 'ENOENT' ? `The folder ${abs} does not exist` : `Cannot read the folder ${abs}: ${(err as Error).message}`);
  }
  if (!st.isDirectory()) throw new FolderNotFoundError(`${abs} is not a folder`);
  return abs;
}

/**
 * Brings the photos table in line with a folder on disk without decoding anything:
 * unchanged files (same size and mtime) are skipped, changed ones are queued again, a file
 * whose content hash matches a photo that is no longer where it was is a move (it keeps its
 * faces and people), and photos no longer on disk are marked gone (their faces and the
 * user's decisions about them stay).
 */
export class LibraryService {
  /** `exclude`: FacePair's own files (database, cache), in case they sit inside the scanned folder. */
  constructor(
    private readonly photos: PhotosRepository,
    private readonly exclude: readonly string[] = [],
  ) {}

  private isExcluded(file: string): boolean {
    return this.exclude.some((e) => file === e || file.startsWith(e + path.sep) || file.startsWith(e + '-'));
  }

  async reconcile(folder: string, onProgress?: (done: number, total: number) => void): Promise<ReconcileSummary> {
    const root = await assertReadableFolder(folder);
    const summary: ReconcileSummary = { files: 0, added: 0, changed: 0, moved: 0, unchanged: 0, gone: 0, ignored: 0, unreadableFolders: [] };
    const files = (await walkFiles(root, (dir, err) => summary.unreadableFolders.push({ path: dir, error: err.message }))).filter(
      (f) => !this.isExcluded(f.path),
    );
    const known = new Map(this.photos.listUnder(root + path.sep).map((p) => [p.path, p]));
    const onDisk = new Set(files.map((f) => f.path));
    // Rows whose file is no longer at its path: candidates for a move, else gone.
    const missing = new Map<string, PhotoRow[]>();
    for (const row of known.values()) {
      if (onDisk.has(row.path)) continue;
      const list = missing.get(row.content_hash) ?? [];
      list.push(row);
      missing.set(row.content_hash, list);
    }

    // Progress counts photos: a file without an image's name is looked into first, and left
    // out of the count when it is no image (sidecar XML, videos, notes).
    const photos: FoundFile[] = [];
    for (const file of files) {
      if (known.has(file.path) || hasImageExtension(file.path) || (await this.isImage(file.path))) photos.push(file);
      else summary.ignored++;
    }
    let done = 0;
    for (const file of photos) {
      onProgress?.(done++, photos.length);
      const row = known.get(file.path);
      if (row && row.status !== 'gone' && row.size === file.size && row.mtime_ms === file.mtimeMs) {
        summary.unchanged++;
        summary.files++;
        continue;
      }
      summary.files++;
      let hash: string;
      try {
        hash = await hashFile(file.path);
      } catch {
        // Vanished or unreadable: it is recorded when analysed (or skipped if gone by then).
        hash = `unreadable:${file.path}`;
      }
      await this.reconcileOne(file, hash, row, missing, summary);
    }
    onProgress?.(photos.length, photos.length);

    for (const rows of missing.values()) {
      for (const row of rows) {
        if (row.status !== 'gone') {
          this.photos.markGone(row.id);
          summary.gone++;
        }
      }
    }
    return summary;
  }

  private async isImage(file: string): Promise<boolean> {
    try {
      return (await sniffImageFile(file)) !== null;
    } catch {
      return false;
    }
  }

  private async reconcileOne(file: FoundFile, hash: string, row: PhotoRow | undefined, missing: Map<string, PhotoRow[]>, summary: ReconcileSummary): Promise<void> {
    const photo = { path: file.path, size: file.size, mtimeMs: file.mtimeMs, contentHash: hash };
    if (row) {
      if (row.content_hash === hash) {
        this.photos.touch(row.id, file.size, file.mtimeMs);
        if (row.status === 'gone') this.photos.move(row.id, photo);
        summary.unchanged++;
      } else {
        this.photos.resetForNewContent(row.id, photo);
        summary.changed++;
      }
      return;
    }
    const candidates = missing.get(hash);
    const moved = candidates?.shift();
    if (moved) {
      this.photos.move(moved.id, photo);
      summary.moved++;
      return;
    }
    // A photo gone from elsewhere in the library (or from another scanned folder) may come back here.
    const goneElsewhere = this.photos.findByHash(hash).find((p) => p.status === 'gone');
    if (goneElsewhere) {
      this.photos.move(goneElsewhere.id, photo);
      summary.moved++;
      return;
    }
    this.photos.insert(photo);
    summary.added++;
  }
}
