import type { Command } from 'commander';

import type { FacePairApp } from '../core/app.js';
import type { LearnedVersion } from '../core/db/learned-versions.repository.js';
import { defaultDbFile } from '../core/paths.js';
import { learnInWorker } from '../core/learning/learn-in-worker.js';
import { LearningCancelledError } from '../core/learning/learn-stages.js';
import { ignoredSentence, type LearnResult } from '../core/learning/learning.service.js';
import { wholeNumber } from './option-values.js';
import { learnProgressBar } from './progress.js';

type WithApp = <T>(dbFile: string | undefined, mustExist: boolean, fn: (app: FacePairApp) => Promise<T> | T, readOnly?: boolean) => Promise<T>;

function describe(v: LearnedVersion): string {
  const r = v.record;
  const fig = (f: { auc: number; falseMerges: number; missedMerges: number }): string => `tells people apart ${f.auc.toFixed(3)} out of 1 (AUC), ${f.falseMerges} wrong merges, ${f.missedMerges} missed`;
  return [
    `version ${v.id} (${v.createdAt})${v.active ? ' — active' : ''}${v.promoted ? '' : ' — not used'}`,
    `  learned from ${r.labels.same} "same" and ${r.labels.different} "different" answers (+${r.labels.implied} implied) about ${r.labels.people} people; ${r.labels.fit} pairs fitted, ${r.labels.heldOut} set aside`,
    `  on the set-aside answers: before ${fig(r.before)} (linkage ${r.before.linkage.toFixed(3)}); after ${fig(r.after)} (linkage ${r.linkage.toFixed(3)})`,
    ...(r.labels.ignored ? [`  ${ignoredSentence(r.labels.ignored)}`] : []),
    `  ${r.reason}`,
  ].join('\n');
}

/** `facepair learn`: the library's own recognition, learned from its answers. */
export function registerLearn(program: Command, withApp: WithApp): void {
  program
    .command('learn')
    .description("learn from this library's answers (review, merges, \"not this person\"): a better pair head and grouping threshold for this library")
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--list', 'list the learned versions instead')
    .option('--rollback [version]', 'use an earlier learned version again (none given: the shipped model)', wholeNumber)
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { db: string; list?: boolean; rollback?: number | true; json?: boolean }) => {
      if (opts.list) {
        await withApp(
          opts.db,
          true,
          (app) => {
            const versions = app.learning.list();
            process.stdout.write(opts.json ? JSON.stringify(versions, null, 2) + '\n' : versions.length === 0 ? 'No learned version yet: `facepair learn` makes one.\n' : versions.map(describe).join('\n') + '\n');
          },
          true,
        );
        return;
      }
      await withApp(opts.db, true, async (app) => {
        if (opts.rollback !== undefined) {
          const id = opts.rollback === true ? null : opts.rollback;
          const regrouped = await app.learning.rollback(id);
          process.stdout.write(opts.json ? JSON.stringify({ active: id, regrouped }) + '\n' : `Now using ${id === null ? 'the shipped model' : `learned version ${id}`}; ${regrouped.newFaces} faces regrouped into ${regrouped.newPeople} new people and ${regrouped.joinedExisting} joined known people.\n`);
          return;
        }
        app.learning.assertEnoughAnswers();
        // On a worker thread: this one stays free to draw the progress and to hear Ctrl-C.
        const progress = learnProgressBar();
        const run = learnInWorker(app.dbFile, { onStage: progress.onStage });
        const cancel = (): void => {
          process.stderr.write('\nCancelling: nothing will be changed…\n');
          run.cancel();
        };
        process.once('SIGINT', cancel);
        let result: LearnResult;
        try {
          result = await run.result;
        } catch (err) {
          if (!(err instanceof LearningCancelledError)) throw err;
          progress.stop();
          process.stderr.write(`${err.message}.\n`);
          process.exitCode = 130;
          return;
        } finally {
          process.off('SIGINT', cancel);
          progress.stop();
        }
        if (opts.json) {
          process.stdout.write(JSON.stringify(result, null, 2) + '\n');
          return;
        }
        const regroup = result.regrouped ? `\n  regrouped ${result.regrouped.newFaces} faces no answer covers: ${result.regrouped.newPeople} new people, ${result.regrouped.joinedExisting} joined known people` : '';
        process.stdout.write(describe(result.version) + regroup + '\n');
      });
    });
}
