import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface FoundFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** Found through a symbolic link: its real location may lie elsewhere. */
  link?: boolean;
}

/**
 * Every regular file under `root`, recursively. Hidden files and folders (dot names, such as
 * .thumbnails or macOS's ._ files) are skipped; symbolic links to files are followed, links to
 * folders are not (no cycles). Unreadable folders are reported, not fatal.
 */
export async function walkFiles(root: string, onUnreadable: (dir: string, err: Error) => void): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let handle;
    try {
      handle = await opendir(dir);
    } catch (err) {
      onUnreadable(dir, err as Error);
      continue;
    }
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        stack.push(full);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        try {
          const st = await stat(full);
          if (st.isFile()) out.push({ path: full, size: st.size, mtimeMs: Math.floor(st.mtimeMs), ...(entry.isSymbolicLink() ? { link: true } : {}) });
        } catch {
          // vanished between listing and stat, or a dangling link: not a photo
        }
      }
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
