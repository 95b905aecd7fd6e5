import type { Command } from 'commander';

import type { FacePairApp } from '../core/app.js';
import { defaultDbFile } from '../core/paths.js';
import type { FoundPhoto } from '../core/people/photo-finder.js';

type WithApp = <T>(dbFile: string | undefined, mustExist: boolean, fn: (app: FacePairApp) => Promise<T> | T) => Promise<T>;

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** "2024-03-05 14:02", from the date's ISO text as stored (UTC). */
const shortDate = (iso: string): string => iso.slice(0, 16).replace('T', ' ');

function describe(p: FoundPhoto): string {
  // One line per photo, whatever a name holds.
  const who = p.people.map((x) => x.name.replace(/\s+/g, ' '));
  if (p.unnamedFaces > 0) who.push(`${p.unnamedFaces} unnamed`);
  const when = `${shortDate(p.date)}${p.dateSource === 'file' ? ' (file time)' : ''}`;
  return `${when}  ${p.path}${who.length > 0 ? `  ${who.join(', ')}` : '  no faces'}`;
}

/** `facepair photos`: the library's photos by date, newest first, filtered by who is in them. */
export function registerPhotos(program: Command, withApp: WithApp): void {
  program
    .command('photos')
    .description('list photos newest first, by who is in them: --with Anna --with Ben finds the photos of Anna and Ben together')
    .option('--db <file>', 'the library database', defaultDbFile())
    .option('--with <name>', 'photos showing this person (repeat: all of them together)', collect, [])
    .option('--without <name>', 'photos not showing this person (repeatable)', collect, [])
    .option('--unnamed', 'photos with a face of nobody named yet')
    .option('--no-faces', 'photos where no face was found')
    .option('--json', 'print a JSON array on stdout')
    .action(async (opts: { db: string; with: string[]; without: string[]; unnamed?: boolean; faces: boolean; json?: boolean }) => {
      await withApp(opts.db, true, (app) => {
        const filter = app.photoFinder.filterByName({ with: opts.with, without: opts.without, unnamed: opts.unnamed, noFaces: !opts.faces });
        let n = 0;
        if (opts.json) process.stdout.write('[');
        // A page at a time, so that a library of 100,000 photos never sits in memory at once.
        for (const p of app.photoFinder.all(filter)) {
          if (opts.json) process.stdout.write(`${n > 0 ? ',' : ''}\n  ${JSON.stringify(p)}`);
          else process.stdout.write(describe(p) + '\n');
          n++;
        }
        if (opts.json) process.stdout.write(n > 0 ? '\n]\n' : ']\n');
        else process.stdout.write(`${n} photo${n === 1 ? '' : 's'}\n`);
      });
    });
}
