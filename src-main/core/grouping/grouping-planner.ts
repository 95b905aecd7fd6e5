import { LibraryWorker } from '../db/library-worker.js';
import { workerScript } from '../worker-script.js';
import type { GroupingJobContext, GroupingJobInput } from './grouping.job.js';
import type { GroupingPlan, GroupingPlanner } from './grouping.service.js';

/**
 * Plans each grouping in a library worker of its own (grouping.job.ts) over the same library
 * file, ended once the plan is made; rejects when the worker fails (the caller then plans on
 * its own thread).
 */
export function workerGroupingPlanner(dbFile: string, cacheDir: string, seedModelDir: string): GroupingPlanner {
  const context: GroupingJobContext = { cacheDir, seedModelDir };
  return (resolved, release) => {
    const worker = new LibraryWorker<GroupingJobInput, GroupingPlan>({ dbFile, jobModule: workerScript(import.meta.url, 'grouping.job.js'), context }, false);
    return worker.run({ resolved, release });
  };
}
