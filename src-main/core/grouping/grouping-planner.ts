import { Worker } from 'node:worker_threads';

import { workerScript } from '../worker-script.js';
import type { GroupingPlan, GroupingPlanner, ResolvedGrouping } from './grouping.service.js';

export interface GroupingWorkerInput {
  dbFile: string;
  cacheDir: string;
  seedModelDir: string;
  resolved: ResolvedGrouping;
}

/**
 * Plans each scan's grouping in a worker thread of its own (grouping.worker.ts) over the same
 * library file; rejects when the worker fails (the caller then plans on its own thread).
 */
export function workerGroupingPlanner(dbFile: string, cacheDir: string, seedModelDir: string): GroupingPlanner {
  return (resolved) =>
    new Promise<GroupingPlan>((resolve, reject) => {
      const input: GroupingWorkerInput = { dbFile, cacheDir, seedModelDir, resolved };
      const worker = new Worker(workerScript(import.meta.url, 'grouping.worker.js'), { workerData: input });
      let settled = false;
      worker.once('message', (reply: { ok: true; plan: GroupingPlan } | { ok: false; error: string }) => {
        settled = true;
        if (reply.ok) resolve(reply.plan);
        else reject(new Error(`grouping failed in its worker: ${reply.error}`));
        void worker.terminate();
      });
      worker.once('error', (err) => {
        if (!settled) reject(err);
        settled = true;
      });
      worker.once('exit', (code) => {
        if (!settled) reject(new Error(`the grouping worker exited with code ${code}`));
        settled = true;
      });
    });
}
