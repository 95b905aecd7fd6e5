import { createHash } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

/** What identifies one state of a file: a write changes its time of change (ctime), which no one can set back. */
interface FileState {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** Each file's hash once per thread, while its state stays as it was. */
const known = new Map<string, FileState & { hex: Promise<string> }>();

const sameState = (a: FileState, b: FileState): boolean => a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;

/**
 * Where hashes are kept between runs (null: nowhere). Each scan's worker threads check the
 * weights of the models they load (about 15 MB, 80-100 ms of each thread's CPU at start); a
 * hash kept for the same file state (path, size, times, inode) is used as it is.
 */
let storeFile: string | null = null;
let stored: Promise<Record<string, FileState & { sha256: string }>> | null = null;

export function keepFileHashesIn(file: string | null): void {
  storeFile = file;
  stored = null;
}

function readStore(): Promise<Record<string, FileState & { sha256: string }>> {
  if (storeFile === null) return Promise.resolve({});
  stored ??= readFile(storeFile, 'utf8').then(
    (text) => {
      const parsed = JSON.parse(text) as unknown;
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, FileState & { sha256: string }>) : {};
    },
    () => ({}),
  ).catch(() => ({}));
  return stored;
}

let writing: Promise<void> = Promise.resolve();

/** Adds one hash to the store, one write at a time (whole, to a part file, then renamed: a reader never sees half of it). */
function remember(full: string, state: FileState, sha256: string): Promise<void> {
  if (storeFile === null) return Promise.resolve();
  const file = storeFile;
  writing = writing.then(async () => {
    const all = { ...(await readStore()), [full]: { ...state, sha256 } };
    stored = Promise.resolve(all);
    const part = `${file}.${process.pid}-${threadId}.part`;
    try {
      await writeFile(part, JSON.stringify(all));
      await rename(part, file);
    } catch {
      await rm(part, { force: true }).catch(() => undefined);
    }
  });
  return writing;
}

/**
 * The sha256 (hex) of a file, computed once per thread for a file unchanged since (same size,
 * times and inode), and kept between runs where keepFileHashesIn says: a model's weights are
 * checked by several loaders of each thread.
 */
export async function fileSha256(file: string): Promise<string> {
  const full = path.resolve(file);
  const { size, mtimeMs, ctimeMs, ino } = await stat(full);
  const state: FileState = { size, mtimeMs, ctimeMs, ino };
  const seen = known.get(full);
  if (seen !== undefined && sameState(seen, state)) return seen.hex;
  const hex = (async (): Promise<string> => {
    const kept = (await readStore())[full];
    if (kept !== undefined && sameState(kept, state) && typeof kept.sha256 === 'string' && /^[0-9a-f]{64}$/.test(kept.sha256)) return kept.sha256;
    const sha = createHash('sha256').update(await readFile(full)).digest('hex');
    // Kept only when the file did not change while it was read.
    const after = await stat(full);
    if (sameState(state, { size: after.size, mtimeMs: after.mtimeMs, ctimeMs: after.ctimeMs, ino: after.ino })) await remember(full, state, sha);
    return sha;
  })();
  known.set(full, { ...state, hex });
  // A failed read is not kept: the next call reads again.
  void hex.catch(() => {
    if (known.get(full)?.hex === hex) known.delete(full);
  });
  return hex;
}
