import { realpathSync } from 'node:fs';
import { access, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import type { LibraryFoldersRepository } from '../db/library-folders.repository.js';
import { expandHome, refusedFolderReason } from './folder-rules.js';
import { isInside, isWithin } from './inside.js';
import { assertReadableFolder } from './library.service.js';

/** A folder the user cannot add or remove as asked, said in a sentence. */
export class LibraryFolderError extends Error {}

export interface LibraryFolderInfo {
  path: string;
  /** Photos of the library in this folder (analysed, waiting or failed). */
  photos: number;
  /** Null when the folder can be read; else why not (a disk not plugged in, a folder refused as a library). */
  problem: string | null;
}

export type AddFolderResult =
  /** Added; `replaced`: listed folders inside it, now part of it. */
  | { outcome: 'added'; folder: string; replaced: string[] }
  | { outcome: 'listed'; folder: string }
  /** Already part of the library through the listed folder `within`. */
  | { outcome: 'inside'; folder: string; within: string };

/** Where a photo file really is, or why the window cannot show it. */
export type PhotoLocation = { ok: true; realPath: string; folder: string } | { ok: false; missing: boolean; problem: string };

/**
 * The library's folders: the user adds and removes them; scans read them and the window shows
 * photos from them and from nowhere else, judged by real path (a link never reaches outside).
 * Folders are kept by real path and never nest; the root, the home folder itself and system
 * folders are refused.
 */
export class LibraryFolders {
  constructor(private readonly repo: LibraryFoldersRepository) {}

  /** The folders scans read and the window serves from, by real path (refused ones left out). */
  roots(): string[] {
    return this.repo
      .list()
      .map((f) => f.path)
      .filter((p) => refusedFolderReason(p) === null);
  }

  /** Every listed folder with its photos and any problem, in the order added. */
  async list(): Promise<LibraryFolderInfo[]> {
    return Promise.all(
      this.repo.list().map(async (f) => ({
        path: f.path,
        photos: this.repo.countPhotosUnder(f.path, path.sep).present,
        problem: refusedFolderReason(f.path) ?? (await unreadableReason(f.path)),
      })),
    );
  }

  /** Photos kept from removed folders (or scanned outside every folder): out of the people until their folder is added again. */
  removedPhotos(): number {
    const inFolders = this.roots().reduce((n, r) => n + this.repo.countPhotosUnder(r, path.sep).all, 0);
    return this.repo.countAllPhotos() - inFolders;
  }

  /** Checks the folder (exists, readable, not refused) and adds it by real path. `~` is the home folder. */
  async add(input: string): Promise<AddFolderResult> {
    const real = await checkLibraryFolder(input);
    const roots = this.roots();
    if (roots.includes(real)) return { outcome: 'listed', folder: real };
    const within = roots.find((r) => isInside(r, real));
    if (within) return { outcome: 'inside', folder: real, within };
    const replaced = roots.filter((r) => isInside(real, r));
    this.repo.add(real, replaced);
    return { outcome: 'added', folder: real, replaced };
  }

  /**
   * Takes a listed folder off the list (named as listed, or by a path that leads to it); its
   * photos are marked gone, their faces, names and decisions kept for when it comes back.
   */
  remove(input: string): { folder: string; photos: number } {
    const listed = this.repo.list().map((f) => f.path);
    const abs = path.resolve(expandHome(input));
    let folder = listed.find((p) => p === abs);
    if (folder === undefined) {
      try {
        const real = realpathSync(abs);
        folder = listed.find((p) => p === real);
      } catch {
        // not on disk: only its listed name can name it
      }
    }
    if (folder === undefined) {
      throw new LibraryFolderError(`${abs} is not one of the library's folders${listed.length > 0 ? ` (${listed.join(', ')})` : ''}`);
    }
    return { folder, photos: this.repo.remove(folder, path.sep) };
  }

  /** The listed folder that `input` names or lies in (for a scan of one folder), or null. */
  async folderFor(input: string): Promise<string | null> {
    const abs = path.resolve(expandHome(input));
    const real = await realpath(abs).catch(() => abs);
    return this.roots().find((r) => isWithin(r, real) || isWithin(r, abs)) ?? null;
  }

  /** The photo's folder and its place in it, for display: "Holiday/2019" (the folder's name first when there are several). */
  displayFolder(file: string): string {
    const roots = this.roots();
    const root = roots.find((r) => isInside(r, file));
    if (!root) return path.dirname(file);
    const rel = path.dirname(path.relative(root, file));
    const inRoot = rel === '.' ? '' : rel;
    return roots.length > 1 ? path.join(path.basename(root), inRoot) : inRoot;
  }

  /** A file's path for display: relative to its folder where it lies in one. */
  displayPath(file: string): string {
    const dir = this.displayFolder(file);
    return path.isAbsolute(dir) ? file : path.join(dir, path.basename(file));
  }

  /**
   * Where the photo file stored at `file` really is, and whether the window may show it: its
   * real path must lie in one of the folders (a link inside pointing outside does not).
   */
  async locate(file: string): Promise<PhotoLocation> {
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      return { ok: false, missing: true, problem: `The file ${file} is not there any more: it was moved or deleted since the last scan (scan again)` };
    }
    for (const root of this.roots()) {
      const realRoot = await realpath(root).catch(() => null);
      if (realRoot !== null && isInside(realRoot, real)) return { ok: true, realPath: real, folder: root };
    }
    return { ok: false, missing: false, problem: `The file ${file} lies outside the library's folders: add its folder to the library to see it` };
  }

  /** Whether a stored photo path lies in one of the folders, by its text (for a file no longer on disk). */
  listedPath(file: string): boolean {
    return this.roots().some((r) => isInside(r, file));
  }
}

/**
 * The real path of a folder the user gives as a library folder (`~` is the home folder), or a
 * clear error: it does not exist, it is no folder, or it is the root, the home folder itself or
 * a system folder.
 */
export async function checkLibraryFolder(input: string): Promise<string> {
  const abs = await assertReadableFolder(expandHome(input));
  const real = await realpath(abs);
  const refused = refusedFolderReason(abs) ?? refusedFolderReason(real);
  if (refused) throw new LibraryFolderError(refused);
  return real;
}

/** What adding a folder did, in a sentence. */
export function describeAdded(added: AddFolderResult): string {
  if (added.outcome === 'listed') return `${added.folder} is already in the library.`;
  if (added.outcome === 'inside') return `${added.folder} is already in the library, as part of ${added.within}.`;
  const n = added.replaced.length;
  return n === 0
    ? `${added.folder} is in the library now: scan it to find its faces.`
    : `${added.folder} is in the library now, in place of ${n} folder${n === 1 ? '' : 's'} inside it (${added.replaced.join(', ')}): scan it to find the faces of the rest.`;
}

/** What removing a folder did, in a sentence. */
export function describeRemoved(removed: { folder: string; photos: number }): string {
  const n = removed.photos;
  return n === 0
    ? `${removed.folder} is no longer in the library.`
    : `${removed.folder} is no longer in the library: its ${n} photo${n === 1 ? '' : 's'} left the people. Names and answers about them are kept, and come back if you add the folder again.`;
}

async function unreadableReason(folder: string): Promise<string | null> {
  try {
    await access(folder, constants.R_OK | constants.X_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'The folder is not there (a disk not plugged in?); its photos stay in the library' : `The folder cannot be read: ${(err as Error).message}`;
  }
}
