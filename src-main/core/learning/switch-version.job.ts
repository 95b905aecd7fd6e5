// A switch of the recognition in use (a rollback, from the window or `learn --rollback`) made
// in a library worker on its own read-write connection: the regrouping it brings (kNN, pair
// head, agglomeration) and its write, with the switch in the same transaction, never hold up
// the thread that answers the window. The thread that asked holds the library lock meanwhile.
import type { Db } from '../db/database.js';
import type { LibraryJob } from '../db/library-worker.js';
import type { GroupingSummary } from '../grouping/grouping.service.js';
import { learningOn } from './learning-on-connection.js';

export interface SwitchVersionContext {
  cacheDir: string;
  seedModelDir: string;
}

/** The learned version to use (null: the shipped recognition), checked by the thread that asked. */
export type SwitchVersionInput = { versionId: number | null };

export function createJob(db: Db, context: SwitchVersionContext): LibraryJob<SwitchVersionInput, GroupingSummary> {
  return {
    async run({ versionId }) {
      const { learning, seed } = learningOn(db, context.cacheDir, { seedModelDir: context.seedModelDir });
      try {
        return await learning.switchHeld(versionId);
      } finally {
        await seed.dispose();
      }
    },
  };
}
