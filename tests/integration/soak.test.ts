import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, GROUPS, tempDir } from '../support/paths.js';

// Many hands on one library, for a bounded time: a CLI scan, the window (`facepair serve`)
// with a client that renames, merges and says "not this person" as people appear, and a
// second CLI scan started by mistake. Afterwards the database is whole, no photo was
// analysed twice, every edit is there and every call of the client was answered.

// Three people in two photos: enough for a rename, a merge and a "not this person".
const PHOTOS = ['deepface_couple.jpg', 'opencv-course_lady_single.jpg'];
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr }))) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Person {
  id: number;
  name: string | null;
  faces: number;
}

describe('a scan, the window editing, and a second scan on one library at once', () => {
  it('keeps the database whole, analyses each photo once, keeps every edit and answers every call', async () => {
    const dir = tempDir('soak');
    const folder = path.join(dir, 'photos');
    mkdirSync(folder);
    for (const p of PHOTOS) copyFileSync(path.join(GROUPS, p), path.join(folder, p));
    const db = path.join(dir, 'library.db');

    const first = run(['scan', folder, '--db', db, '--workers', '1']);
    const serve = run(['serve', '--db', db, '--library', folder, '--port', '0']);
    const url = await new Promise<URL>((resolve, reject) => {
      let out = '';
      serve.child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /serving at (\S+)/.exec(out);
        if (m) resolve(new URL(m[1]!));
      });
      void serve.done.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
    });
    const token = url.searchParams.get('token')!;
    let calls = 0, answered = 0;
    const failures: string[] = [];
    const call = async <T>(method: string, params: unknown = {}): Promise<{ ok: boolean; result: T; error?: { code: string; message: string } }> => {
      calls++;
      const res = await fetch(`${url.origin}/api/${method}`, {
        method: 'POST',
        headers: { 'X-FacePair-Token': token, 'Content-Type': 'application/json' },
        body: JSON.stringify(params),
      });
      const body = (await res.json()) as { ok: boolean; result: T; error?: { code: string; message: string } };
      answered++;
      return body;
    };
    const edit = async <T>(method: string, params: unknown): Promise<T> => {
      const r = await call<T>(method, params);
      if (!r.ok) failures.push(`${method}: ${r.error?.message}`);
      return r.result;
    };

    await sleep(1500);
    const second = run(['scan', folder, '--db', db, '--workers', '1']);

    // The client: edits as people appear, until both scans are done (bounded).
    const renamed = new Map<number, string>();
    let merged: { target: number; faces: number[] } | null = null;
    let rejected: { face: number; from: number } | null = null;
    let windowScan: { ok: boolean; result: { elsewhere: { pid: number } | null }; error?: { code: string; message: string } } | null = null;
    let scansDone = false;
    void Promise.all([first.done, second.done]).then(() => (scansDone = true));
    const deadline = Date.now() + 100_000;
    while (Date.now() < deadline) {
      const people = (await call<{ people: Person[] }>('people.list')).result.people;
      windowScan ??= people.length > 0 ? await call<{ elsewhere: { pid: number } | null }>('scan.start') : null;
      const unnamed = people.filter((p) => p.name === null);
      if (unnamed[0]) {
        const name = `Soak ${renamed.size + 1}`;
        await edit('people.rename', { personId: unnamed[0].id, name });
        renamed.set(unnamed[0].id, name);
      }
      if (!merged && unnamed.length >= 3) {
        const [target, source] = [unnamed[1]!.id, unnamed[2]!.id];
        const facesOf = async (id: number): Promise<number[]> => (await call<{ faces: Array<{ faceId: number }> }>('people.get', { personId: id })).result.faces.map((f) => f.faceId);
        const all = [...(await facesOf(target)), ...(await facesOf(source))];
        await edit('people.merge', { targetId: target, sourceIds: [source] });
        merged = { target, faces: all };
      }
      if (!rejected && merged) {
        const faces = (await call<{ faces: Array<{ faceId: number }> }>('people.get', { personId: merged.target })).result.faces;
        if (faces.length >= 2) {
          await edit('people.rejectFaces', { personId: merged.target, faceIds: [faces[0]!.faceId] });
          rejected = { face: faces[0]!.faceId, from: merged.target };
        }
      }
      if (scansDone && renamed.size > 0 && merged && rejected) break;
      await sleep(150);
    }
    const [a, b] = await Promise.all([first.done, second.done]);
    serve.child.kill('SIGTERM');
    const served = await serve.done;

    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(served.code, served.stderr).toBe(0);
    expect(failures).toEqual([]);
    expect(answered).toBe(calls);
    // The window's scan start while a CLI scan held the library: it joined that scan (or, once both were done, started one).
    expect(windowScan?.ok).toBe(true);
    const joined = windowScan?.result.elsewhere;
    if (joined) expect([first.child.pid, second.child.pid]).toContain(joined.pid);
    expect(renamed.size).toBeGreaterThan(0);
    expect(merged).not.toBeNull();
    expect(rejected).not.toBeNull();

    const check = new Database(db, { readonly: true });
    try {
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(check.pragma('foreign_key_check')).toEqual([]);
      const photos = check.prepare("SELECT count(*) AS n FROM photos WHERE status = 'done'").get() as { n: number };
      expect(photos.n).toBe(PHOTOS.length);
      // Each photo analysed once: face ids are not burnt by a second analysis, and no face is there twice.
      const faces = check.prepare('SELECT count(*) AS n, max(id) AS maxId FROM faces').get() as { n: number; maxId: number };
      expect(faces.maxId).toBe(faces.n);
      const twice = check.prepare(
        `SELECT a.id FROM faces a JOIN faces b ON a.photo_id = b.photo_id AND a.id < b.id
         WHERE abs(a.x - b.x) < 2 AND abs(a.y - b.y) < 2 AND abs(a.w - b.w) < 2`,
      ).all();
      expect(twice).toEqual([]);
      const personOf = (face: number): { person_id: number | null; assigned_by: string | null } =>
        check.prepare('SELECT person_id, assigned_by FROM faces WHERE id = ?').get(face) as { person_id: number | null; assigned_by: string | null };
      for (const [id, name] of renamed) {
        expect(check.prepare('SELECT name FROM people WHERE id = ?').get(id)).toEqual({ name });
      }
      for (const f of merged!.faces.filter((f) => f !== rejected!.face)) expect(personOf(f).person_id).toBe(merged!.target);
      const out = personOf(rejected!.face);
      expect(out.person_id).not.toBe(rejected!.from);
      expect(out.assigned_by).toBe('user');
    } finally {
      check.close();
    }
  }, 120_000);
});
