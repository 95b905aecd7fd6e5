// The utility process: the library and its API, off Electron's main thread.
import { createApiHost } from '../core/api/api-host.js';
import { createApp } from '../core/app.js';
import { ApiError } from '../core/contract/errors.js';
import { delegatedTrash } from '../core/duplicates/trash-mover.js';
import { defaultDbFile } from '../core/paths.js';
import type { FromBackend, ToBackend } from './backend-protocol.js';

const port = process.parentPort;
const send = (message: FromBackend): void => port.postMessage(message);

const STATUS = { not_found: 404, forbidden: 403 } as const;
const picks = new Map<number, (folder: string | null) => void>();
let nextPick = 1;
const trashes = new Map<number, (error: Extract<ToBackend, { type: 'trashed' }>['error']) => void>();
let nextTrash = 1;

/** shell.trashItem runs in the main process: ask it, and wait for its answer. */
const trashItem = (file: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const id = nextTrash++;
    trashes.set(id, (error) => {
      if (error === null) return resolve();
      reject(Object.assign(new Error(error.message), error.code !== null ? { code: error.code } : {}));
    });
    send({ type: 'trash', id, file });
  });

const app = createApp({ dbFile: process.env.FACEPAIR_DB ?? defaultDbFile(), access: 'auto', trash: delegatedTrash(trashItem) });
const host = createApiHost(app, {
  version: process.env.FACEPAIR_VERSION ?? '0.0.0',
  log: (m) => console.error(m),
  // The folder dialog belongs to the main process: ask it.
  pickFolder: () =>
    new Promise((resolve) => {
      const id = nextPick++;
      picks.set(id, resolve);
      send({ type: 'pick', id });
    }),
});
host.onEvent((event) => send({ type: 'event', event }));

port.on('message', (e: Electron.MessageEvent) => {
  const msg = e.data as ToBackend;
  if (msg.type === 'call') {
    void host.call(msg.method, msg.params).then((response) => send({ type: 'reply', id: msg.id, response }));
  } else if (msg.type === 'media') {
    host.media(msg.kind, msg.mediaId).then(
      (file) => send({ type: 'media', id: msg.id, ok: true, bytes: new Uint8Array(file.bytes), mime: file.type }),
      (err: unknown) => {
        const status = err instanceof ApiError && (err.code === 'not_found' || err.code === 'forbidden') ? STATUS[err.code] : 500;
        send({ type: 'media', id: msg.id, ok: false, status, message: (err as Error).message });
      },
    );
  } else if (msg.type === 'picked') {
    picks.get(msg.id)?.(msg.folder);
    picks.delete(msg.id);
  } else if (msg.type === 'trashed') {
    trashes.get(msg.id)?.(msg.error);
    trashes.delete(msg.id);
  }
});

process.on('SIGTERM', () => {
  void host.dispose().finally(() => {
    app.close();
    process.exit(0);
  });
});

send({ type: 'ready' });
