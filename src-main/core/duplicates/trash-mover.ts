import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where a file moved to the trash went: both null when the platform does not say. */
export interface TrashPlace {
  /** The file in the trash. */
  trashPath: string | null;
  /** Its freedesktop.org `.trashinfo` file, removed when the file is put back. */
  infoPath: string | null;
}

/**
 * Moves files to the system trash, never deleting them. The CLI and `serve` use the `trash`
 * package (`packageTrash`); the Electron shell injects one backed by `shell.trashItem`
 * (`delegatedTrash`). Core never imports electron.
 */
export interface TrashMover {
  /** Moves one file to the system trash and says where it went; throws when it could not. */
  moveToTrash(file: string): Promise<TrashPlace>;
  /** How the user puts back, by hand, a file this mover trashed where FacePair cannot find it. */
  readonly restoreByHand: string;
}

/** The words for putting a file back from this platform's trash by hand. */
export function restoreByHandOn(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'put it back from the Trash in the Finder (right-click, Put Back)';
  if (platform === 'win32') return 'restore it from the Recycle Bin (right-click, Restore)';
  return 'restore it from the trash in your file manager';
}

/** The freedesktop.org, macOS and Windows trash through sindresorhus's `trash` package (loaded on first use). */
export const packageTrash: TrashMover = {
  restoreByHand: restoreByHandOn(),
  async moveToTrash(file) {
    const { default: trash } = await import('trash');
    // On Linux it answers where each file went; elsewhere nothing.
    const result = (await trash([file], { glob: false })) as unknown;
    const first = Array.isArray(result) ? (result[0] as { path?: string; info?: string } | undefined) : undefined;
    return { trashPath: first?.path ?? null, infoPath: first?.info ?? null };
  },
};

/**
 * A mover that hands each file to another party that trashes it and says nothing of where
 * (Electron's `shell.trashItem`, run by the main process). On Linux and the other freedesktop
 * systems the file is then looked up in the trash, so that undo can put it back; on macOS and
 * Windows the trash belongs to the system and undo says how to restore it by hand.
 */
export function delegatedTrash(
  trashItem: (file: string) => Promise<void>,
  platform: NodeJS.Platform = process.platform,
  options: TrashLookup = {},
): TrashMover {
  const freedesktop = platform !== 'darwin' && platform !== 'win32';
  return {
    restoreByHand: restoreByHandOn(platform),
    async moveToTrash(file) {
      const since = Date.now();
      await trashItem(file);
      return freedesktop ? findInFreedesktopTrash(file, since, options) : { trashPath: null, infoPath: null };
    },
  };
}

/** Where to look for the freedesktop.org trash (tests give their own). */
export interface TrashLookup {
  home?: string;
  /** $XDG_DATA_HOME; its `Trash` is the home trash. */
  dataHome?: string;
  /** The top folder of the file's volume; found from the device numbers when not given. */
  volumeTop?: string | null;
}

/** The trash folders a file of this folder may go to (freedesktop.org trash spec): the home trash, then its volume's. */
export function freedesktopTrashDirs(folder: string, options: TrashLookup = {}): string[] {
  const home = options.home ?? os.homedir();
  const dataHome = options.dataHome ?? (process.env.XDG_DATA_HOME || path.join(home, '.local', 'share'));
  const dirs = [path.join(dataHome, 'Trash')];
  const top = options.volumeTop !== undefined ? options.volumeTop : volumeTop(folder);
  if (top !== null) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    dirs.push(path.join(top, '.Trash', String(uid)), path.join(top, `.Trash-${uid}`));
  }
  return dirs;
}

/** The topmost folder above `folder` on the same device (its volume's mount point), or null. */
function volumeTop(folder: string): string | null {
  try {
    let dir = folder;
    const dev = statSync(dir).dev;
    for (;;) {
      const parent = path.dirname(dir);
      if (parent === dir || statSync(parent).dev !== dev) return dir;
      dir = parent;
    }
  } catch {
    return null;
  }
}

/**
 * Where `file`, trashed at `since` (ms) or later, lies in a freedesktop.org trash: the newest
 * `.trashinfo` whose Path is the file's (absolute in the home trash, relative to the volume in
 * a volume's trash). Nulls when none matches.
 */
export function findInFreedesktopTrash(file: string, since: number, options: TrashLookup = {}): TrashPlace {
  const folder = path.dirname(file);
  const top = options.volumeTop !== undefined ? options.volumeTop : volumeTop(folder);
  let best: { place: TrashPlace; mtime: number } | null = null;
  for (const dir of freedesktopTrashDirs(folder, options)) {
    const infoDir = path.join(dir, 'info');
    let names: string[];
    try {
      names = readdirSync(infoDir).filter((n) => n.endsWith('.trashinfo'));
    } catch {
      continue;
    }
    for (const name of names) {
      const infoPath = path.join(infoDir, name);
      let mtime: number, text: string;
      try {
        mtime = statSync(infoPath).mtimeMs;
        // Written as the file moved; a second of slack for coarse file-system clocks.
        if (mtime < since - 2000) continue;
        text = readFileSync(infoPath, 'utf8');
      } catch {
        continue;
      }
      const m = /^Path=(.*)$/m.exec(text);
      if (!m) continue;
      const stored = decodeTrashPath(m[1]!);
      const original = path.isAbsolute(stored) ? stored : top !== null ? path.join(top, stored) : null;
      if (original !== file) continue;
      const trashPath = path.join(dir, 'files', name.slice(0, -'.trashinfo'.length));
      if (!existsSync(trashPath)) continue;
      if (!best || mtime > best.mtime) best = { place: { trashPath, infoPath }, mtime };
    }
  }
  return best?.place ?? { trashPath: null, infoPath: null };
}

function decodeTrashPath(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
