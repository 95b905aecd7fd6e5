import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiHost } from '../core/api/api-host.js';
import type { ApiErrorCode, ApiResponse } from '../core/contract/api.js';
import { ApiError } from '../core/contract/errors.js';
import { isInside } from '../core/library/inside.js';
import type { MediaKind } from '../core/media/media.service.js';
import { RENDERER_CONTENT_TYPES } from '../core/media/content-types.js';

export interface ServerOptions {
  host: ApiHost;
  /** 0 (the default) takes a free port. */
  port?: number;
  /** The built renderer (index.html and assets/). */
  rendererDir?: string;
  log?: (message: string) => void;
}

export interface RunningServer {
  port: number;
  token: string;
  /** The address to open, token included. */
  url: string;
  close(): Promise<void>;
}

/** Where `vite build` puts the renderer, from this file's place in dist/ or in the sources. */
export function defaultRendererDir(): string {
  for (const rel of ['../../../src-renderer/dist', '../../src-renderer/dist']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  return fileURLToPath(new URL('../../../src-renderer/dist', import.meta.url));
}

/** The version in package.json. */
export function packageVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

/** The window's Content-Security-Policy: nothing from elsewhere, no inline script or style. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES = RENDERER_CONTENT_TYPES;

const STATUS: Record<ApiErrorCode, number> = {
  invalid_params: 400,
  unknown_method: 404,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unavailable: 501,
  internal: 500,
};

const MAX_BODY = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The HTTP adapter: the renderer and the API on 127.0.0.1 only, behind a random token made at
 * each launch. A request carries the token in the `X-FacePair-Token` header, a `token` query
 * parameter, or the cookie set when the page was first opened with it; without it: 401.
 * Progress comes as server-sent events; images by id only.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { host } = options;
  const rendererDir = path.resolve(options.rendererDir ?? defaultRendererDir());
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const streams = new Set<http.ServerResponse>();
  let port = 0;
  const cookieName = (): string => `facepair-${port}`;

  const hasToken = (req: http.IncomingMessage, url: URL): { ok: boolean; fromQuery: boolean } => {
    const given: Array<[string | undefined, boolean]> = [
      [req.headers['x-facepair-token'] as string | undefined, false],
      [url.searchParams.get('token') ?? undefined, true],
      [cookieValue(req.headers.cookie, cookieName()), false],
    ];
    for (const [value, fromQuery] of given) {
      if (value === undefined) continue;
      const b = Buffer.from(value);
      if (b.length === tokenBytes.length && timingSafeEqual(b, tokenBytes)) return { ok: true, fromQuery };
    }
    return { ok: false, fromQuery: false };
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) options.log?.(`request failed: ${(err as Error)?.stack ?? String(err)}`);
      if (status === 413) res.setHeader('Connection', 'close');
      if (!res.headersSent) sendText(res, status, err instanceof HttpError ? err.message : 'Internal error');
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    baseHeaders(res);
    // A page elsewhere cannot reach this server through a name that points here (DNS rebinding).
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) throw new HttpError(403, 'Unexpected Host');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const foreign = foreignSource(req, port);
      if (foreign) throw new HttpError(403, `Refused: this request comes from another site (${foreign}). FacePair answers its own window, and programs that are not browsers`);
    }
    const auth = hasToken(req, url);
    if (!auth.ok) {
      res.setHeader('WWW-Authenticate', 'FacePair-Token');
      throw new HttpError(401, 'This FacePair server needs the token it printed when it started');
    }
    const route = url.pathname;
    if (route.startsWith('/api/')) {
      if (route === '/api/events') {
        if (req.method !== 'GET') throw new HttpError(405, 'Use GET');
        return events(req, res);
      }
      if (req.method !== 'POST') throw new HttpError(405, 'Use POST');
      return api(req, res, route.slice('/api/'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Use GET');
    const media = /^\/media\/(face|photo|thumb)\/(\d{1,15})$/.exec(route);
    if (media) return image(res, media[1] as MediaKind, Number(media[2]));
    if (route.startsWith('/media/')) throw new HttpError(404, 'Images are served by id only');
    if (auth.fromQuery) {
      res.setHeader('Set-Cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }
    return staticFile(res, route);
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, method: string): Promise<void> {
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'Send JSON (Content-Type: application/json)');
    let params: unknown;
    try {
      const body = await readBody(req);
      params = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (err) {
      if (err instanceof HttpError) throw err;
      return sendJson(res, 400, { ok: false, error: { code: 'invalid_params', message: 'The body is not valid JSON' } });
    }
    const response = await host.call(method, params);
    sendJson(res, response.ok ? 200 : STATUS[response.error.code], response);
  }

  function events(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    const send = (data: unknown): void => {
      res.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    send({ type: 'scan.progress', state: host.scanState() });
    const off = host.onEvent(send);
    const ping = setInterval(() => res.write(': ping\n\n'), 20_000);
    streams.add(res);
    const end = (): void => {
      clearInterval(ping);
      off();
      streams.delete(res);
    };
    req.on('close', end);
    res.on('close', end);
  }

  async function image(res: http.ServerResponse, kind: MediaKind, id: number): Promise<void> {
    let file;
    try {
      file = await host.media(kind, id);
    } catch (err) {
      if (err instanceof ApiError) throw new HttpError(STATUS[err.code], err.message);
      throw err;
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.bytes.length, 'Cache-Control': 'private, max-age=300' });
    res.end(file.bytes);
  }

  async function staticFile(res: http.ServerResponse, route: string): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(route === '/' ? '/index.html' : route);
    } catch {
      throw new HttpError(400, 'Bad path');
    }
    const file = path.resolve(rendererDir, '.' + rel);
    if (rel.includes('\0') || !isInside(rendererDir, file)) throw new HttpError(403, 'Outside the application');
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) {
      if (route === '/' || route === '/index.html') throw new HttpError(500, 'The renderer is not built: run `npm run build`');
      throw new HttpError(404, 'Not found');
    }
    const ext = path.extname(file).toLowerCase();
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': TYPES[ext] ?? 'application/octet-stream' };
    if (ext === '.html') {
      headers['Content-Security-Policy'] = CONTENT_SECURITY_POLICY;
      headers['Cache-Control'] = 'no-store';
    } else if (rel.startsWith('/assets/')) {
      headers['Cache-Control'] = 'private, max-age=31536000, immutable';
    }
    res.writeHead(200, headers);
    res.end(await readFile(file));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    async close() {
      for (const s of streams) s.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function baseHeaders(res: http.ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: http.ServerResponse, status: number, body: ApiResponse): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text + '\n');
}

/**
 * Where a browser says a request comes from, when that is not this server's own page (a page
 * elsewhere posting here); null for the window itself and for clients that are not browsers
 * (they send neither header).
 */
function foreignSource(req: http.IncomingMessage, port: number): string | null {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${String(site)}`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return `Origin: ${origin}`;
  return null;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= MAX_BODY) {
        chunks.push(c);
        return;
      }
      // Stop keeping the body (the rest is read and dropped) and answer 413 at once.
      req.off('data', onData);
      req.resume();
      reject(new HttpError(413, 'The request is too large'));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
