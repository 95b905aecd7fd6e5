#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { createApp, type FacePairApp, type ScanSummary } from '../core/app.js';
import { defaultDbFile } from '../core/paths.js';
import { evaluateFolderGrouping } from '../core/people/grouping-evaluation.js';
import type { GroupingAlgorithm } from '../core/people/grouping.service.js';
import { scanProgressBar } from './progress.js';
import { loadTruth } from './truth.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64');
  return n;
}

function withApp<T>(dbFile: string | undefined, mustExist: boolean, workers: number | undefined, fn: (app: FacePairApp) => Promise<T> | T): Promise<T> {
  return (async () => {
    const app = createApp({ dbFile: dbFile ?? defaultDbFile(), mustExist, workers });
    try {
      return await fn(app);
    } finally {
      app.close();
    }
  })();
}

function printScanSummary(s: ScanSummary): void {
  const lines = [
    `Scanned ${s.folder} in ${s.seconds.toFixed(1)} s`,
    `  photos: ${s.photos} (${s.index.added} new, ${s.index.changed} changed, ${s.index.moved} moved, ${s.index.gone} gone, ${s.index.unchanged} unchanged)`,
    `  faces:  ${s.faces} (${s.analysis.faces} found in ${s.analysis.done} photos analysed now)`,
    `  people: ${s.people} (${s.grouping.newPeople} new, ${s.grouping.joinedExisting} faces joined known people)`,
    `  errors: ${s.errors}${s.errors > 0 ? ' (see `facepair status`)' : ''}`,
  ];
  if (s.analysis.backend) lines.push(`  ML backend: ${s.analysis.backend} on ${s.analysis.workers} worker threads`);
  process.stdout.write(lines.join('\n') + '\n');
}

const program = new Command()
  .name('facepair')
  .description('Find the people in a photo library, privately and offline.')
  .showHelpAfterError();

program
  .command('scan')
  .description('index a photo folder, find and describe every face, group faces into people')
  .argument('<folder>', 'the photo folder (read only: nothing is written into it)')
  .option('--db <file>', 'the library database', defaultDbFile())
  .option('--workers <n>', 'analysis worker threads (default: one per core)', positiveInt)
  .option('--json', 'print the summary as JSON on stdout')
  .action(async (folder: string, opts: { db: string; workers?: number; json?: boolean }) => {
    await withApp(opts.db, false, opts.workers, async (app) => {
      const progress = scanProgressBar();
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      try {
        const summary = await app.scan(folder, progress.onEvent, controller.signal);
        progress.stop();
        if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        else printScanSummary(summary);
      } finally {
        process.off('SIGINT', stop);
      }
    });
  });

program
  .command('people')
  .description('list the people found, largest first')
  .option('--db <file>', 'the library database', defaultDbFile())
  .option('--json', 'print JSON on stdout')
  .action(async (opts: { db: string; json?: boolean }) => {
    await withApp(opts.db, true, undefined, (app) => {
      const people = app.listPeople();
      if (opts.json) {
        process.stdout.write(JSON.stringify(people, null, 2) + '\n');
        return;
      }
      for (const p of people) {
        const photos = new Set(p.faces.map((f) => f.photo)).size;
        process.stdout.write(`#${p.id} ${p.name ?? 'Unnamed'}: ${p.faces.length} faces in ${photos} photos\n`);
      }
      process.stdout.write(`${people.length} people\n`);
    });
  });

program
  .command('status')
  .description('photos by status, faces, people, and every error with its file')
  .option('--db <file>', 'the library database', defaultDbFile())
  .option('--json', 'print JSON on stdout')
  .action(async (opts: { db: string; json?: boolean }) => {
    await withApp(opts.db, true, undefined, (app) => {
      const s = app.status();
      if (opts.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      const p = s.photos;
      process.stdout.write(
        `${s.database}\nphotos: ${p.done} done, ${p.pending} pending, ${p.error} failed, ${p.gone} gone\nfaces: ${s.faces}\npeople: ${s.people}\n`,
      );
      for (const e of s.errors) process.stdout.write(`  ${e.path}: ${e.error}\n`);
    });
  });

program
  .command('eval-groups')
  .description('score the grouping of a scanned folder of known people (pairwise and BCubed precision/recall)')
  .argument('<folder>', 'the scanned folder')
  .option('--db <file>', 'the library database', defaultDbFile())
  .option('--truth <csv>', 'a file,identity CSV (default: each photo\'s folder name is its person, as in LFW)')
  .option('--linkage <d>', 'regroup from scratch in memory with this linkage distance', parseFloat)
  .option('--margin <d>', 'and this extra closeness asked of single faces (divided by sqrt of the group sizes)', parseFloat)
  .option('--max-edge <d>', 'and this largest neighbour distance', parseFloat)
  .option('--k <n>', 'and this many neighbours per face', positiveInt)
  .addOption(
    new Option('--algorithm <name>', 'regroup with this algorithm (the anchors use --linkage as their distance limit)').choices([
      'average-linkage',
      'chinese-whispers',
      'immich-density',
    ]),
  )
  .option('--json', 'print JSON on stdout')
  .action(async (folder: string, opts: { db: string; truth?: string; linkage?: number; margin?: number; maxEdge?: number; k?: number; algorithm?: GroupingAlgorithm; json?: boolean }) => {
    const truthOf = loadTruth(opts.truth);
    const regroup = [opts.linkage, opts.margin, opts.maxEdge, opts.k, opts.algorithm].some((v) => v !== undefined);
    const options = regroup
      ? Object.fromEntries(Object.entries({ linkage: opts.linkage, smallGroupMargin: opts.margin, maxEdge: opts.maxEdge, k: opts.k }).filter(([, v]) => v !== undefined))
      : undefined;
    await withApp(opts.db, true, undefined, async (app) => {
      const r = await evaluateFolderGrouping(app, folder, truthOf, options, opts.algorithm);
      if (opts.json) {
        process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        return;
      }
      const pct = (v: number): string => v.toFixed(4);
      process.stdout.write(
        `${r.photos} photos (${r.photosWithoutFace} without a face), ${r.people} groups\n` +
          `pairwise precision ${pct(r.pairwisePrecision)} recall ${pct(r.pairwiseRecall)} F1 ${pct(r.pairwiseF1)}\n` +
          `BCubed precision ${pct(r.bcubedPrecision)} recall ${pct(r.bcubedRecall)} F ${pct(r.bcubedF)}\n`,
      );
    });
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`facepair: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
