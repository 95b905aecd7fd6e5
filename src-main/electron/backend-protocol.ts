import type { ApiEvent, ApiResponse } from '../core/contract/api.js';
import type { MediaKind } from '../core/media/media.service.js';

// Messages between Electron's main process and the utility process that runs the library
// (database, scans, images): the main thread stays free for windows and input.

export type ToBackend =
  | { type: 'call'; id: number; method: string; params: unknown }
  | { type: 'media'; id: number; kind: MediaKind; mediaId: number }
  | { type: 'picked'; id: number; folder: string | null }
  /** The answer to `trash`: null when the file is in the trash, else why not. */
  | { type: 'trashed'; id: number; error: { message: string; code: string | null } | null };

export type FromBackend =
  | { type: 'reply'; id: number; response: ApiResponse }
  | { type: 'media'; id: number; ok: true; bytes: Uint8Array; mime: string }
  | { type: 'media'; id: number; ok: false; status: number; message: string }
  | { type: 'event'; event: ApiEvent }
  | { type: 'pick'; id: number }
  /** Move this file to the system trash (shell.trashItem belongs to the main process). */
  | { type: 'trash'; id: number; file: string }
  | { type: 'ready' };

export const IPC_CALL = 'facepair:call';
export const IPC_EVENT = 'facepair:event';
