// A worker thread that runs one kind of job over the library on its own connection, read-only
// unless the job writes (see library-worker.ts): the job's module is given by the thread that starts it, the
// requests come one at a time and are answered in turn.
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

import { openDatabase } from './database.js';
import type { CreateLibraryJob, LibraryWorkerData, LibraryWorkerReply, LibraryWorkerRequest } from './library-worker.js';

const port = parentPort;
if (!port) throw new Error('library.worker must run in a worker thread');
const { dbFile, jobModule, context, writes } = workerData as LibraryWorkerData;

const db = openDatabase(dbFile, { create: false, readonly: !writes });
const { createJob } = (await import(pathToFileURL(jobModule).href)) as { createJob: CreateLibraryJob<unknown, unknown, unknown> };
const job = createJob(db, context);

let turn: Promise<void> = Promise.resolve();
port.on('message', (request: LibraryWorkerRequest) => {
  turn = turn.then(async () => {
    let reply: LibraryWorkerReply;
    try {
      reply = { id: request.id, ok: true, result: await job.run(request.input) };
    } catch (err) {
      reply = { id: request.id, ok: false, error: (err as Error)?.message ?? String(err) };
    }
    port.postMessage(reply);
  });
});
