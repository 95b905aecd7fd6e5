import { InvalidArgumentError, type Command } from 'commander';
import { createApiHost } from '../core/api/api-host.js';
import { createApp } from '../core/app.js';
import { defaultDbFile } from '../core/paths.js';
import { packageVersion, startServer } from '../server/server.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0: any free port)');
  return n;
}

/** `facepair serve`: the window in a browser, for headless machines and tests. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the window and its API to a browser on 127.0.0.1, behind a token made at each launch')
    .option('--db <file>', 'the library database (created when missing)', defaultDbFile())
    .option('--port <n>', 'the port (default: any free one)', port, 0)
    .option('--library <folder>', "a photo folder to add to the library's folders (read only)")
    .action(async (opts: { db: string; port: number; library?: string }) => {
      const app = createApp({ dbFile: opts.db });
      const log = (message: string): void => void process.stderr.write(`${message}\n`);
      const host = createApiHost(app, { version: packageVersion(), log });
      try {
        if (opts.library !== undefined) await app.folders.add(opts.library);
        const server = await startServer({ host, port: opts.port, log });
        process.stdout.write(`FacePair is serving at ${server.url}\n`);
        const folders = app.folders.roots();
        process.stderr.write(`database: ${app.dbFile}\nlibrary folders: ${folders.length > 0 ? folders.join(', ') : '(none yet: add one in the window)'}\nPress Ctrl+C to stop.\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
      } finally {
        await host.dispose();
        app.close();
      }
    });
}
