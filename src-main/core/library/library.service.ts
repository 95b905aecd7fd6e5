import { realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PhotosRepository, PhotoRow } from '../db/photos.repository.js';
import { hashFile } from './content-hash.js';
import { hasImageExtension } from './image-kinds.js';
import { isWithin } from './inside.js';
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
  /** Links to files whose real location is outside the library's folders: skipped, never indexed. */
  outside: Array<{ path: string; target: string }>;
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
  /**
   * `exclude`: FacePair's own files (database, cache), in case they sit inside the scanned folder.
   * `libraryFolders`: the library's folders, by real path: a link in the scanned folder may lead
   * into one of them, and to nowhere else.
   */
  constructor(
    private readonly photos: PhotosRepository,
    private readonly exclude: readonly string[] = [],
    private readonly libraryFolders: () => readonly string[] = () => [],
  ) {}

  private isExcluded(file: string): boolean {
    return this.exclude.some((e) => file === e || file.startsWith(e + path.sep) || file.startsWith(e + '-'));
  }

  /**
   * Every file is indexed at its real path: a link to a photo elsewhere in the library is that
   * photo (never a second copy), and a link to a file outside the library's folders is skipped.
   */
  async reconcile(folder: string, onProgress?: (done: number, total: number) => void): Promise<ReconcileSummary> {
    const given = await assertReadableFolder(folder);
    const root = await realpath(given);
    const summary: ReconcileSummary = { files: 0, added: 0, changed: 0, moved: 0, unchanged: 0, gone: 0, ignored: 0, unreadableFolders: [], outside: [] };
    const found = (await walkFiles(root, (dir, err) => summary.unreadableFolders.push({ path: dir, error: err.message }))).filter(
      (f) => !this.isExcluded(f.path),
    );
    const files = await this.realFiles(root, found, summary);
    // Rows stored under the folder as given (a link to it, in an older library) move to the real paths.
    const rows = given === root ? this.photos.listUnder(root + path.sep) : [...this.photos.listUnder(root + path.sep), ...this.photos.listUnder(given + path.sep)];
    const known = new Map(rows.map((p) => [p.path, p]));
    for (const f of files) {
      // A link's target in another of the library's folders: known there, if indexed before.
      if (!known.has(f.path) && !isWithin(root, f.path)) {
        const row = this.photos.findByPath(f.path);
        if (row) known.set(f.path, row);
      }
    }
    const onDisk = new Set(files.map((f) => f.path));
    // Rows whose file is no longer at its path: candidates for a move, else gone.
    const missing = new Map<string, PhotoRow[]>();
    for (const row of rows) {
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

    for (const list of missing.values()) {
      for (const row of list) {
        if (row.status !== 'gone') {
          this.photos.markGone(row.id);
          summary.gone++;
        }
      }
    }
    return summary;
  }

  /**
   * The files at their real paths, each once; links whose target lies outside the scanned
   * folder and every library folder are left out (and listed in the summary).
   */
  private async realFiles(root: string, found: readonly FoundFile[], summary: ReconcileSummary): Promise<FoundFile[]> {
    const allowed = [root, ...this.libraryFolders()];
    const seen = new Set<string>();
    const out: FoundFile[] = [];
    for (const f of found) {
      let real = f.path;
      if (f.link) {
        try {
          real = await realpath(f.path);
        } catch {
          continue; // vanished since the walk
        }
      }
      if (real !== f.path && !allowed.some((a) => isWithin(a, real))) {
        summary.outside.push({ path: f.path, target: real });
        continue;
      }
      if (seen.has(real) || this.isExcluded(real)) continue;
      seen.add(real);
      out.push({ path: real, size: f.size, mtimeMs: f.mtimeMs });
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
