import { LibraryWorker } from '../db/library-worker.js';
import { workerScript } from '../worker-script.js';
import { fileHashesFile } from '../paths.js';
import type { GroupingJobContext, GroupingJobInput, GroupingPreloadQuery, GroupingPreloadReply } from './grouping.job.js';
import type { GroupingPlanner, PlannedGrouping } from './grouping.service.js';

/**
 * Plans each grouping in a library worker of its own (grouping.job.ts) over the same library
 * file, and writes it there when asked (the worker's connection is then read-write), ended
 * once done; rejects when the worker fails (the caller then plans and writes on its own thread).
 * `prestart` starts the next writing plan's worker ahead (a scan's, while its photos are
 * analysed), so that it has loaded the pair head, the candidate search and the existing faces'
 * descriptor rows when the plan is asked for; `preloaded` waits until it has.
 */
export function workerGroupingPlanner(dbFile: string, cacheDir: string, seedModelDir: string): GroupingPlanner {
  const context: GroupingJobContext = { cacheDir, seedModelDir, fileHashesFile: fileHashesFile() };
  type Worker = LibraryWorker<GroupingJobInput | GroupingPreloadQuery, PlannedGrouping | GroupingPreloadReply>;
  const make = (write: boolean, readAhead = false): Worker =>
    new LibraryWorker<GroupingJobInput | GroupingPreloadQuery, PlannedGrouping | GroupingPreloadReply>({ dbFile, jobModule: workerScript(import.meta.url, 'grouping.job.js'), context: { ...context, readAhead }, writes: write }, false);
  let ready: Worker | undefined;
  const planner: GroupingPlanner = (resolved, release, write) => {
    let worker = write ? ready : undefined;
    if (worker !== undefined) ready = undefined;
    worker ??= make(write);
    return worker.run({ resolved, release, write }) as Promise<PlannedGrouping>;
  };
  planner.preloaded = async () => (ready === undefined ? null : ((await ready.run({ preloaded: true }, true)) as GroupingPreloadReply));
  planner.prestart = () => {
    ready?.close();
    const worker = make(true, true);
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
