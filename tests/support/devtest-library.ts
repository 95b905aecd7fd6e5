import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { LFW } from './paths.js';

/**
 * A photo folder of the first LFW View 1 DevTest people (alphabetically; never trained on)
 * with at least `min` images: `people` of them, one subfolder each, the images copied (a scan
 * skips links to files outside the library's folders).
 */
export function devTestFolder(folder: string, people: number, min: number): void {
  const rows = readFileSync(path.join(LFW, 'peopleDevTest.txt'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
  for (const [name] of rows.filter(([, n]) => Number(n) >= min).slice(0, people)) {
    mkdirSync(path.join(folder, name!), { recursive: true });
    for (const f of readdirSync(path.join(LFW, 'images', name!))) copyFileSync(path.join(LFW, 'images', name!, f), path.join(folder, name!, f));
  }
}
