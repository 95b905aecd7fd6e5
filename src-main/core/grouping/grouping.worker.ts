import { parentPort, workerData } from 'node:worker_threads';

import { openDatabase } from '../db/database.js';
import { EmbeddingsRepository } from '../db/embeddings.repository.js';
import { FacesRepository } from '../db/faces.repository.js';
import { LabelsRepository } from '../db/labels.repository.js';
import { PeopleRepository } from '../db/people.repository.js';
import { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from './candidate-pair-head.js';
import { GroupingService, type GroupingPlan } from './grouping.service.js';
import type { GroupingWorkerInput } from './grouping-planner.js';

// One scan's grouping plan, made on its own read-only connection to the library: kNN, the
// pair head (its TF.js model loaded here) and the agglomeration never hold up the main
// thread, which answers the window meanwhile and then writes the plan.
const port = parentPort;
if (!port) throw new Error('grouping.worker must run in a worker thread');

async function plan(input: GroupingWorkerInput): Promise<GroupingPlan> {
  const db = openDatabase(input.dbFile, { create: false, readonly: true });
  try {
    const faces = new FacesRepository(db);
    const embeddings = new EmbeddingsRepository(db);
    const seed = new SeedEmbeddingService(faces, embeddings, input.cacheDir, input.seedModelDir);
    const grouping = new GroupingService(faces, new PeopleRepository(db), new LabelsRepository(db), new FusedCandidatePairHead(seed), input.resolved.settings);
    try {
      return await grouping.plan({}, input.resolved);
    } finally {
      await seed.dispose();
    }
  } finally {
    db.close();
  }
}

plan(workerData as GroupingWorkerInput).then(
  (result) => port.postMessage({ ok: true, plan: result }),
  (err: unknown) => port.postMessage({ ok: false, error: (err as Error)?.message ?? String(err) }),
);
