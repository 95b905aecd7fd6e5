import path from 'node:path';

/** `photo.jpg.xmp` (digiKam, darktable: the default) or `photo.xmp` (Lightroom). */
export type SidecarNaming = 'photo.ext.xmp' | 'photo.xmp';

/** Where sidecars go: beside each photo (only when asked) or into a mirror of the library's folders. */
export type SidecarDestination = { kind: 'beside' } | { kind: 'mirror'; out: string; root: string };

export function sidecarBeside(photoPath: string, naming: SidecarNaming): string {
  if (naming === 'photo.ext.xmp') return `${photoPath}.xmp`;
  return `${photoPath.slice(0, photoPath.length - path.extname(photoPath).length)}.xmp`;
}

/** The deepest folder holding every one of `files` (absolute paths); their filesystem root when they share none. */
export function commonFolder(files: readonly string[]): string {
  if (files.length === 0) return path.parse(process.cwd()).root;
  let parts = path.dirname(files[0]!).split(path.sep);
  for (const f of files.slice(1)) {
    const other = path.dirname(f).split(path.sep);
    let i = 0;
    while (i < parts.length && i < other.length && parts[i] === other[i]) i++;
    parts = parts.slice(0, i);
  }
  const joined = parts.join(path.sep);
  return joined === '' ? path.parse(files[0]!).root : joined;
}

/** The sidecar a photo gets: beside it, or at its path relative to the library's root inside the mirror. */
export function sidecarTarget(photoPath: string, naming: SidecarNaming, dest: SidecarDestination): string {
  const beside = sidecarBeside(photoPath, naming);
  if (dest.kind === 'beside') return beside;
  let rel = path.relative(dest.root, beside);
  // A photo outside the root (another drive): its absolute path, without the drive's root, inside the mirror.
  if (rel.startsWith('..') || path.isAbsolute(rel)) rel = beside.slice(path.parse(beside).root.length).replace(/:/g, '');
  return path.join(dest.out, rel);
}
