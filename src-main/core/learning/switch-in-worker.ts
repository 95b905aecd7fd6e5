import { LibraryWorker } from '../db/library-worker.js';
import type { GroupingSummary } from '../grouping/grouping.service.js';
import { workerScript } from '../worker-script.js';
import type { SwitchVersionContext, SwitchVersionInput } from './switch-version.job.js';

/** Where a switch of version runs: a library worker of its own (switch-version.job.ts), ended once it is done. */
export function switchInWorker(dbFile: string, context: SwitchVersionContext): (versionId: number | null) => Promise<GroupingSummary> {
  return (versionId) => {
    const worker = new LibraryWorker<SwitchVersionInput, GroupingSummary>({ dbFile, jobModule: workerScript(import.meta.url, 'switch-version.job.js'), context, writes: true }, false);
    return worker.run({ versionId });
  };
}
