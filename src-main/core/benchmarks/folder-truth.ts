import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Who is in each photo, for evaluation: from a CSV of `file,identity` rows (file relative to
 * the CSV's folder or a bare file name), or else from the name of each photo's folder (LFW).
 */
export function loadTruth(csvFile: string | undefined): (photoPath: string) => string | undefined {
  if (!csvFile) return (p) => path.basename(path.dirname(p));
  const rows = readFileSync(csvFile, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = rows.shift()?.split(',').map((h) => h.trim().toLowerCase());
  if (!header || header[0] !== 'file' || header.length < 2) throw new Error(`${csvFile}: expected a header "file,identity"`);
  const byName = new Map<string, string>();
  for (const row of rows) {
    const [file, identity] = row.split(',').map((c) => c.trim());
    if (file && identity) byName.set(file, identity);
  }
  const base = path.dirname(path.resolve(csvFile));
  return (p) => byName.get(path.relative(base, p)) ?? byName.get(path.basename(p));
}
