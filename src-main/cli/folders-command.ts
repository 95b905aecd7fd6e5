import type { Command } from 'commander';

import type { FacePairApp } from '../core/app.js';
import { checkLibraryFolder, describeAdded, describeRemoved } from '../core/library/library-folders.js';
import { defaultDbFile } from '../core/paths.js';

type WithApp = <T>(dbFile: string | undefined, mustExist: boolean, fn: (app: FacePairApp) => Promise<T> | T) => Promise<T>;

const print = (json: boolean | undefined, value: unknown, text: string): void => {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text + '\n');
};

/** `facepair folders add|remove|list`: the library's folders (scans read them, the window shows photos from them only). */
export function registerFolders(program: Command, withApp: WithApp): void {
  const folders = program.command('folders').description("the library's photo folders: list, add or remove them");

  folders
    .command('list')
    .description("list the library's folders with their photos, and the photos kept from removed folders")
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--json', 'print {"folders": [{"path", "photos", "problem"}], "removedPhotos"} on stdout')
    .action(async (opts: { db: string; json?: boolean }) => {
      await withApp(opts.db, true, async (app) => {
        const list = await app.folders.list();
        const removedPhotos = app.folders.removedPhotos();
        const lines = list.map((f) => `${f.path}  (${f.photos} photo${f.photos === 1 ? '' : 's'})${f.problem ? `\n  ${f.problem}` : ''}`);
        if (list.length === 0) lines.push('No folders yet: facepair folders add <folder>');
        if (removedPhotos > 0) lines.push(`${removedPhotos} photo${removedPhotos === 1 ? '' : 's'} kept from removed folders (names and answers included)`);
        print(opts.json, { folders: list, removedPhotos }, lines.join('\n'));
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
