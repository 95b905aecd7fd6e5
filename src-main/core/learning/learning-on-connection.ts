import { ActionsRepository } from '../db/actions.repository.js';
import type { Db } from '../db/database.js';
import { EmbeddingsRepository } from '../db/embeddings.repository.js';
import { FacesRepository } from '../db/faces.repository.js';
import { LabelsRepository } from '../db/labels.repository.js';
import { LearnedVersionsRepository } from '../db/learned-versions.repository.js';
import type { LibraryLock } from '../db/library-lock.js';
import { PeopleRepository } from '../db/people.repository.js';
import { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from '../grouping/candidate-pair-head.js';
import { DEFAULT_GROUPING, GroupingService } from '../grouping/grouping.service.js';
import { reviewGroupAnswers } from './group-answers.js';
import { LearningService } from './learning.service.js';
import { shippedRecognition } from './shipped-recognition.js';

/**
 * The learning service over a connection of its own, as a worker thread has it (a learning
 * run, a switch of version): grouping plans on that thread. `lock`: the library lock, where
 * that thread takes it itself (a thread that runs for one holding it takes none).
 */
export function learningOn(db: Db, cacheDir: string, options: { seedModelDir?: string; lock?: LibraryLock } = {}): { learning: LearningService; seed: SeedEmbeddingService } {
  const faces = new FacesRepository(db);
  const people = new PeopleRepository(db);
  const labels = new LabelsRepository(db);
  const embeddings = new EmbeddingsRepository(db);
  const actions = new ActionsRepository(db);
  const seed = new SeedEmbeddingService(faces, embeddings, cacheDir, options.seedModelDir);
  // eslint-disable-next-line prefer-const -- the grouping asks the learning service, made after it, for its tuning
  let learning: LearningService;
  const grouping = new GroupingService(faces, people, labels, new FusedCandidatePairHead(seed), DEFAULT_GROUPING, () => learning.tuning(), undefined, cacheDir);
  learning = new LearningService(db, faces, labels, embeddings, new LearnedVersionsRepository(db), seed, grouping, shippedRecognition(seed), options.lock, undefined, () => reviewGroupAnswers(actions));
  return { learning, seed };
}
