import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The compiled worker script `name` of `src-main/core/<folder>/`, as seen from a module of that
 * folder (`callerUrl`, its import.meta.url): beside it when running compiled, else (running
 * from TypeScript sources, as the tests do) its copy under dist/.
 */
export function workerScript(callerUrl: string, folder: string, name: string): string {
  const here = fileURLToPath(new URL(`./${name}`, callerUrl));
  if (existsSync(here)) return here;
  const compiled = fileURLToPath(new URL(`../../../dist/src-main/core/${folder}/${name}`, callerUrl));
  if (existsSync(compiled)) return compiled;
  throw new Error(`The compiled worker ${folder}/${name} is missing: run \`npm run build\` first`);
}
