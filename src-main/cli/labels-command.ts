/** `facepair labels export|import`: the maintainer's loop from a library's answers to a training set. */
import type { Command } from 'commander';

import type { FacePairApp } from '../core/app.js';
import { defaultSeedModelDir, seedModelExists } from '../core/embedding/seed/seed-embedder.js';
import { seedModelKeys } from '../core/embedding/seed/seed-model-key.js';
import { exportLabels, type LabelExportSummary } from '../core/learning/label-export.js';
import { importLabels, type ImportSummary } from '../core/learning/label-import.js';
import { defaultDbFile } from '../core/paths.js';

type WithApp = <T>(dbFile: string | undefined, mustExist: boolean, fn: (app: FacePairApp) => Promise<T> | T) => Promise<T>;

/** Exit status of an import that wrote the good pairs of a damaged or cut-short file. */
export const PARTLY_IMPORTED_EXIT = 2;

function describeExport(s: LabelExportSummary): string {
  return [
    `Exported ${s.pairs} labelled pairs (${s.same} same, ${s.different} different; ${s.kinds.answer} answers, ${s.kinds.implied} implied, ${s.kinds['same-photo']} same-photo) with ${s.crops} face crops to ${s.file}`,
    ...(s.pairs === 0 ? ['  the library has no answers yet: review some pairs, merge or split people first'] : []),
    ...(s.skippedGone > 0 ? [`  ${s.skippedGone} labels left out: a face of theirs is gone (not found again by a re-analysis, its photo gone, or its crop missing)`] : []),
    `  models: seed ${s.header.models.pair ?? 'none installed'}${s.header.models.learned ? `, learned version ${s.header.models.learned.version}` : ''}; ${s.header.names ? 'WITH person names and photo paths' : 'no names, no photo paths'}`,
  ].join('\n');
}

function describeImport(s: ImportSummary): string {
  return [
    `Imported ${s.file} into ${s.into}: ${s.pairsRead} pairs read, ${s.added} new, ${s.duplicates} already there${s.conflicts > 0 ? `, ${s.conflicts} disagreeing with an earlier answer (the newer answer kept)` : ''}`,
    `  the training set now holds ${s.totals.pairs} pairs (${s.totals.same} same, ${s.totals.different} different) over ${s.totals.crops} crops from ${s.totals.imports} imports`,
    ...(s.identicalCrops > 0 ? [`  ${s.identicalCrops} pairs left out: both faces are one crop (a photo and its exact duplicate)`] : []),
    ...(s.skippedGoneAtExport ? [`  ${s.skippedGoneAtExport} labels were left out at export: their faces were gone`] : []),
    ...(s.modelNote ? [`  note: ${s.modelNote}`] : []),
  ].join('\n');
}

function importProblems(s: ImportSummary): string[] {
  return [
    ...s.badLines.map((b) => `line ${b.line}: ${b.problem} (skipped)`),
    ...(!s.complete ? [`the file has no end line: it was cut short; the ${s.pairsRead} whole pairs before the cut were imported (import the whole file again later: what is there is not added twice)`] : []),
  ];
}

export function registerLabels(program: Command, withApp: WithApp): void {
  const labels = program.command('labels').description("a library's answers as a training set for the shipped model (the maintainer's loop)");
  labels
    .command('export')
    .description('write every labelled pair with both faces\' aligned 250 px crops to a JSON Lines file (no names, no photo paths unless --with-names)')
    .requiredOption('--out <file>', 'the label file to write (.jsonl)')
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--with-names', 'also write person names and photo paths')
    .option('--with-implied', 'also the pairs the answers imply (faces put in one person are the same; two faces of one photo, weakly, different)')
    .option('--crops-dir <folder>', 'write the crops as JPEG files into this folder (beside the file) instead of inline base64')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { out: string; db: string; withNames?: boolean; withImplied?: boolean; cropsDir?: string; json?: boolean }) => {
      await withApp(opts.db, true, async (app) => {
        const s = await exportLabels(app, { out: opts.out, withNames: opts.withNames === true, withImplied: opts.withImplied === true, ...(opts.cropsDir !== undefined ? { cropsDir: opts.cropsDir } : {}) });
        process.stdout.write(opts.json ? JSON.stringify(s, null, 2) + '\n' : describeExport(s) + '\n');
      });
    });
  labels
    .command('import')
    .description('merge a label file into a training-set folder (pairs kept once, by their crops; every import recorded)')
    .argument('<file>', 'a label file written by `facepair labels export`')
    .requiredOption('--into <folder>', 'the training-set folder (created when missing)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { into: string; json?: boolean }) => {
      const installedPairKey = seedModelExists() ? (await seedModelKeys(defaultSeedModelDir())).pairKey : null;
      const s = await importLabels(file, opts.into, { installedPairKey });
      process.stdout.write(opts.json ? JSON.stringify(s, null, 2) + '\n' : describeImport(s) + '\n');
      const problems = importProblems(s);
      for (const p of problems) process.stderr.write(`facepair: ${file}: ${p}\n`);
      if (problems.length > 0) process.exitCode = PARTLY_IMPORTED_EXIT;
    });
}
