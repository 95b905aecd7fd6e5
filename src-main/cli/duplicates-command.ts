import type { Command } from 'commander';

import type { FacePairApp } from '../core/app.js';
import { GROUP_CLASSES, type DuplicateGroup, type GroupClass } from '../core/duplicates/duplicates.service.js';
import { defaultDbFile } from '../core/paths.js';
import { oneOf } from './option-values.js';

type WithApp = <T>(dbFile: string | undefined, mustExist: boolean, fn: (app: FacePairApp) => Promise<T> | T, readOnly?: boolean) => Promise<T>;

const CLASS_WORDS: Record<GroupClass, string> = {
  exact: 'exact copies',
  same: 'the same picture',
  edited: 'edited copies',
  similar: 'similar shots (never proposed for the trash)',
  'raw-jpeg': 'RAW+JPEG of one shot (kept together, never proposed for the trash)',
};

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
/** A path printed on one line whatever it holds (newlines and other control characters escaped). */
const printable = (p: string): string => (/[\p{Cc}]/u.test(p) ? JSON.stringify(p) : p);

function describe(g: DuplicateGroup): string {
  const lines = [`${g.id}  ${CLASS_WORDS[g.class]}, ${g.files.length} files${g.wastedBytes > 0 ? `, ${mb(g.wastedBytes)} to free` : ''}`];
  // What --trash moves, as the service answers it for the suggested keeper.
  const goes = new Set(g.files.find((f) => f.photoId === g.keeper)?.trashIfKept ?? []);
  for (const f of g.files) {
    const mark = f.photoId === g.keeper ? 'keep ' : goes.has(f.photoId) ? 'trash' : f.reference ? 'ref  ' : '     ';
    lines.push(`  ${mark} ${printable(f.path)}  ${f.width}×${f.height} ${(f.format ?? '?').toUpperCase()} ${mb(f.bytes)}${f.takenAt ? ` ${f.takenAt}` : ''}  (${f.reason})`);
  }
  return lines.join('\n');
}

/** A group's JSON as the issue specifies it. */
function toJson(g: DuplicateGroup): unknown {
  return {
    id: g.id,
    class: g.class,
    keeper: g.keeper,
    wastedBytes: g.wastedBytes,
    files: g.files.map((f) => ({ photoId: f.photoId, path: f.path, width: f.width, height: f.height, bytes: f.bytes, format: f.format, takenAt: f.takenAt, reason: f.reason })),
  };
}

/** `facepair duplicates`: list the groups; `--trash GROUP… --yes` moves their copies to the system trash; `--undo`. */
export function registerDuplicates(program: Command, withApp: WithApp): void {
  program
    .command('duplicates')
    .description('list exact copies, the same picture re-encoded or rotated, edited copies, similar shots and RAW+JPEG pairs, each group with the copy to keep and why')
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--class <class>', `only one class: ${GROUP_CLASSES.join(', ')}`, oneOf(GROUP_CLASSES))
    .option('--trash <group...>', 'move the copies of these groups (all but the keeper) to the system trash')
    .option('--yes', 'confirm --trash')
    .option('--not-duplicates <group...>', 'remember that the photos of these groups are not duplicates')
    .option('--undo', 'undo the newest action (a trash: the files come back from the trash)')
    .option('--json', 'print JSON on stdout')
    .action(async (opts: { db: string; class?: GroupClass; trash?: string[]; yes?: boolean; notDuplicates?: string[]; undo?: boolean; json?: boolean }) => {
      const out = (text: string): boolean => process.stdout.write(text);
      // Listing only reads: the library opens read-only (a read-only disk works, nothing changes).
      await withApp(opts.db, true, async (app) => {
        if (opts.undo) {
          const undone = app.edits.undo();
          out(opts.json ? JSON.stringify(undone) + '\n' : undone ? `Undone: ${undone.summary}\n` : 'There is nothing to undo.\n');
          return;
        }
        if (opts.notDuplicates) {
          let pairs = 0;
          for (const id of opts.notDuplicates) pairs += await app.duplicates.dismiss(id);
          out(opts.json ? JSON.stringify({ dismissedPairs: pairs }) + '\n' : `Remembered: ${pairs} pair${pairs === 1 ? '' : 's'} of photos are not duplicates and will not be proposed again.\n`);
          return;
        }
        if (opts.trash) {
          if (!opts.yes) {
            process.stderr.write('Moving files to the trash needs --yes (list the groups first to see what would go).\n');
            process.exitCode = 2;
            return;
          }
          const report = await app.duplicates.trash(opts.trash);
          if (opts.json) out(JSON.stringify(report, null, 2) + '\n');
          else {
            for (const t of report.trashed) out(`moved to the trash: ${printable(t.path)}\n`);
            for (const r of report.refused) out(`left in place: ${printable(r.path)}: ${r.reason}\n`);
            out(report.actionId !== null ? `${report.trashed.length} file(s) moved to the trash. To undo: facepair duplicates --undo --db ${JSON.stringify(app.dbFile)}\n` : 'Nothing was moved.\n');
          }
          if (report.refused.length > 0) process.exitCode = 3;
          return;
        }
        const groups = await app.duplicates.list({ class: opts.class });
        if (opts.json) {
          out(JSON.stringify(groups.map(toJson), null, 2) + '\n');
          return;
        }
        for (const g of groups) out(describe(g) + '\n');
        const wasted = groups.reduce((s, g) => s + g.wastedBytes, 0);
        out(`${groups.length} group${groups.length === 1 ? '' : 's'}${wasted > 0 ? `, ${mb(wasted)} to free` : ''}\n`);
      }, !(opts.trash || opts.notDuplicates || opts.undo));
    });
}
