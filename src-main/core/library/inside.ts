import path from 'node:path';

/** Whether `file` lies inside `folder`, below it (both absolute; as text: resolve real paths first). */
export function isInside(folder: string, file: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** `file` is `folder` itself or lies inside it. */
export function isWithin(folder: string, file: string): boolean {
  return path.relative(folder, file) === '' || isInside(folder, file);
}
