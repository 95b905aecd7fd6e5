import { LibraryWorker } from '../db/library-worker.js';
import { workerScript } from '../worker-script.js';
import type { GroupingJobContext, GroupingJobInput } from './grouping.job.js';
import type { GroupingPlanner, PlannedGrouping } from './grouping.service.js';

/**
 * Plans each grouping in a library worker of its own (grouping.job.ts) over the same library
 * file, and writes it there when asked (the worker's connection is then read-write), ended
 * once done; rejects when the worker fails (the caller then plans and writes on its own thread).
 * `prestart` starts the next writing plan's worker ahead (a scan's, while its photos are
 * analysed), so that it has loaded the pair head when the plan is asked for.
 */
export function workerGroupingPlanner(dbFile: string, cacheDir: string, seedModelDir: string): GroupingPlanner {
  const context: GroupingJobContext = { cacheDir, seedModelDir };
  const make = (write: boolean): LibraryWorker<GroupingJobInput, PlannedGrouping> =>
    new LibraryWorker<GroupingJobInput, PlannedGrouping>({ dbFile, jobModule: workerScript(import.meta.url, 'grouping.job.js'), context, writes: write }, false);
  let ready: LibraryWorker<GroupingJobInput, PlannedGrouping> | undefined;
  const planner: GroupingPlanner = (resolved, release, write) => {
    let worker = write ? ready : undefined;
    if (worker !== undefined) ready = undefined;
    worker ??= make(write);
    return worker.run({ resolved, release, write });
  };
  planner.prestart = () => {
    ready?.close();
    const worker = make(true);
    ready = worker;
    worker.start();
    // Not used after all (the scan failed before grouping): ended here.
    return () => {
      if (ready !== worker) return;
      ready = undefined;
      worker.close();
    };
  };
  return planner;
}
