import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../../support/paths.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

/** The restricted-import messages ESLint gives `code` as if it were the file `file`. */
async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${REPO_ROOT}/${file}` });
  return result!.messages.filter((m) => /restricted-imports/.test(m.ruleId ?? '')).map((m) => m.message);
}

describe('the import rules keep the data flow one way', () => {
  it('refuses a stage that imports a later stage, the wiring or the API', async () => {
    expect(await importErrors('src-main/core/db/x.ts', "import { createApp } from '../app.js';\nexport const a = createApp;\n")).toHaveLength(1);
    expect(await importErrors('src-main/core/analysis/x.ts', "import { GroupingService } from '../grouping/grouping.service.js';\nexport const a = GroupingService;\n")).toHaveLength(1);
    expect(await importErrors('src-main/core/embedding/seed/x.ts', "import { ScanJob } from '../../scan/scan-job.js';\nexport const a = ScanJob;\n")).toHaveLength(1);
    expect(await importErrors('src-main/core/grouping/x.ts', "import { ApiHost } from '../api/api-host.js';\nexport const a = ApiHost;\n")).toHaveLength(1);
    expect(await importErrors('src-main/core/scan/x.ts', "import { main } from '../../cli/main.js';\nexport const a = main;\n")).toHaveLength(1);
  });

  it('lets a stage import the stages before it', async () => {
    expect(await importErrors('src-main/core/grouping/x.ts', "import { SeedEmbedder } from '../embedding/seed/seed-embedder.js';\nexport const a = SeedEmbedder;\n")).toEqual([]);
    expect(await importErrors('src-main/core/scan/x.ts', "import { LibraryService } from '../library/library.service.js';\nexport const a = LibraryService;\n")).toEqual([]);
  });

  it('keeps the pure grouping algorithms away from tfjs and the database', async () => {
    expect(await importErrors('src-main/core/grouping/cluster.ts', "import Database from 'better-sqlite3';\nexport const a = Database;\n")).toHaveLength(1);
  });

  it('lets the window, .svelte files included, take only types from the contract', async () => {
    const file = 'src-renderer/src/components/X.svelte';
    expect(await importErrors(file, '<script lang="ts">\n  import { createApp } from "../../../src-main/core/app.js";\n  console.log(createApp);\n</script>\n')).toHaveLength(1);
    expect(await importErrors(file, '<script lang="ts">\n  import type { PersonSummary } from "../../../src-main/core/contract/api.js";\n  let p: PersonSummary | null = null;\n  console.log(p);\n</script>\n')).toEqual([]);
  });
});
