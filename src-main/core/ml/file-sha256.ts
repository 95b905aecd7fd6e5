import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Each file's hash once per thread, while its size and time of change stay as they were. */
const known = new Map<string, { size: number; mtimeMs: number; hex: Promise<string> }>();

/**
 * The sha256 (hex) of a file, computed once per thread for a file unchanged since (same size
 * and time of change): a model's weights are checked by several loaders of the same thread.
 */
export async function fileSha256(file: string): Promise<string> {
  const full = path.resolve(file);
  const { size, mtimeMs } = await stat(full);
  const seen = known.get(full);
  if (seen !== undefined && seen.size === size && seen.mtimeMs === mtimeMs) return seen.hex;
  const hex = readFile(full).then((bytes) => createHash('sha256').update(bytes).digest('hex'));
  known.set(full, { size, mtimeMs, hex });
  // A failed read is not kept: the next call reads again.
  void hex.catch(() => {
    if (known.get(full)?.hex === hex) known.delete(full);
  });
  return hex;
}
