// One learning run on a worker thread, on its own connection to the library's database, so
// that the thread that started it (the window's API, the command line) stays free. Talks to
// it with the messages of learn-protocol.ts.
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

import { openDatabase } from '../db/database.js';
import { LibraryLock } from '../db/library-lock.js';
import { cacheDirFor } from '../paths.js';
import { errorKind, STALL_ENV, type LearnWorkerData, type ToMain, type ToWorker } from './learn-protocol.js';
import { learningOn } from './learning-on-connection.js';

const port = parentPort!;
const { dbFile, cancel } = workerData as LearnWorkerData;
const cancelFlag = new Int32Array(cancel);
const post = (m: ToMain): void => port.postMessage(m);

async function main(): Promise<void> {
  const db = openDatabase(dbFile, { create: false });
  const { learning, seed } = learningOn(db, cacheDirFor(dbFile), { lock: new LibraryLock(db) });
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
