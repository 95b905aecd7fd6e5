import type { Command } from 'commander';

import type { FacePairApp } from '../core/app.js';
import { checkLibraryFolder, describeAdded, describeRemoved, LibraryFolderError } from '../core/library/library-folders.js';
import { describeMarked, MARK_ACTION, type FolderRole } from '../core/library/folder-marks.js';
import { defaultDbFile } from '../core/paths.js';

type WithApp = <T>(dbFile: string | undefined, mustExist: boolean, fn: (app: FacePairApp) => Promise<T> | T) => Promise<T>;

const print = (json: boolean | undefined, value: unknown, text: string): void => {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text + '\n');
};

const MARK_WORDS = { reference: 'reference: never proposed for the trash', preferred: 'preferred: kept first among equal copies' } as const;

/** `facepair folders add|remove|list|mark`: the library's folders (scans read them, the window shows photos from them only). */
export function registerFolders(program: Command, withApp: WithApp): void {
  const folders = program.command('folders').description("the library's photo folders: list, add, remove or mark them");

  folders
    .command('list')
    .description("list the library's folders with their photos, and the photos kept from removed folders")
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--json', 'print {"folders": [{"path", "photos", "problem"}], "marks": [{"path", "mark", "photos"}], "removedPhotos"} on stdout')
    .action(async (opts: { db: string; json?: boolean }) => {
      await withApp(opts.db, true, async (app) => {
        const list = await app.folders.list();
        const marks = app.folderMarks.list();
        const removedPhotos = app.folders.removedPhotos();
        const photos = (n: number): string => `${n} photo${n === 1 ? '' : 's'}`;
        const markOf = (folder: string): string => {
          const m = marks.find((k) => k.path === folder);
          return m ? `  [${MARK_WORDS[m.mark]}]` : '';
        };
        const lines = list.map((f) => `${f.path}  (${photos(f.photos)})${markOf(f.path)}${f.problem ? `\n  ${f.problem}` : ''}`);
        if (list.length === 0) lines.push('No folders yet: facepair folders add <folder>');
        const inner = marks.filter((m) => !list.some((f) => f.path === m.path));
        if (inner.length > 0) lines.push('Marked folders inside them:', ...inner.map((m) => `  ${m.path}  (${photos(m.photos)})  [${MARK_WORDS[m.mark]}]`));
        if (removedPhotos > 0) lines.push(`${photos(removedPhotos)} kept from removed folders (names and answers included)`);
        print(opts.json, { folders: list, marks, removedPhotos }, lines.join('\n'));
      });
    });

  folders
    .command('mark')
    .description('mark a library folder, or a folder inside one, for the duplicates: --reference (its photos are never proposed for the trash), --preferred (kept first among equal copies) or --normal (no mark)')
    .argument('<folder>', 'the folder (~ is your home folder)')
    .option('--reference', 'never propose its photos for the trash; a copy in it is the one kept')
    .option('--preferred', 'between copies otherwise equal, keep the one in it')
    .option('--normal', 'take its mark away')
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--json', 'print {"folder", "role", "previous", "within"} on stdout')
    .action(async (folder: string, opts: { db: string; json?: boolean; reference?: boolean; preferred?: boolean; normal?: boolean }) => {
      const roles = (['reference', 'preferred', 'normal'] as const).filter((r) => opts[r] === true);
      if (roles.length !== 1) {
        throw new LibraryFolderError(roles.length === 0 ? 'Say how to mark the folder: --reference, --preferred or --normal' : `Choose one of ${roles.map((r) => `--${r}`).join(', ')}, not several`);
      }
      const role: FolderRole = roles[0]!;
      await withApp(opts.db, true, async (app) => {
        const marked = await app.folderMarks.mark(folder, role);
        const undo = marked.action ? `\nTo undo: facepair folders undo --db ${JSON.stringify(app.dbFile)}` : '';
        print(opts.json, marked, describeMarked(marked) + undo);
      });
    });

  folders
    .command('undo')
    .description('undo the newest folder mark (the mark before comes back); refused when a newer change of another kind is to be undone first')
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--json', 'print the undone action {"id", "kind", "summary", "createdAt"} (or null) on stdout')
    .action(async (opts: { db: string; json?: boolean }) => {
      await withApp(opts.db, true, (app) => {
        const newest = app.edits.listActions(1)[0];
        if (newest && newest.kind !== MARK_ACTION) {
          throw new LibraryFolderError(`The newest change is not a folder mark ("${newest.summary}"): undo it first (in the window, or facepair duplicates --undo)`);
        }
        const undone = newest ? app.edits.undo(newest.id) : null;
        print(opts.json, undone, undone ? `Undone: ${undone.summary}` : 'There is nothing to undo.');
      });
    });

  folders
    .command('add')
    .description("add a photo folder to the library (read only: nothing is written into it); `facepair scan` then reads it")
    .argument('<folder>', 'the folder (~ is your home folder)')
    .option('--db <file>', 'the library database (created when missing)', defaultDbFile())
    .option('--json', 'print {"outcome", "folder", ...} on stdout')
    .action(async (folder: string, opts: { db: string; json?: boolean }) => {
      // Refused before any database is created.
      await checkLibraryFolder(folder);
      await withApp(opts.db, false, async (app) => {
        const added = await app.folders.add(folder);
        print(opts.json, added, describeAdded(added));
      });
    });

  folders
    .command('remove')
    .description("take a folder off the library: its photos leave the people; their names and answers are kept for when it is added again")
    .argument('<folder>', 'the folder, as `facepair folders list` shows it')
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--json', 'print {"folder", "photos"} on stdout')
    .action(async (folder: string, opts: { db: string; json?: boolean }) => {
      await withApp(opts.db, true, (app) => {
        const removed = app.folders.remove(folder);
        print(opts.json, removed, describeRemoved(removed));
      });
    });
}
