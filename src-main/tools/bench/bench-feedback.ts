#!/usr/bin/env node
/**
 * npm run bench:feedback -- <folder of known people> [--db FILE] [--truth CSV]
 *   [--answers 0,25,50,100,200,400] [--learn-every 25] [--json]
 *
 * Plays a user who answers the Review queue truthfully (from folder names, LFW's layout, or a
 * file,identity CSV) and prints the grouping's figures after each number of answers, for
 * three strategies side by side, each on its own copy of one scan: constraints only (answers
 * as hard decisions), learning (the same, relearning every --learn-every answers), random
 * pairs (random candidate pairs instead of the queue's order). --db reuses a scan of the
 * folder (copied, never changed; faces it lacks the installed seed model's embedding for are
 * embedded in the copy first); without it the folder is scanned first.
 */
import path from 'node:path';

import { parseArgs } from 'node:util';

import { createApp } from '../../core/app.js';
import { FEEDBACK_STRATEGIES, simulateUser, type FeedbackPoint, type FeedbackStrategy } from '../../core/benchmarks/feedback/simulated-user.js';
import { loadTruth } from '../../core/benchmarks/folder-truth.js';
import { copyDatabase, withPreparedScan } from './feedback-scan.js';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      truth: { type: 'string' },
      answers: { type: 'string', default: '0,25,50,100,200,400' },
      'learn-every': { type: 'string', default: '25' },
      strategies: { type: 'string', default: FEEDBACK_STRATEGIES.join(',') },
      json: { type: 'boolean', default: false },
    },
  });
  const folder = positionals[0];
  const checkpoints = values.answers.split(',').map(Number);
  const learnEvery = Number(values['learn-every']);
  const strategies = values.strategies.split(',') as FeedbackStrategy[];
  if (!folder || checkpoints.some((n) => !Number.isInteger(n) || n < 0) || !(learnEvery >= 1) || strategies.some((s) => !FEEDBACK_STRATEGIES.includes(s))) {
    process.stderr.write('usage: npm run bench:feedback -- <folder> [--db FILE] [--truth CSV] [--answers 0,25,50,100,200,400] [--learn-every 25] [--strategies constraints,learning,random] [--json]\n');
    process.exitCode = 2;
    return;
  }
  const truthOf = loadTruth(values.truth);
  await withPreparedScan('feedback', folder, values.db, async (prepared, work, log) => {
    const results: Partial<Record<FeedbackStrategy, FeedbackPoint[]>> = {};
    let faces = 0;
    for (const strategy of strategies) {
      const copy = path.join(work, `${strategy}.db`);
      await copyDatabase(prepared, copy);
      const app = createApp({ dbFile: copy, mustExist: true });
      try {
        faces = app.status.report().faces;
        results[strategy] = await simulateUser(app, folder, truthOf, { strategy, checkpoints, learnEvery }, log);
      } finally {
        app.close();
      }
    }
    if (values.json) {
      process.stdout.write(JSON.stringify({ faces, strategies: results }, null, 2) + '\n');
      return;
    }
    const f = (v: number): string => v.toFixed(4);
    const lines = [`${faces} faces; answers | ${strategies.map((s) => `${s}: pairwise P / R, BCubed P / R / F`).join(' | ')}`];
    for (const [k, n] of checkpoints.entries()) {
      const cells = strategies.map((s) => {
        const p = results[s]?.[k];
        return p ? `${f(p.pairwise.precision)} / ${f(p.pairwise.recall)}, ${f(p.bcubed.precision)} / ${f(p.bcubed.recall)} / ${f(p.bcubed.f)}` : '(queue empty)';
      });
      lines.push(`${n} | ${cells.join(' | ')}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:feedback: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
