import { utilityProcess, type UtilityProcess } from 'electron';
import path from 'node:path';
import type { ApiEvent, ApiResponse } from '../core/contract/api.js';
import type { MediaKind } from '../core/media/media.service.js';
import type { FromBackend, ToBackend } from './backend-protocol.js';

type MediaReply = Extract<FromBackend, { type: 'media' }>;

/** The main process's side of the utility process that runs the library. */
export class Backend {
  private readonly child: UtilityProcess;
  private nextId = 1;
  private readonly calls = new Map<number, (r: ApiResponse) => void>();
  private readonly media = new Map<number, (r: MediaReply) => void>();
  private readonly listeners = new Set<(e: ApiEvent) => void>();

  constructor(
    entry: string,
    env: Record<string, string>,
    private readonly pickFolder: () => Promise<string | null>,
    private readonly trashItem: (file: string) => Promise<void>,
  ) {
    this.child = utilityProcess.fork(entry, [], { serviceName: 'FacePair library', env: { ...process.env, ...env }, stdio: 'inherit' });
    this.child.on('message', (msg: FromBackend) => this.receive(msg));
    this.child.on('exit', (code) => {
      const down: ApiResponse = { ok: false, error: { code: 'unavailable', message: `The library process stopped (code ${code})` } };
      for (const resolve of this.calls.values()) resolve(down);
      for (const [id, resolve] of this.media) resolve({ type: 'media', id, ok: false, status: 503, message: 'The library process stopped' });
      this.calls.clear();
      this.media.clear();
    });
  }

  call(method: string, params: unknown): Promise<ApiResponse> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.calls.set(id, resolve);
      this.post({ type: 'call', id, method, params });
    });
  }

  image(kind: MediaKind, mediaId: number): Promise<MediaReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.media.set(id, resolve);
      this.post({ type: 'media', id, kind, mediaId });
    });
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.child.kill();
  }

  private post(msg: ToBackend): void {
    this.child.postMessage(msg);
  }

  private async trash(id: number, file: string): Promise<void> {
    let error: { message: string; code: string | null } | null = null;
    try {
      if (!path.isAbsolute(file) || file.includes('\0')) throw new Error('not an absolute path');
      await this.trashItem(file);
    } catch (err) {
      error = { message: (err as Error).message ?? String(err), code: (err as NodeJS.ErrnoException).code ?? null };
    }
    this.post({ type: 'trashed', id, error });
  }

  private receive(msg: FromBackend): void {
    switch (msg.type) {
      case 'reply':
        this.calls.get(msg.id)?.(msg.response);
        this.calls.delete(msg.id);
        break;
      case 'media':
        this.media.get(msg.id)?.(msg);
        this.media.delete(msg.id);
        break;
      case 'event':
        for (const l of this.listeners) l(msg.event);
        break;
      case 'pick':
        void this.pickFolder().then((folder) => this.post({ type: 'picked', id: msg.id, folder }));
        break;
      case 'trash':
        void this.trash(msg.id, msg.file);
        break;
      case 'ready':
        break;
    }
  }
}
