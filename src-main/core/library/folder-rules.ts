import os from 'node:os';
import path from 'node:path';

/** `~` and `~/…` as the home folder (a shell would do it; the window's text field does not). */
export function expandHome(input: string, home = os.homedir()): string {
  const s = input.trim();
  if (s === '~') return home;
  if (s.startsWith('~/') || (path.sep === '\\' && s.startsWith('~\\'))) return path.join(home, s.slice(2));
  return s;
}

/** Folders whose whole tree belongs to the system: never a photo library, nor anything inside them. */
const SYSTEM_TREES = ['/etc', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/usr', '/boot', '/proc', '/sys', '/dev', '/run', '/var/lib', '/var/log', '/var/cache', '/var/spool', '/System', '/private/etc'];
/** Folders that hold everyone's or everything's files: refused themselves, their subfolders are fine. */
const TOO_WIDE = ['/home', '/Users', '/root', '/var', '/private', '/private/var', '/Volumes', '/mnt', '/media'];
const WINDOWS_TREES = ['Windows', 'Program Files', 'Program Files (x86)', 'ProgramData'];

/**
 * Why `folder` (absolute, its real path) cannot be a library folder, or null when it can: the
 * root of a disk, the home folder itself, and system folders would put every file of the
 * machine within the window's reach.
 */
export function refusedFolderReason(folder: string, home = os.homedir(), platform = process.platform): string | null {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const norm = p.resolve(folder);
  const same = (a: string, b: string): boolean => (platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (same(norm, p.parse(norm).root)) return `${norm} is the root of the disk: choose the folder that holds your photos`;
  if (same(norm, p.resolve(home))) return `${norm} is your whole home folder: choose the folder that holds your photos (such as ${p.join(home, 'Pictures')})`;
  if (platform === 'win32') {
    const root = p.parse(norm).root;
    const tree = WINDOWS_TREES.find((t) => isWithinOn(p, p.join(root, t), norm, true));
    return tree ? `${norm} is a system folder (${p.join(root, tree)}): it cannot be a photo library` : null;
  }
  const tree = SYSTEM_TREES.find((t) => isWithinOn(p, t, norm, false));
  if (tree) return `${norm} is a system folder (${tree}): it cannot be a photo library`;
  if (TOO_WIDE.some((t) => same(t, norm))) return `${norm} holds far more than photos: choose the folder that holds your photos`;
  return null;
}

function isWithinOn(p: typeof path.posix, folder: string, file: string, ignoreCase: boolean): boolean {
  const a = ignoreCase ? folder.toLowerCase() : folder;
  const b = ignoreCase ? file.toLowerCase() : file;
  const rel = p.relative(a, b);
  return rel === '' || (!rel.startsWith('..') && !p.isAbsolute(rel));
}
