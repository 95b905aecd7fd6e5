// One learning run on a worker thread, on its own connection to the library's database, so
// that the thread that started it (the window's API, the command line) stays free. Talks to
// it with the messages of learn-protocol.ts.
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

import { openDatabase } from '../db/database.js';
import { EmbeddingsRepository } from '../db/embeddings.repository.js';
import { FacesRepository } from '../db/faces.repository.js';
import { LabelsRepository } from '../db/labels.repository.js';
import { LearnedVersionsRepository } from '../db/learned-versions.repository.js';
import { LibraryLock } from '../db/library-lock.js';
import { PeopleRepository } from '../db/people.repository.js';
import { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from '../grouping/candidate-pair-head.js';
import { DEFAULT_GROUPING, GroupingService } from '../grouping/grouping.service.js';
import { cacheDirFor } from '../paths.js';
import { errorKind, STALL_ENV, type LearnWorkerData, type ToMain, type ToWorker } from './learn-protocol.js';
import { LearningService } from './learning.service.js';
import { shippedRecognition } from './shipped-recognition.js';

const port = parentPort!;
const { dbFile, cancel } = workerData as LearnWorkerData;
const cancelFlag = new Int32Array(cancel);
const post = (m: ToMain): void => port.postMessage(m);

async function main(): Promise<void> {
  const db = openDatabase(dbFile, { create: false });
  const faces = new FacesRepository(db);
  const people = new PeopleRepository(db);
  const labels = new LabelsRepository(db);
  const embeddings = new EmbeddingsRepository(db);
  const seed = new SeedEmbeddingService(faces, embeddings, cacheDirFor(dbFile));
  // eslint-disable-next-line prefer-const -- the grouping asks the learning service, made after it, for its tuning
  let learning: LearningService;
  const grouping = new GroupingService(faces, people, labels, new FusedCandidatePairHead(seed), DEFAULT_GROUPING, () => learning.tuning());
  learning = new LearningService(db, faces, people, labels, embeddings, new LearnedVersionsRepository(db), seed, grouping, shippedRecognition(seed), new LibraryLock(db));
  // A test stops the run inside its writing transaction, to kill the process there.
  const stallMs = Number(process.env[STALL_ENV] ?? 0);
  try {
    const result = await learning.learn({
      onStage: (stage) => post({ type: 'stage', stage }),
      cancelled: () => Atomics.load(cancelFlag, 0) === 1,
      beforeWrite: () =>
        new Promise((resolve) => {
          const onMessage = (m: ToWorker): void => {
            if (m.type !== 'write') return;
            port.off('message', onMessage);
            resolve(() => undefined);
          };
          port.on('message', onMessage);
          post({ type: 'ready-to-write' });
        }),
      inTransaction:
        stallMs > 0
          ? () => {
              writeSync(2, 'Learning: writing the new version (stalled for a test)\n');
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, stallMs);
            }
          : undefined,
    });
    post({ type: 'done', result });
  } catch (err) {
    post({ type: 'failed', kind: errorKind(err), message: (err as Error)?.message ?? String(err) });
  } finally {
    await seed.dispose();
    db.close();
  }
}

void main();
