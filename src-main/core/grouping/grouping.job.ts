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
import type { PreloadedFaces } from '../db/active-faces.js';
import type { PreloadedMatrix } from '../db/descriptor-matrix.js';
import { FusedCandidatePairHead } from './candidate-pair-head.js';
import { warmCandidateSearch } from './knn.js';
import { trace } from '../trace.js';
import { keepFileHashesIn } from '../ml/file-sha256.js';
import { GroupingService, type PlannedGrouping, type ReleaseRule, type ResolvedGrouping } from './grouping.service.js';

export interface GroupingJobContext {
  cacheDir: string;
  seedModelDir: string;
  /** Started ahead of its plan (a scan's): reads ahead what the plan will need; else the plan reads it when asked. */
  readAhead?: boolean;
  /** Where the seed model's weights' hashes are kept between runs (see keepFileHashesIn); absent: nowhere. */
  fileHashesFile?: string;
}

export interface GroupingJobInput {
  resolved: ResolvedGrouping;
  release?: ReleaseRule;
  /** Writes the plan here (the worker's connection is then read-write). */
  write: boolean;
}

/** Asks only whether what the worker reads ahead is read (bench:scale waits for it before writing its new faces). */
export interface GroupingPreloadQuery {
  preloaded: true;
}

/** How the read-ahead went: the descriptor rows read, the faces' fields read (false: none usable, the plan reads as without it). */
export interface GroupingPreloadReply {
  descriptors: boolean;
  faces: boolean;
}

/** New faces a scan may add that fit in the rows read ahead without a copy (more are still read, into a larger matrix). */
const SPARE_ROWS = 4096;

export function createJob(db: Db, context: GroupingJobContext): LibraryJob<GroupingJobInput | GroupingPreloadQuery, PlannedGrouping | GroupingPreloadReply> {
  keepFileHashesIn(context.fileHashesFile ?? null);
  const faces = new FacesRepository(db);
  const people = new PeopleRepository(db);
  const labels = new LabelsRepository(db);
  const seed = new SeedEmbeddingService(faces, new EmbeddingsRepository(db), context.cacheDir, context.seedModelDir);
  // The pair head loaded as the worker starts (a scan starts it while its photos are analysed);
  // a failure to load is met, and reported, where the plan asks for it.
  trace('grouping worker created');
  seed.pairScorer().then(() => trace('pair head loaded'), () => undefined);
  // And what does not depend on the scan's new faces: the candidate search's sessions and the
  // existing faces' descriptor rows (from the cache file, as of its epoch), read while the
  // photos are analysed. The plan checks the rows against the database before it uses them and
  // reads everything else (faces, people, decisions) then; a failure here only loses the head start.
  let preloaded: PreloadedMatrix | null = null;
  let preloadedFaces: PreloadedFaces | null = null;
  const ahead = (async (): Promise<GroupingPreloadReply> => {
    if (context.readAhead !== true) return { descriptors: false, faces: false };
    await new Promise((resolve) => setImmediate(resolve));
    const reader = new GroupingService(faces, people, labels, null, undefined, undefined, undefined, context.cacheDir);
    try {
      preloaded = reader.preloadDescriptors(SPARE_ROWS);
    } catch {
      preloaded = null;
    }
    trace('descriptors preloaded');
    try {
      preloadedFaces = reader.preloadFaces();
    } catch {
      preloadedFaces = null;
    }
    trace('faces preloaded');
    const pre = preloaded as PreloadedMatrix | null;
    const base = pre === null ? undefined : { vectors: pre.vectors, n: pre.count, capacity: pre.ids.length, dims: pre.dims };
    await warmCandidateSearch(base).catch(() => undefined);
    trace('candidate search loaded');
    return { descriptors: preloaded !== null, faces: preloadedFaces !== null };
  })();
  return {
    async run(input) {
      if ('preloaded' in input) return ahead;
      const { resolved, release, write } = input;
      await ahead;
      const grouping = new GroupingService(faces, people, labels, new FusedCandidatePairHead(seed), resolved.settings, undefined, undefined, context.cacheDir);
      try {
        trace('plan start');
        const plan = await grouping.plan({ release }, resolved, preloaded, preloadedFaces);
        preloaded = null; // used once (its spare rows now hold this plan's new faces)
        preloadedFaces = null;
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
