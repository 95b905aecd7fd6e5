import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { REPO_ROOT, tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary } from '../support/seed-library.js';

// The window open while another process scans its library: the header and the Library screen
// show that scan's progress and who runs it, and when it ends the window shows its counts
// and the people as it left them, without a reload. The other process is a script named
// main.js (so it reads as `facepair scan …`) that takes the library lock and publishes its
// progress with the built code a scan uses; it moves on when told on stdin.

const dir = tempDir('e2e-elsewhere');
const dbFile = path.join(dir, 'library.db');
const dist = (m: string): string => pathToFileURL(path.join(REPO_ROOT, 'dist/src-main/core/db', m)).href;
const SCANNER = `
import { createInterface } from 'node:readline';
import { openDatabase } from '${dist('database.js')}';
import { LibraryLock } from '${dist('library-lock.js')}';
import { ScanProgressRepository } from '${dist('scan-progress.repository.js')}';
const db = openDatabase(process.env.DB, { create: false });
const held = new LibraryLock(db).take('scan');
const progress = new ScanProgressRepository(db);
progress.begin();
progress.update({ stage: 'analyze', done: 2, total: 5, faces: 3, errors: 0 });
process.stdout.write('scanning\\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'end') continue;
  db.prepare("UPDATE people SET name = 'Found by the scan' WHERE id = ?").run(Number(process.env.PERSON));
  progress.end({ outcome: 'finished', photos: 5, faces: 6, people: 2, errors: 0, seconds: 4, message: null });
  held.release();
  db.close();
  process.exit(0);
}
`;

let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];
let scanner: ChildProcess;
let personId: number;

beforeAll(async () => {
  const rand = rng(11);
  const lib = await seedLibrary(dbFile, path.join(dir, 'photos'), [{ name: 'Ann', vectors: personVectors(rand, 3).vectors }, { vectors: personVectors(rand, 3).vectors }]);
  personId = lib.personIds[1]!;
  lib.app.close();
  served = await startServe(['--db', dbFile]);
  context = await launchBrowser();
  page = await context.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  if (scanner && scanner.exitCode === null) scanner.kill('SIGKILL');
  await context?.close();
  await served?.stop();
});

describe('a scan run by another process, in the window', () => {
  it('shows its progress and pid, then its counts and the people it left, without a reload', async () => {
    await page.goto(served.url);
    await page.getByTestId('person-card').first().waitFor();

    const script = path.join(dir, 'main.js');
    writeFileSync(script, SCANNER);
    scanner = spawn(process.execPath, [script, 'scan', path.join(dir, 'photos')], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, DB: dbFile, PERSON: String(personId) } });
    await new Promise<void>((resolve) => scanner.stdout!.once('data', () => resolve()));

    // Pushed to the open window: the header says a scan runs.
    await page.getByTestId('scan-indicator').waitFor();
    expect(await page.getByTestId('scan-indicator').textContent()).toMatch(/Scanning 40%/);

    await page.getByTestId('nav-library').click();
    const who = page.getByTestId('scan-elsewhere');
    await who.waitFor();
    expect((await who.textContent())?.replace(/\s+/g, ' ')).toMatch(new RegExp(`^ ?A scan started from the command line is running \\(pid ${scanner.pid}\\)\\. Its progress shows here`));
    expect(await page.getByTestId('scan-progress').textContent()).toMatch(/2 of 5 photos read\s*· 3 faces found/);
    // Only that process can stop it: no Pause or Cancel here.
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    await screenshot(page, 'library-scan-elsewhere-light');

    await page.getByTestId('nav-people').click();
    await page.getByTestId('person-card').first().waitFor();
    scanner.stdin!.write('end\n');
    // The end reaches the window: the people as the scan left them, and the indicator gone.
    await page.getByText('Found by the scan').waitFor({ timeout: 10_000 });
    await page.getByTestId('scan-indicator').waitFor({ state: 'detached' });

    await page.getByTestId('nav-library').click();
    const summary = page.getByTestId('scan-summary');
    await summary.waitFor();
    expect((await summary.textContent())?.replace(/\s+/g, ' ')).toMatch(/Finished in .*: 5 photos in the library\./);
    // The figures beside it are the library as the other process's scan left it (two people of
    // three faces each, one photo a face), read again when that scan ended.
    const figure = async (id: string): Promise<number> => Number((await page.getByTestId(id).locator('strong').textContent())?.replace(/\D/g, ''));
    expect(await figure('stat-faces')).toBe(6);
    expect((await figure('stat-people')) + (await figure('stat-others'))).toBe(2);
    expect(errors).toEqual([]);
  }, 90_000);
});
