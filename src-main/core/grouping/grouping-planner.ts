import { LibraryWorker } from '../db/library-worker.js';
import { workerScript } from '../worker-script.js';
import type { GroupingJobContext, GroupingJobInput } from './grouping.job.js';
import type { GroupingPlanner, PlannedGrouping } from './grouping.service.js';

/**
 * Plans each grouping in a library worker of its own (grouping.job.ts) over the same library
 * file, and writes it there when asked (the worker's connection is then read-write), ended
 * once done; rejects when the worker fails (the caller then plans and writes on its own thread).
 */
export function workerGroupingPlanner(dbFile: string, cacheDir: string, seedModelDir: string): GroupingPlanner {
  const context: GroupingJobContext = { cacheDir, seedModelDir };
  return (resolved, release, write) => {
    const worker = new LibraryWorker<GroupingJobInput, PlannedGrouping>(
      { dbFile, jobModule: workerScript(import.meta.url, 'grouping.job.js'), context, writes: write },
      false,
    );
    return worker.run({ resolved, release, write });
  };
}
