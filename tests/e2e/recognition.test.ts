import Database from 'better-sqlite3';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createApp } from '../../src-main/core/app.js';
import { simulateUser } from '../../src-main/core/benchmarks/feedback/simulated-user.js';
import { loadTruth } from '../../src-main/core/benchmarks/folder-truth.js';
import { STALL_ENV } from '../../src-main/core/learning/learn-protocol.js';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { devTestFolder } from '../support/devtest-library.js';
import { tempDir } from '../support/paths.js';

// The Recognition screen in headless Chromium, in an 800x600 window, against `facepair serve`
// on a scanned library of LFW DevTest people that a simulated user answered 90 review pairs
// of: the answers counted, Improve recognition, the version listed, put to use and rolled
// back, each checked in the database. Screenshots (light and dark) go to test-results/screens/.

const dir = tempDir('e2e-recognition');
const photos = path.join(dir, 'photos');
const dbFile = path.join(dir, 'library.db');
let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];
let db: Database.Database;

const count = (sql: string): number => (db.prepare(sql).pluck().get() as number) ?? 0;
const activeVersion = (): number | null => (db.prepare('SELECT id FROM learned_versions WHERE active = 1').pluck().get() as number | undefined) ?? null;

beforeAll(async () => {
  devTestFolder(photos, 24, 5);
  const app = createApp({ dbFile });
  try {
    await app.scanner.scan(photos);
    await app.folders.add(photos);
    await simulateUser(app, photos, loadTruth(undefined), { strategy: 'constraints', checkpoints: [90] });
  } finally {
    app.close();
  }
  // Every learning run of this server waits inside its writing transaction for a while, so
  // that the window's progress and Cancel are seen and used while it is on its way.
  process.env[STALL_ENV] = '8000';
  try {
    served = await startServe(['--db', dbFile]);
  } finally {
    delete process.env[STALL_ENV];
  }
  db = new Database(dbFile, { readonly: true, fileMustExist: true });
  context = await launchBrowser({ viewport: { width: 800, height: 600 } });
  page = await context.newPage();
  errors = watchErrors(page);
}, 600_000);

afterAll(async () => {
  await context?.close();
  await served?.stop();
  db?.close();
});

/** Waits until the screen shows this version in use (null: the shipped model). */
async function inUse(version: number | null): Promise<void> {
  await page.locator(`[data-testid=active-card][data-active-version="${version ?? 'shipped'}"]`).waitFor();
  await expect.poll(activeVersion).toBe(version);
}

describe('the Recognition screen', () => {
  it("shows the answers so far, and offers to improve recognition", async () => {
    await page.goto(served.url);
    await page.getByTestId('nav-recognition').click();
    const same = count('SELECT count(*) FROM labels WHERE same = 1');
    const different = count('SELECT count(*) FROM labels WHERE same = 0');
    expect(different).toBeGreaterThanOrEqual(20);
    await page.getByTestId('answer-counts').filter({ hasText: `${same.toLocaleString('en')} same, ${different} different` }).waitFor();
    expect(await page.getByTestId('improve').isEnabled()).toBe(true);
    expect(await page.getByTestId('improve-blocked').count()).toBe(0);
    expect(await page.getByTestId('active-figures').textContent()).toBe('The shipped model, as installed.');
    await screenshot(page, 'recognition-light');
  });

  it('improves recognition in the background: its stage and progress shown, Cancel writes nothing', async () => {
    await page.getByTestId('improve').click();
    const progress = page.locator('[data-testid=learn-progress][data-stage=regrouping]');
    await progress.waitFor({ timeout: 60_000 });
    expect(await progress.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('5');
    expect(await progress.textContent()).toMatch(/Step 5 of 5: Regrouping and saving…/);
    expect(await page.getByTestId('improve').isDisabled()).toBe(true);
    await screenshot(page, 'recognition-learning-light');
    await page.getByTestId('cancel-learning').click();
    await page.getByTestId('learn-outcome').filter({ hasText: 'Learning was cancelled: nothing was changed' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('learn-progress').count()).toBe(0);
    expect(count('SELECT count(*) FROM learned_versions')).toBe(0);
    await inUse(null);
  });

  it('improves recognition: the result in a sentence, the version listed and recorded', async () => {
    await page.getByTestId('improve').click();
    const outcome = page.getByTestId('learn-outcome');
    await outcome.filter({ hasText: /^Version 1: (Used|Not used):/ }).waitFor({ timeout: 60_000 });
    expect(count('SELECT count(*) FROM learned_versions')).toBe(1);
    const promoted = count('SELECT promoted FROM learned_versions WHERE id = 1') === 1;
    await inUse(promoted ? 1 : null);
    const version = page.getByTestId('version');
    expect(await version.count()).toBe(1);
    expect(await version.first().getAttribute('data-version-id')).toBe('1');
    expect(await version.first().textContent()).toMatch(
      /set aside: how well it tells people apart \d\.\d{3} → \d\.\d{3} out of 1; different people put together \d+ → \d+; pairs of one person left apart \d+ → \d+/,
    );
    // In words for the user; the technical name only in the tooltip, for the maintainer.
    expect(await page.locator('main').innerText()).not.toMatch(/\bAUC\b/);
    expect(await version.first().locator('[title*="AUC"]').count()).toBe(1);
    expect(await page.getByTestId('improve').isEnabled()).toBe(true);
    await version.first().scrollIntoViewIfNeeded();
    await screenshot(page, 'recognition-learned-light');
  });

  it('puts the version to use with its figures and curves, then goes back to the shipped model', async () => {
    if (activeVersion() === null) {
      await page.getByTestId('use-version').click();
      await page.getByTestId('learn-outcome').filter({ hasText: /^Version 1 is in use\./ }).waitFor();
      await inUse(1);
    }
    expect(await page.getByTestId('active-figures').textContent()).toMatch(/^Checked on \d+ answered pairs set aside: how well it tells people apart \d\.\d{3} → \d\.\d{3} out of 1;/);
    expect(await page.locator('main').innerText()).not.toMatch(/\bAUC\b/);
    await page.getByTestId('active-card').getByTestId('roc-plot').waitFor();
    expect(await page.getByTestId('use-version').count()).toBe(0);
    await screenshot(page, 'recognition-active-light');

    await page.getByTestId('use-shipped').click();
    await page.getByTestId('learn-outcome').filter({ hasText: /^The shipped model is in use again\./ }).waitFor();
    await inUse(null);
    expect(await page.getByTestId('version').first().getAttribute('data-active')).toBe('false');
    expect(await page.getByTestId('use-version').count()).toBe(1);
    expect(count('SELECT count(*) FROM learned_versions')).toBe(1);
  });

  it('fits an 800x600 window, light and dark', async () => {
    const overflow = (): Promise<boolean> => page.evaluate(() => [...document.querySelectorAll('*')].some((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible'));
    expect(await overflow()).toBe(false);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await page.getByTestId('version').first().waitFor();
    await page.getByTestId('version').first().locator('summary').click();
    await page.getByTestId('version').first().getByTestId('roc-plot').waitFor();
    expect(await overflow()).toBe(false);
    await screenshot(page, 'recognition-dark');
    await page.getByTestId('use-version').click();
    await inUse(1);
    await screenshot(page, 'recognition-active-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lists every answer, filtered and paged, and takes one back', async () => {
    await page.reload();
    const list = page.getByTestId('all-answers');
    const total = count('SELECT count(*) FROM labels');
    await list.getByTestId('answers-range').filter({ hasText: `1–20 of ${total.toLocaleString('en')}` }).waitFor();
    await list.getByTestId('answers-next').click();
    await list.getByTestId('answers-range').filter({ hasText: `21–40 of ${total.toLocaleString('en')}` }).waitFor();

    await list.getByTestId('filter-kind').selectOption('different');
    const different = count('SELECT count(*) FROM labels WHERE same = 0');
    await list.getByTestId('answers-range').filter({ hasText: new RegExp(`^1–${Math.min(20, different)} of ${different}$`) }).waitFor();
    expect(await list.locator('[data-testid=answer][data-same=true]').count()).toBe(0);
    await list.getByTestId('filter-source').selectOption('review');
    await list.getByTestId('answer').first().waitFor();

    const first = list.getByTestId('answer').first();
    const id = Number(await first.getAttribute('data-answer-id'));
    expect(count(`SELECT count(*) FROM labels WHERE id = ${id}`)).toBe(1);
    await first.getByTestId('undo-answer').click();
    await list.getByTestId('answer-undo-effect').filter({ hasText: /^Taken back\. / }).waitFor();
    await expect.poll(() => count(`SELECT count(*) FROM labels WHERE id = ${id}`)).toBe(0);
    await list.locator(`[data-testid=answer][data-answer-id="${id}"]`).waitFor({ state: 'detached' });
    await list.scrollIntoViewIfNeeded();
    await screenshot(page, 'recognition-answers-light');
  });

  it('ran without a console error or a Content-Security-Policy violation', () => {
    expect(errors).toEqual([]);
  });
});
