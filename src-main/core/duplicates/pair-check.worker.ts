// A thread of the duplicates search (pair-workers.ts): one hash's candidate search, or the
// finer check of a batch of candidate pairs, each request answered in turn.
import { parentPort } from 'node:worker_threads';

import { candidatesOnHash } from './find-duplicates.js';
import type { PairRequest, PairReply } from './pair-protocol.js';
import { verifyPair, type PairVerdict } from './verify-pair.js';

const port = parentPort;
if (!port) throw new Error('pair-check.worker must run in a worker thread');

port.on('message', (request: PairRequest) => {
  let reply: PairReply;
  try {
    if (request.kind === 'search') {
      const keys = candidatesOnHash(request.at, request.words, request.on, request.skip);
      reply = { id: request.id, ok: true, kind: 'search', keys };
      port.postMessage(reply, [keys.buffer as ArrayBuffer]);
      return;
    }
    const classes: Array<PairVerdict['class']> = [];
    for (let k = 0; k < request.sides.length; k += 2) classes.push(verifyPair(request.sides[k]!, request.sides[k + 1]!).class);
    reply = { id: request.id, ok: true, kind: 'verify', classes };
  } catch (err) {
    reply = { id: request.id, ok: false, error: (err as Error)?.message ?? String(err) };
  }
  port.postMessage(reply);
});
