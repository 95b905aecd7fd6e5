import { ExifTool } from 'exiftool-vendored';

/**
 * ExifTool, the reference reader and writer of XMP, through exiftool-vendored: it bundles
 * ExifTool (run by the system's perl; a Windows build on Windows) and keeps one process open
 * for many files. `FACEPAIR_EXIFTOOL` names another exiftool to run instead (a distribution's,
 * e.g. /usr/bin/exiftool). Each use opens its own and ends it (see withExiftool).
 */
export function openExiftool(): ExifTool {
  const exiftoolPath = process.env.FACEPAIR_EXIFTOOL || undefined;
  return new ExifTool({ maxProcs: 1, taskTimeoutMillis: 30_000, ...(exiftoolPath ? { exiftoolPath } : {}) });
}

/** Runs `fn` with an ExifTool opened on first use, and always ends it. */
export async function withExiftool<T>(fn: (get: () => ExifTool) => Promise<T>): Promise<T> {
  let et: ExifTool | null = null;
  try {
    return await fn(() => (et ??= openExiftool()));
  } finally {
    // Ending never fails the work done: at worst the child process is left to exit on its own.
    if (et) await (et as ExifTool).end().catch(() => undefined);
  }
}
