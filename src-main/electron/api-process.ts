// The utility process: the library and its API, off Electron's main thread.
import { createApiHost } from '../core/api/api-host.js';
import { createApp } from '../core/app.js';
import { ApiError } from '../core/contract/errors.js';
import { defaultDbFile } from '../core/paths.js';
import type { FromBackend, ToBackend } from './backend-protocol.js';

const port = process.parentPort;
const send = (message: FromBackend): void => port.postMessage(message);

const STATUS = { not_found: 404, forbidden: 403 } as const;
const picks = new Map<number, (folder: string | null) => void>();
let nextPick = 1;

const app = createApp({ dbFile: process.env.FACEPAIR_DB ?? defaultDbFile(), access: 'auto' });
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
  }
});

process.on('SIGTERM', () => {
  void host.dispose().finally(() => {
    app.close();
    process.exit(0);
  });
});

send({ type: 'ready' });
