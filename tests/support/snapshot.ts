import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every entry under a folder with size and mtime: to prove a scan wrote nothing there. */
export function snapshotFolder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      const st = statSync(full);
      out.push(`${path.relative(dir, full)} ${st.size} ${st.mtimeMs}`);
      if (st.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}
