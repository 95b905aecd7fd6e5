// A scan's (or a switch of recognition's) grouping, made in a library worker on its own
// connection: kNN, the pair head (its TF.js model loaded there), the agglomeration and, for a
// scan, the write of the plan never hold up the main thread, which answers the window
// meanwhile. A plan written elsewhere (with the switch of a version in its transaction) comes
// back as data.
import type { Db } from '../db/database.js';
import { EmbeddingsRepository } from '../db/embeddings.repository.js';
import { FacesRepository } from '../db/faces.repository.js';
import { LabelsRepository } from '../db/labels.repository.js';
import type { LibraryJob } from '../db/library-worker.js';
import { PeopleRepository } from '../db/people.repository.js';
import { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from './candidate-pair-head.js';
import { trace } from '../trace.js';
import { GroupingService, type PlannedGrouping, type ReleaseRule, type ResolvedGrouping } from './grouping.service.js';

export interface GroupingJobContext {
  cacheDir: string;
  seedModelDir: string;
}

export interface GroupingJobInput {
  resolved: ResolvedGrouping;
  release?: ReleaseRule;
  /** Writes the plan here (the worker's connection is then read-write). */
  write: boolean;
}

export function createJob(db: Db, context: GroupingJobContext): LibraryJob<GroupingJobInput, PlannedGrouping> {
  const faces = new FacesRepository(db);
  const seed = new SeedEmbeddingService(faces, new EmbeddingsRepository(db), context.cacheDir, context.seedModelDir);
  // The pair head loaded as the worker starts (a scan starts it while its photos are analysed);
  // a failure to load is met, and reported, where the plan asks for it.
  trace('grouping worker created');
  seed.pairScorer().then(() => trace('pair head loaded'), () => undefined);
  return {
    async run({ resolved, release, write }) {
      const grouping = new GroupingService(faces, new PeopleRepository(db), new LabelsRepository(db), new FusedCandidatePairHead(seed), resolved.settings, undefined, undefined, context.cacheDir);
      try {
        trace('plan start');
        const plan = await grouping.plan({ release }, resolved);
        trace('plan done');
        if (!write) return { written: false, ...plan };
        const t0 = performance.now();
        grouping.write(plan);
        const { stages } = plan.summary;
        return { written: true, summary: stages ? { ...plan.summary, stages: { ...stages, write: performance.now() - t0 } } : plan.summary };
      } finally {
        await seed.dispose();
      }
    },
  };
}
