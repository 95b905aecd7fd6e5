import type { Command } from 'commander';

import type { FacePairApp } from '../core/app.js';
import { defaultDbFile } from '../core/paths.js';
import { defaultXmpMirror, type ExportSummary } from '../core/tags/xmp-export.service.js';

type WithApp = <T>(dbFile: string | undefined, mustExist: boolean, fn: (app: FacePairApp) => Promise<T> | T) => Promise<T>;

function printSummary(s: ExportSummary): void {
  const c = s.counts;
  const would = s.dryRun ? 'would be ' : '';
  const where = s.out ? `into ${s.out}` : 'beside the photos';
  const lines = [
    `${s.dryRun ? 'Dry run: nothing written. ' : ''}${s.photos} photos with named faces; sidecars ${where}:`,
    `  ${c.created} ${would}created, ${c.merged} ${would}merged into an existing sidecar, ${c.updated} ${would}updated, ${c.unchanged} unchanged, ${c.skipped} skipped`,
    `  ${s.regions} face regions ${s.dryRun ? "to write" : "written"}`,
  ];
  for (const e of s.sidecars.filter((x) => x.outcome === 'skipped')) lines.push(`  skipped ${e.sidecar}: ${e.reason ?? ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** `facepair tags export`: the names as XMP sidecars that other photo software reads. */
export function registerTags(program: Command, withApp: WithApp): void {
  const tags = program.command('tags').description('the names as XMP tags other photo software reads (digiKam, Lightroom, darktable…)');
  const exportCommand = tags
    .command('export')
    .description('write an XMP sidecar with face regions and people keywords for every photo with a named face (never the photo itself)')
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--out <folder>', 'the mirror folder that receives the sidecars, keeping the photos\' relative paths (default: beside the database, <name>.xmp/)')
    .option('--sidecars', 'write the sidecars beside the photos instead, into the photo folders')
    .option('--lightroom-names', 'name sidecars photo.xmp (Lightroom) instead of photo.jpg.xmp (digiKam, darktable)')
    .option('--dry-run', 'say what would be written, write nothing')
    .option('--force', 'merge also into sidecars another program changed since the last export')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (opts: { db: string; out?: string; sidecars?: boolean; lightroomNames?: boolean; dryRun?: boolean; force?: boolean; json?: boolean }) => {
      if (opts.sidecars && opts.out !== undefined) exportCommand.error('error: choose --sidecars (beside the photos) or --out <folder> (a mirror), not both');
      if (opts.out !== undefined && opts.out.trim() === '') exportCommand.error('error: --out needs a folder');
      await withApp(opts.db, true, async (app) => {
        const summary = await app.tagsExport.export({
          destination: opts.sidecars ? { kind: 'beside' } : { kind: 'mirror', out: opts.out ?? defaultXmpMirror(app.dbFile) },
          naming: opts.lightroomNames ? 'photo.xmp' : 'photo.ext.xmp',
          dryRun: opts.dryRun === true,
          force: opts.force === true,
        });
        if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        else printSummary(summary);
      });
    });
}
