#!/usr/bin/env node
import { Command, Option } from 'commander';
import { createApp, type FacePairApp } from '../core/app.js';
import type { LostFace } from '../core/db/faces.repository.js';
import { describeHolder } from '../core/db/library-lock.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultLfwCacheDb } from '../core/benchmarks/lfw/lfw-faces.js';
import { evaluateLfw, figuresOf, LFW_MATCHERS, recordFigures, type LfwMatcher } from '../core/benchmarks/lfw/lfw-eval.js';
import type { LfwProtocol } from '../core/benchmarks/lfw/lfw-protocol.js';
import { loadFusedHead } from '../core/embedding/seed/fused-head.js';
import { defaultSeedModelDir } from '../core/embedding/seed/seed-embedder.js';
import { setPairScore } from '../core/embedding/seed/seed-manifest.js';
import { defaultDbFile } from '../core/paths.js';
import { saveFusedHead, trainFused } from '../core/training/fused-trainer.js';
import type { HeldOutFitOptions } from '../core/training/held-out-features.js';
import { trainSeedScore } from '../core/training/seed-score-trainer.js';
import { evaluateFolderGrouping } from '../core/benchmarks/grouping-evaluation.js';
import type { GroupingAlgorithm } from '../core/grouping/grouping.service.js';
import { oneOf, positiveInt, wholeNumber } from './option-values.js';
import { scanProgressBar } from './progress.js';
import { homePath, peopleSplit, plural, scanSummaryText } from './words.js';
import { registerServe } from './serve.js';
import { registerLearn } from './learn-command.js';
import { registerTags } from './tags-command.js';
import { registerFolders } from './folders-command.js';
import { checkLibraryFolder, describeAdded } from '../core/library/library-folders.js';
import { registerPhotos } from './photos-command.js';
import { csvLine } from './csv.js';
import { registerLabels } from './labels-command.js';
import { registerDuplicates } from './duplicates-command.js';
import { registerTrainSeed } from './train-seed-command.js';
import { loadTruth } from '../core/benchmarks/folder-truth.js';

/** `mustExist`: a command that reads an existing library (opened read-only where `readOnly`). */
function withApp<T>(dbFile: string | undefined, mustExist: boolean, workers: number | undefined, fn: (app: FacePairApp) => Promise<T> | T, readOnly = false): Promise<T> {
  return (async () => {
    const app = createApp({ dbFile: dbFile ?? defaultDbFile(), mustExist, workers, access: readOnly ? 'read' : 'write' });
    try {
      return await fn(app);
    } finally {
      app.close();
    }
  })();
}

function describeLostFace(f: LostFace): string {
  const [x, y, w, h] = f.box;
  const person = f.personName ?? (f.personId === null ? 'nobody yet' : 'an unnamed person');
  return `a face of ${person} in ${homePath(f.photoPath)} at ${x},${y} (${w}×${h} px)`;
}

const program = new Command()
  .name('facepair')
  .description('Find the people in a photo library, privately and offline.')
  .showHelpAfterError()
  .commandsGroup('Everyday commands:');

program
  .command('scan')
  .description("index a photo folder (added to the library's folders), or every folder of the library; find and describe every face, group faces into people")
  .argument('[folder]', "the photo folder (read only: nothing is written into it); without it, every folder of the library")
  .option('--db <file>', 'the library database', defaultDbFile())
  .option('--workers <n>', 'analysis worker threads (default: one per core)', positiveInt)
  .option('--json', 'print the summary as JSON on stdout')
  .action(async (folder: string | undefined, opts: { db: string; workers?: number; json?: boolean }) => {
    // A folder that cannot be a library is refused before any database is created.
    if (folder !== undefined) await checkLibraryFolder(folder);
    await withApp(opts.db, folder === undefined, opts.workers, async (app) => {
      let folders: string[];
      if (folder !== undefined) {
        const added = await app.folders.add(folder);
        if (added.outcome === 'added' && added.replaced.length > 0) process.stderr.write(`${describeAdded(added)}\n`);
        folders = [added.folder];
      } else {
        folders = app.folders.roots();
        if (folders.length === 0) throw new Error('The library has no folders yet: facepair scan <folder> (or facepair folders add <folder>)');
      }
      const progress = scanProgressBar();
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      try {
        const summary = await app.scanner.scan(folders, progress.onEvent, controller.signal, {
          waitForLock: (holder) => process.stderr.write(`${describeHolder(holder)}; waiting…\n`),
        });
        progress.stop();
        for (const link of summary.index.outside) {
          process.stderr.write(`skipped ${link.path}: it links to ${link.target}, outside the library's folders (add that folder to include it)\n`);
        }
        if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        else process.stdout.write(scanSummaryText(summary));
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
  .option('--csv', 'print CSV on stdout: one line per face (person_id, name, face_id, photo, x, y, width, height, score)')
  .action(async (opts: { db: string; json?: boolean; csv?: boolean }) => {
    if (opts.json && opts.csv) throw new Error('Choose one of --json and --csv');
    await withApp(opts.db, true, undefined, (app) => {
      const people = app.people.list();
      if (opts.json) {
        process.stdout.write(JSON.stringify(people, null, 2) + '\n');
        return;
      }
      if (opts.csv) {
        process.stdout.write(csvLine(['person_id', 'name', 'face_id', 'photo', 'x', 'y', 'width', 'height', 'score']));
        for (const p of people) for (const f of p.faces) process.stdout.write(csvLine([p.id, p.name, f.faceId, f.photo, ...f.box, f.score]));
        return;
      }
      for (const p of people) {
        const photos = new Set(p.faces.map((f) => f.photo)).size;
        process.stdout.write(`#${p.id} ${p.name ?? 'Unnamed'}: ${plural(p.faces.length, 'face')} in ${plural(photos, 'photo')}\n`);
      }
      process.stdout.write(`${plural(people.length, 'person', 'people')}\n`);
    }, true);
  });

program
  .command('status')
  .description('photos by status, faces, people, every error with its file, faces with your decisions a re-analysis did not find, and XMP face names that matched no face')
  .option('--db <file>', 'the library database', defaultDbFile())
  .option('--json', 'print JSON on stdout')
  .action(async (opts: { db: string; json?: boolean }) => {
    await withApp(opts.db, true, undefined, (app) => {
      const s = { ...app.status.report(), unmatchedRegions: app.xmp.listUnmatched() };
      if (opts.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      const p = s.photos;
      process.stdout.write(
        `Photos: ${p.done.toLocaleString('en')} read, ${p.pending.toLocaleString('en')} waiting to be read, ${p.error.toLocaleString('en')} failed, ${p.gone.toLocaleString('en')} no longer there\n` +
          `Faces: ${s.faces.toLocaleString('en')}, in ${plural(s.people, 'person', 'people')}${s.people > 0 ? `: ${peopleSplit(s.peopleCounts)}` : ''}\n` +
          `Library database: ${homePath(s.database)}\n`,
      );
      if (s.errors.length > 0) process.stdout.write(`${plural(s.errors.length, 'photo')} could not be read:\n`);
      for (const e of s.errors) process.stdout.write(`  ${homePath(e.path)}: ${e.error}\n`);
      if (s.lostFaces.length > 0) {
        const n = s.lostFaces.length;
        process.stdout.write(
          `${n} face${n === 1 ? '' : 's'} with your decisions ${n === 1 ? 'was' : 'were'} not found again when photos were re-analysed (kept, but left out of the people):\n`,
        );
        for (const f of s.lostFaces) process.stdout.write(`  ${describeLostFace(f)}\n`);
      }
      if (s.unmatchedRegions.length > 0) {
        const n = s.unmatchedRegions.length;
        process.stdout.write(`${n} face region${n === 1 ? '' : 's'} named in XMP tags matched no face FacePair found (not invented):\n`);
        for (const r of s.unmatchedRegions) process.stdout.write(`  "${r.name}" in ${r.photoPath} at ${r.box[0]},${r.box[1]} ${r.box[2]}x${r.box[3]} (${r.source})\n`);
      }
    }, true);
  });

registerFolders(program, (db, mustExist, fn) => withApp(db, mustExist, undefined, fn));
registerPhotos(program, (db, mustExist, fn) => withApp(db, mustExist, undefined, fn, true));
registerDuplicates(program, (db, mustExist, fn, readOnly) => withApp(db, mustExist, undefined, fn, readOnly));
registerTags(program, (db, mustExist, fn) => withApp(db, mustExist, undefined, fn));
registerServe(program);
registerLearn(program, (db, mustExist, fn, readOnly) => withApp(db, mustExist, undefined, fn, readOnly));

program.commandsGroup('For model development:');

registerLabels(program, (db, mustExist, fn) => withApp(db, mustExist, undefined, fn));

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

registerTrainSeed(program);

const stamp = (line: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

program
  .command('eval')
  .description('measure a pair matcher on a benchmark (LFW: View 1 or View 2 protocol)')
  .argument('<benchmark>', 'lfw', oneOf(['lfw'] as const))
  .requiredOption('--data <folder>', 'the LFW folder (images/ and the protocol files)')
  .option('--protocol <p>', 'view1 (pairsDevTest) or view2 (pairs.txt, 10 folds)', oneOf(['view1', 'view2'] as const), 'view2')
  .option('--matcher <m>', "seed (the model's pair score), seed-head (the study's pair head alone), descriptor or fused", oneOf(LFW_MATCHERS), 'descriptor')
  .option('--cache <db>', 'library database holding the scan of LFW (built when missing: about 70 min for all of LFW on 2 cores; resumable)', defaultLfwCacheDb())
  .option('--no-scan', 'fail instead of scanning images missing from the cache')
  .option('--seed-model <folder>', 'the seed model folder', defaultSeedModelDir())
  .option('--figures <folder>', 'where the ROC and confusion PNGs go (default: <seed model>/figures)')
  .option('--no-card', "do not record the figures in the seed model's figures.json and MODEL_CARD.md")
  .option('--no-embedding-cache', "embed every image anew instead of reusing the seed embeddings kept beside the scan's cache")
  .option('--json', 'print {"matcher", "protocol", "accuracy", "stderr", "auc", "pairs", "misses"} on stdout')
  .action(
    async (
      _benchmark: 'lfw',
      opts: { data: string; protocol: LfwProtocol; matcher: LfwMatcher; cache: string; scan: boolean; seedModel: string; figures?: string; card: boolean; embeddingCache: boolean; json?: boolean },
    ) => {
      const r = await evaluateLfw({
        data: opts.data,
        cacheDb: opts.cache,
        protocol: opts.protocol,
        matcher: opts.matcher,
        scan: opts.scan,
        seedDir: opts.seedModel,
        figuresDir: opts.figures ?? path.join(opts.seedModel, 'figures'),
        embeddingCache: opts.embeddingCache,
        log: stamp,
      });
      if (opts.card && existsSync(path.join(opts.seedModel, 'seed.json'))) {
        const command = `npx facepair eval lfw --data <LFW folder> --protocol ${opts.protocol} --matcher ${opts.matcher} --json`;
        await recordFigures(opts.seedModel, r, command);
      }
      const fig = figuresOf(r);
      if (opts.json) {
        process.stdout.write(JSON.stringify(fig) + '\n');
        return;
      }
      process.stdout.write(
        `${fig.matcher} on LFW ${fig.protocol}: accuracy ${fig.accuracy.toFixed(4)} ± ${fig.stderr.toFixed(4)}, AUC ${fig.auc.toFixed(4)}, ` +
          `${fig.pairs} pairs, ${fig.misses} images without a detected face\n` +
          (r.figures ? `figures: ${r.figures.roc}, ${r.figures.confusion}\n` : ''),
      );
    },
  );

/** The options of the commands that fit on the held-out DevTrain pairs (train-fused, train-seed-score). */
function heldOutFitCommand(name: string, description: string, seedModelHelp: string, pairsHelp: string): Command {
  return program
    .command(name)
    .description(description)
    .requiredOption('--data <folder>', 'the LFW folder (images/ and the protocol files)')
    .option('--cache <db>', 'library database holding the scan of LFW', defaultLfwCacheDb())
    .option('--no-scan', 'fail instead of scanning images missing from the cache')
    .option('--seed-model <folder>', seedModelHelp, defaultSeedModelDir())
    .option('--pairs <n>', pairsHelp, wholeNumber, 4000);
}

interface HeldOutFitCliOptions {
  data: string;
  cache: string;
  scan: boolean;
  seedModel: string;
  pairs: number;
}

const heldOutFit = (opts: HeldOutFitCliOptions): HeldOutFitOptions => ({ data: opts.data, cacheDb: opts.cache, scan: opts.scan, seedDir: opts.seedModel, pairs: opts.pairs, log: stamp });

heldOutFitCommand(
  'train-fused',
  'train the fused pair head (descriptor distance + seed score) on View 1 DevTrain people the seed model held out',
  'the seed model folder (fused.json is written into it)',
  'training pairs (half same person)',
)
  .option('--use-for-grouping', 'mark the head for grouping (only where `eval lfw --protocol view1` shows it beats the descriptor)')
  .action(async (opts: HeldOutFitCliOptions & { useForGrouping?: boolean }) => {
    const r = await trainFused(heldOutFit(opts));
    r.head.useForGrouping = opts.useForGrouping ?? false;
    await saveFusedHead(opts.seedModel, r.head);
    process.stdout.write(JSON.stringify({ ...r, head: loadFusedHead(opts.seedModel) }, null, 2) + '\n');
  });

heldOutFitCommand(
  'train-seed-score',
  "fit the seed model's pair score (its head's logit + the embeddings' root cosine) on View 1 DevTrain people the model held out",
  'the seed model folder (its seed.json gets the pair score)',
  'fitting pairs (half same person)',
).action(async (opts: HeldOutFitCliOptions) => {
  const r = await trainSeedScore(heldOutFit(opts));
  await setPairScore(opts.seedModel, r.score);
  stamp(`pair score written to ${path.join(opts.seedModel, 'seed.json')}: retrain the fused head (\`facepair train-fused\`), it was fitted on the old scores`);
  process.stdout.write(JSON.stringify(r, null, 2) + '\n');
});

// `facepair people | head -1`: the reader has left, so stop quietly as other command-line tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`facepair: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
