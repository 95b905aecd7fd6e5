import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { startServer, type RunningServer } from '../../src-main/server/server.js';
import { CLI, tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary, type SeededLibrary } from '../support/seed-library.js';

let lib: SeededLibrary;
let host: ApiHost;
let server: RunningServer;
let base: string;
let rendererDir: string;
let dir: string;
/** A photo row at a link inside the library to a file outside it (as an older scan indexed it). */
let linkedPhoto: number;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request (fetch would normalise the path and forbid the Host header). */
function request(pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path: pathname, method: options.method ?? 'GET', headers: { Host: `127.0.0.1:${server.port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const auth = (): Record<string, string> => ({ 'X-FacePair-Token': server.token });
const post = (method: string, params: unknown, headers = auth()): Promise<Reply> =>
  request(`/api/${method}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(params) });

beforeAll(async () => {
  dir = tempDir('server');
  const rand = rng(3);
  lib = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), [{ name: 'Ann', vectors: personVectors(rand, 3).vectors }, { vectors: personVectors(rand, 2).vectors }]);
  // One seeded photo gets a real file; another points outside the library folder.
  const inside = lib.app.photos.findById(lib.photoIds[0]![0]!)!.path;
  await sharp({ create: { width: 400, height: 300, channels: 3, background: '#88aacc' } }).jpeg().toFile(inside);
  lib.app.db.prepare('UPDATE photos SET path = ? WHERE id = ?').run(path.join(dir, 'elsewhere.jpg'), lib.photoIds[0]![1]);
  await sharp({ create: { width: 40, height: 30, channels: 3, background: '#000' } }).jpeg().toFile(path.join(dir, 'elsewhere.jpg'));
  rendererDir = path.join(dir, 'renderer');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>FacePair</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'export {}');
  writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  symlinkSync(path.join(dir, 'elsewhere.jpg'), path.join(lib.folder, 'link.jpg'));
  linkedPhoto = lib.photoIds[1]![0]!;
  lib.app.db.prepare('UPDATE photos SET path = ? WHERE id = ?').run(path.join(lib.folder, 'link.jpg'), linkedPhoto);
  host = createApiHost(lib.app, { version: 'test' });
  server = await startServer({ host, rendererDir });
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.close();
  await host.dispose();
  lib.app.close();
});

describe('facepair serve: the HTTP adapter', () => {
  it('listens on 127.0.0.1 only, with a fresh random token in its address', () => {
    expect(server.url).toBe(`${base}/?token=${server.token}`);
    expect(server.token).toMatch(/^[\w-]{32}$/);
  });

  it('answers 401 to every request without the token, or with a wrong one', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js', '/media/face/1', '/media/photo/1', '/api/events']) {
      expect((await request(p)).status, p).toBe(401);
    }
    expect((await post('people.list', {}, {})).status).toBe(401);
    expect((await post('people.list', {}, { 'X-FacePair-Token': 'x'.repeat(32) })).status).toBe(401);
    expect((await request(`/?token=${server.token.slice(0, -1)}A`)).status).toBe(401);
  });

  it('takes the token from the header, the query, or the cookie set by the first page', async () => {
    const first = await request(`/?token=${server.token}`);
    expect(first.status).toBe(200);
    expect(first.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    const cookie = first.headers['set-cookie']![0]!;
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    const withCookie = await request('/assets/app.js', { headers: { Cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers['content-type']).toMatch(/javascript/);
    expect((await request('/', { headers: auth() })).status).toBe(200);
  });

  it('refuses other Host names (DNS rebinding) and paths outside the application', async () => {
    expect((await request('/', { headers: { ...auth(), Host: `evil.example:${server.port}` } })).status).toBe(403);
    expect((await request('/assets/..%2f..%2fsecret.txt', { headers: auth() })).status).toBe(403);
    expect((await request('/..%2F..%2Fsecret.txt', { headers: auth() })).status).toBe(403);
    expect((await request('/../secret.txt', { headers: auth() })).status).toBe(404); // normalised to /secret.txt
    expect((await request('/media/photo/..%2F..%2Fsecret.txt', { headers: auth() })).status).toBe(404);
    expect((await request('/media/file?path=/etc/passwd', { headers: auth() })).status).toBe(404);
  });

  it('serves photos and face crops by id, and refuses a photo outside the library', async () => {
    const photo = await request(`/media/photo/${lib.photoIds[0]![0]}`, { headers: auth() });
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    const face = await request(`/media/face/${lib.faceIds[0]![0]}`, { headers: auth() });
    expect(face.status).toBe(200);
    expect((await request(`/media/photo/${lib.photoIds[0]![1]}`, { headers: auth() })).status).toBe(403);
    expect((await request('/media/photo/999999', { headers: auth() })).status).toBe(404);
  });

  it('judges by real path: a link inside the library to a file outside it is refused, and so is a face of a photo outside it', async () => {
    const linked = await request(`/media/photo/${linkedPhoto}`, { headers: auth() });
    expect(linked.status).toBe(403);
    expect(linked.body).toMatch(/lies outside the library's folders/);
    const face = await request(`/media/face/${lib.faceIds[0]![1]}`, { headers: auth() });
    expect(face.status).toBe(403);
    expect(face.body).toMatch(/in a photo outside the library's folders/);
  });

  it('refuses the root as a library folder; serves photos of every folder added', async () => {
    const root = await post('library.addFolder', { folder: '/' });
    expect(root.status).toBe(400);
    expect(JSON.parse(root.body).error.message).toMatch(/root of the disk/);
    const second = path.join(dir, 'second');
    mkdirSync(second);
    await sharp({ create: { width: 60, height: 40, channels: 3, background: '#336699' } }).jpeg().toFile(path.join(second, 'b.jpg'));
    const other = lib.photoIds[1]![1]!;
    lib.app.db.prepare('UPDATE photos SET path = ? WHERE id = ?').run(path.join(second, 'b.jpg'), other);
    expect((await request(`/media/photo/${other}`, { headers: auth() })).status).toBe(403);
    expect((await post('library.addFolder', { folder: second })).status).toBe(200);
    expect((await request(`/media/photo/${other}`, { headers: auth() })).status).toBe(200);
    expect((await request(`/media/photo/${lib.photoIds[0]![0]}`, { headers: auth() })).status).toBe(200);
  });

  it('refuses calls from another site (Origin or Sec-Fetch-Site), and answers its own window and non-browser clients', async () => {
    const personId = lib.personIds[0]!;
    const nameOf = (): string | null => lib.app.people.find(personId)!.name;
    for (const headers of [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { Origin: `http://127.0.0.1:${server.port + 1}` },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'cross-site' },
    ]) {
      const r = await post('people.rename', { personId, name: 'Mallory' }, { ...auth(), ...headers });
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.body).toMatch(/^Refused: this request comes from another site/);
    }
    expect(nameOf()).toBe('Ann');
    const own = await post('people.rename', { personId, name: 'Anna' }, { ...auth(), Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(200);
    expect(nameOf()).toBe('Anna');
    expect((await post('people.rename', { personId, name: 'Ann' })).status).toBe(200); // no Origin: a script, curl
    expect(nameOf()).toBe('Ann');
  });

  it('answers the API as data, with HTTP statuses that match the error', async () => {
    const list = await post('people.list', {});
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body).result.people).toHaveLength(2);
    expect((await post('people.get', { personId: 0 })).status).toBe(400);
    expect((await post('people.get', { personId: 424242 })).status).toBe(404);
    expect((await post('nope', {})).status).toBe(404);
    expect((await request('/api/people.list', { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/plain' }, body: '{}' })).status).toBe(415);
    expect((await request('/api/people.list', { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: '{nope' })).status).toBe(400);
    const huge = await request('/api/people.list', { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: 'x'.repeat(2 << 20) });
    expect(huge.status).toBe(413);
  });

  it('pushes events as server-sent events', async () => {
    const received: string[] = [];
    const ac = new AbortController();
    const res = await fetch(`${base}/api/events?token=${server.token}`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const read = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received.push(decoder.decode(value));
        if (received.join('').includes('data.changed')) return;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await post('people.rename', { personId: lib.personIds[1], name: 'Ben' });
    await read;
    ac.abort();
    const text = received.join('');
    expect(text).toMatch(/data: \{"type":"scan.progress"/);
    expect(text).toMatch(/data: \{"type":"data.changed","reason":"action"\}/);
  });
});

describe('facepair serve on the command line', () => {
  it('prints its address first, with the token, and stops on SIGTERM', async () => {
    const dir = tempDir('serve-cli');
    const child = spawn(process.execPath, [CLI, 'serve', '--db', path.join(dir, 'l.db'), '--library', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    expect(line).toMatch(/^FacePair is serving at http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    const url = new URL(line.slice(line.indexOf('http')));
    expect((await fetch(`${url.origin}/api/app.info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(401);
    const info = await fetch(`${url.origin}/api/library.get`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-FacePair-Token': url.searchParams.get('token')! }, body: '{}' });
    expect((await info.json()).result.folders).toEqual([{ path: dir, photos: 0, problem: null }]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a library folder that does not exist', async () => {
    const dir = tempDir('serve-cli');
    const child = spawn(process.execPath, [CLI, 'serve', '--db', path.join(dir, 'l.db'), '--library', path.join(dir, 'missing')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(err).toMatch(/does not exist/);
  });
});
