// A scan's (or a switch of recognition's) grouping plan, made in a library worker on its own
// read-only connection: kNN, the pair head (its TF.js model loaded there) and the
// agglomeration never hold up the main thread, which answers the window meanwhile and then
// writes the plan.
import type { Db } from '../db/database.js';
import { EmbeddingsRepository } from '../db/embeddings.repository.js';
import { FacesRepository } from '../db/faces.repository.js';
import { LabelsRepository } from '../db/labels.repository.js';
import type { LibraryJob } from '../db/library-worker.js';
import { PeopleRepository } from '../db/people.repository.js';
import { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from './candidate-pair-head.js';
import { GroupingService, type GroupingPlan, type ReleaseRule, type ResolvedGrouping } from './grouping.service.js';

export interface GroupingJobContext {
  cacheDir: string;
  seedModelDir: string;
}

export interface GroupingJobInput {
  resolved: ResolvedGrouping;
  release?: ReleaseRule;
}

export function createJob(db: Db, context: GroupingJobContext): LibraryJob<GroupingJobInput, GroupingPlan> {
  return {
    async run({ resolved, release }) {
      const faces = new FacesRepository(db);
      const seed = new SeedEmbeddingService(faces, new EmbeddingsRepository(db), context.cacheDir, context.seedModelDir);
      const grouping = new GroupingService(faces, new PeopleRepository(db), new LabelsRepository(db), new FusedCandidatePairHead(seed), resolved.settings);
      try {
        return await grouping.plan({ release }, resolved);
      } finally {
        await seed.dispose();
      }
    },
  };
}
