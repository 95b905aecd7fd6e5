import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { packageRoot } from './paths.js';

/**
 * The compiled worker script `name` beside the module `callerUrl` (its import.meta.url): there
 * when running compiled, else (running from TypeScript sources, as the tests do) its copy at
 * the same place under dist/.
 */
export function workerScript(callerUrl: string, name: string): string {
  const here = fileURLToPath(new URL(`./${name}`, callerUrl));
  if (existsSync(here)) return here;
  const root = packageRoot();
  const compiled = path.join(root, 'dist', path.relative(root, here));
  if (existsSync(compiled)) return compiled;
  throw new Error(`The compiled worker ${path.relative(root, here)} is missing: run \`npm run build\` first`);
}
