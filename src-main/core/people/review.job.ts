// The review queue worked out in a library worker (kept between requests, with its kNN of the
// faces), on its own read-only connection: the window's thread only asks for it and shows the
// first pair.
import { ActionsRepository } from '../db/actions.repository.js';
import type { Db } from '../db/database.js';
import { EmbeddingsRepository } from '../db/embeddings.repository.js';
import { FacesRepository } from '../db/faces.repository.js';
import { LabelsRepository } from '../db/labels.repository.js';
import type { LibraryJob } from '../db/library-worker.js';
import { PeopleRepository } from '../db/people.repository.js';
import { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from '../grouping/candidate-pair-head.js';
import { DEFAULT_GROUPING } from '../grouping/grouping.service.js';
import type { MergeRule } from '../grouping/merge-distance.js';
import { PeopleService } from './people.service.js';
import { ReviewService, type ReviewCandidate } from './review.service.js';

/** The queue under the merge rule in use now, or forget the neighbours kept (the faces changed). */
export type ReviewJobInput = { kind: 'candidates'; rule: MergeRule } | { kind: 'invalidate' };

/** Where the shipped pair head is: the queue's questions are scored with it. */
export interface ReviewJobContext {
  cacheDir: string;
  seedModelDir: string;
}

/** The head of the queue and its length: only these cross back (a large library's queue is long). */
export interface ReviewHead {
  first: ReviewCandidate | null;
  remaining: number;
}

export function createJob(db: Db, context: ReviewJobContext): LibraryJob<ReviewJobInput, ReviewHead> {
  const faces = new FacesRepository(db);
  const embeddings = new EmbeddingsRepository(db);
  const labels = new LabelsRepository(db);
  // Read only: the skipped and recent review pairs of the user's actions.
  const history = new PeopleService(db, new PeopleRepository(db), faces, embeddings, labels, new ActionsRepository(db));
  let rule: MergeRule = DEFAULT_GROUPING;
  const seed = new SeedEmbeddingService(faces, embeddings, context.cacheDir, context.seedModelDir);
  const review = new ReviewService(faces, labels, history, async () => rule, new FusedCandidatePairHead(seed));
  return {
    async run(input) {
      if (input.kind === 'invalidate') {
        review.invalidate();
        return { first: null, remaining: 0 };
      }
      rule = input.rule;
      const queue = await review.candidates();
      return { first: queue[0] ?? null, remaining: queue.length };
    },
  };
}
