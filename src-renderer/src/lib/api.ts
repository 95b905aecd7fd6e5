// The one API client of the window. In Electron the preload's `window.facepair` carries the
// calls over IPC; in a browser (`facepair serve`) they go over HTTP with the launch token,
// and events come as server-sent events. Screens cannot tell the two apart.
import type { ApiEvent, ApiMethod, ApiParams, ApiResponse, ApiResult, FacePairBridge } from '../../../src-main/core/contract/api.js';

declare global {
  interface Window {
    facepair?: FacePairBridge;
  }
}

export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

const bridge: FacePairBridge | undefined = window.facepair;
const TOKEN_KEY = 'facepair-token';

/** The launch token from the address `facepair serve` printed, kept for this tab only. */
function takeToken(): string | null {
  if (bridge) return null;
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = takeToken();

async function send(method: string, params: unknown): Promise<ApiResponse> {
  if (bridge) return bridge.call(method, params);
  let res: Response;
  try {
    res = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { 'X-FacePair-Token': token } : {}) },
      body: JSON.stringify(params),
    });
  } catch {
    return { ok: false, error: { code: 'unavailable', message: 'FacePair is not reachable: is `facepair serve` still running?' } };
  }
  if (res.status === 401) {
    return { ok: false, error: { code: 'forbidden', message: 'Open the address (with its token) that `facepair serve` printed' } };
  }
  return (await res.json()) as ApiResponse;
}

export async function call<M extends ApiMethod>(method: M, ...args: Record<string, never> extends ApiParams<M> ? [ApiParams<M>?] : [ApiParams<M>]): Promise<ApiResult<M>> {
  const res = await send(method, args[0] ?? {});
  if (!res.ok) throw new ApiCallError(res.error.code, res.error.message);
  return res.result as ApiResult<M>;
}

const listeners = new Set<(e: ApiEvent) => void>();
let source: EventSource | undefined;

/** Subscribes to the pushed events (scan progress, data changed); returns the unsubscribe. */
export function onEvent(listener: (e: ApiEvent) => void): () => void {
  if (bridge) return bridge.onEvent(listener);
  listeners.add(listener);
  if (!source) {
    source = new EventSource(`/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`);
    source.onmessage = (m: MessageEvent<string>) => {
      const event = JSON.parse(m.data) as ApiEvent;
      for (const l of listeners) l(event);
    };
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      source?.close();
      source = undefined;
    }
  };
}

/** Images by id: a face's crop, and a whole photo drawn upright. */
export const faceUrl = (faceId: number): string => (bridge ? `facepair://face/${faceId}` : `/media/face/${faceId}`);
export const photoUrl = (photoId: number): string => (bridge ? `facepair://photo/${photoId}` : `/media/photo/${photoId}`);
/** A photo small enough for a grid (400 px on its longest side). */
export const thumbUrl = (photoId: number): string => (bridge ? `facepair://thumb/${photoId}` : `/media/thumb/${photoId}`);

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
