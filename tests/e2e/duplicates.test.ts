import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { decodePhoto } from '../../src-main/core/analysis/decode.js';
import { fingerprintImage } from '../../src-main/core/analysis/fingerprint.js';
import { ANALYSIS_MAX_SIDE } from '../../src-main/core/analysis/photo-analysis.js';
import { createApp } from '../../src-main/core/app.js';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { IDENTITIES, tempDir } from '../support/paths.js';
import { snapshotFolder } from '../support/snapshot.js';

// The Duplicates screen in headless Chromium against `facepair serve`: a library with exact
// copies, a resized copy and a brightened one (indexed and fingerprinted by the product's own
// code; no face analysis needed for duplicates). Browsing, comparing and K/N/arrows write
// nothing into the photo folder; only the confirmed move does, into a trash under a temporary
// XDG_DATA_HOME, and Ctrl+Z brings the file back. Screenshots go to test-results/screens/.

const dir = tempDir('e2e-duplicates');
const photos = path.join(dir, 'photos');
const dbFile = path.join(dir, 'library.db');
const copy = path.join(photos, 'copies', 'img1 copy.jpg');
let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  mkdirSync(path.dirname(copy), { recursive: true });
  copyFileSync(path.join(IDENTITIES, 'id01/img1.jpg'), path.join(photos, 'img1.jpg'));
  copyFileSync(path.join(IDENTITIES, 'id01/img1.jpg'), copy);
  copyFileSync(path.join(IDENTITIES, 'id02/img26.jpg'), path.join(photos, 'img26.jpg'));
  await sharp(path.join(IDENTITIES, 'id02/img26.jpg')).rotate().resize(400).jpeg({ quality: 70 }).toFile(path.join(photos, 'copies', 'img26 small.jpg'));
  copyFileSync(path.join(IDENTITIES, 'id05/img13.jpg'), path.join(photos, 'img13.jpg'));
  await sharp(path.join(IDENTITIES, 'id05/img13.jpg')).rotate().modulate({ brightness: 1.2 }).jpeg().toFile(path.join(photos, 'copies', 'img13 bright.jpg'));
  const app = createApp({ dbFile });
  try {
    await app.library.reconcile(photos);
    for (const row of app.photos.listPending()) {
      const d = await decodePhoto(row.path, ANALYSIS_MAX_SIDE);
      app.photos.markDone(row.id, { format: d.format, width: d.width, height: d.height, takenAt: d.takenAt, analyzerVersion: 0 });
      app.fingerprints.put(row.id, fingerprintImage(d.image));
    }
    await app.folders.add(photos);
  } finally {
    app.close();
  }
  process.env.XDG_DATA_HOME = path.join(dir, 'xdg');
  served = await startServe(['--db', dbFile]);
  context = await launchBrowser({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  errors = watchErrors(page);
}, 300_000);

afterAll(async () => {
  await context?.close();
  await served?.stop();
});

describe('the Duplicates screen', () => {
  it('shows the groups by class, compares two copies, and moves nothing until confirmed', async () => {
    const before = snapshotFolder(photos);
    await page.goto(served.url);
    await page.locator('[data-testid=nav-duplicates]').click();
    await page.locator('[data-testid=group]').first().waitFor();
    expect(await page.locator('[data-testid=group]').count()).toBe(3);
    expect(await page.locator('[data-testid=class-exact]').textContent()).toMatch(/Exact copies: 1 · [\d.]+ MB to free/);
    await page.locator('[data-testid=group]', { hasText: 'Same picture' }).click();
    const diff = page.locator('[data-testid=differences] .row.differs');
    await expect.poll(() => diff.allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Resolution/)]));
    expect(await page.locator('[data-testid=keeper] figcaption').textContent()).toMatch(/Keep.*img26\.jpg.*larger/s);
    await screenshot(page, 'duplicates-compare');
    // Keyboard: the copy becomes the keeper (K), back (K), arrows move between groups; nothing is written.
    await page.keyboard.press('k');
    expect(await page.locator('[data-testid=keeper] figcaption').textContent()).toMatch(/img26 small\.jpg/);
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.locator('[data-testid=zoom]').fill('2');
    // Zoom follows the pointer and both copies show the same spot: the wheel over the keeper's upper left
    // zooms both about that corner, a drag moves both, 0 puts both back whole.
    const images = page.locator('[data-testid=compare-image]');
    const views = (): Promise<string[]> => images.evaluateAll((els) => els.map((e) => `${(e as HTMLElement).style.transformOrigin} ${(e as HTMLElement).style.transform}`));
    await page.locator('[data-testid=zoom]').blur();
    await page.keyboard.press('0');
    const whole = await views();
    expect(whole[0]).toBe('50% 50% scale(1)');
    const box = (await images.first().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.2);
    await page.mouse.wheel(0, -400);
    await expect.poll(views).not.toEqual(whole);
    const zoomed = await views();
    expect(zoomed[0], 'both copies zoomed to one view').toBe(zoomed[1]);
    await screenshot(page, 'duplicates-zoomed');
    const [ox, oy] = zoomed[0]!.match(/[\d.]+%/g)!.map((v) => parseFloat(v));
    expect(ox, 'zoomed about the pointer, left of centre').toBeLessThan(40);
    expect(oy, 'zoomed about the pointer, above centre').toBeLessThan(40);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * 0.1, { steps: 4 });
    await page.mouse.up();
    const panned = await views();
    expect(panned[0], 'a drag moves both copies').toBe(panned[1]);
    expect(parseFloat(panned[0]!.match(/[\d.]+%/)![0]), 'dragged left: the view moves right').toBeGreaterThan(ox!);
    await page.keyboard.press('0');
    expect(await views()).toEqual(whole);
    expect(snapshotFolder(photos)).toEqual(before);
    expect(errors).toEqual([]);
  });

  it('looks right: the group list and the side-by-side compare, light and dark, at 1280×800 and 800×600', async () => {
    const before = snapshotFolder(photos);
    await page.locator('[data-testid=zoom]').fill('1');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [width, height] of [[1280, 800], [800, 600]] as const) {
        await page.setViewportSize({ width, height });
        const size = `${width}x${height}`;
        await page.locator('[data-testid=group]', { hasText: 'Exact copies' }).click();
        await page.locator('[data-testid=groups]').evaluate((e) => e.scrollIntoView({ block: 'start' }));
        await screenshot(page, `duplicates-groups-${size}-${scheme}`);
        // Every group is in the list, none cut off sideways.
        for (const g of await page.locator('[data-testid=group]').all()) {
          const box = (await g.boundingBox())!;
          expect(box.x + box.width, `a group button at ${size}`).toBeLessThanOrEqual(width);
        }
        await page.locator('[data-testid=group]', { hasText: 'Same picture' }).click();
        await screenshot(page, `duplicates-compare-${size}-${scheme}`);
        // The buttons under the compare are in the window or one scroll of the compare away, never cut.
        await page.locator('[data-testid=trash-group]').scrollIntoViewIfNeeded();
        const button = (await page.locator('[data-testid=trash-group]').boundingBox())!;
        expect(button.y + button.height, `the trash button at ${size}`).toBeLessThanOrEqual(height);
        // The two copies side by side, each wholly in the window's width.
        const [keeper, copy] = [(await page.locator('[data-testid=keeper]').boundingBox())!, (await page.locator('[data-testid=copy]').boundingBox())!];
        expect(copy.x, `the copy beside the keeper at ${size}`).toBeGreaterThanOrEqual(keeper.x + keeper.width);
        expect(copy.x + copy.width, `the copy within the window at ${size}`).toBeLessThanOrEqual(width);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(snapshotFolder(photos)).toEqual(before);
    expect(errors).toEqual([]);
  });

  it('applies the suggested keeper to all exact copies after one confirmation, and undo brings the copy back', async () => {
    await page.locator('[data-testid=apply-exact]').click();
    await page.locator('[data-testid=trash-confirm]').waitFor();
    expect(await page.locator('[data-testid=trash-confirm] p').textContent()).toMatch(/Move 1 file \([\d.]+ MB\) to the system trash/);
    await screenshot(page, 'duplicates-confirm');
    await page.locator('[data-testid=trash-confirm-yes]').click();
    await expect.poll(() => existsSync(copy), { timeout: 60_000 }).toBe(false);
    expect(readdirSync(path.join(dir, 'xdg', 'Trash', 'files'))).toHaveLength(1);
    expect(existsSync(path.join(photos, 'img1.jpg'))).toBe(true);
    await expect.poll(() => page.locator('[data-testid=group]').count(), { timeout: 60_000 }).toBe(2);
    await page.keyboard.press('Control+z');
    await expect.poll(() => existsSync(copy), { timeout: 60_000 }).toBe(true);
    expect(readdirSync(path.join(dir, 'xdg', 'Trash', 'files'))).toHaveLength(0);
    await expect.poll(() => page.locator('[data-testid=group]').count(), { timeout: 60_000 }).toBe(3);
    expect(errors).toEqual([]);
  });

  it('marks the copies\' folder as reference: a reference copy shows a badge and is never the one trashed', async () => {
    const before = snapshotFolder(photos);
    await page.locator('[data-testid=group]', { hasText: 'Exact copies' }).click();
    expect(await page.locator('[data-testid=copy] figcaption').textContent()).toMatch(/Trash.*copies\/img1 copy\.jpg/s);
    await page.locator('[data-testid=copy] [data-testid=folder-mark]').selectOption('reference');
    // Two exact copies: the one in the reference folder becomes the keeper, with its badge.
    await page.locator('[data-testid=keeper] [data-testid=reference-badge]').waitFor();
    expect(await page.locator('[data-testid=keeper] figcaption').textContent()).toMatch(/Keep.*copies\/img1 copy\.jpg.*in a reference folder/s);
    expect(await page.locator('[data-testid=copy] figcaption').textContent()).toMatch(/Trash.*img1\.jpg/s);
    // The resized copy lies in the same folder: the larger original stays the keeper, the
    // reference copy stays too, and the group has nothing to trash.
    await page.locator('[data-testid=group]', { hasText: 'Same picture' }).click();
    await page.locator('[data-testid=copy] [data-testid=reference-badge]').waitFor();
    expect(await page.locator('[data-testid=keeper] figcaption').textContent()).toMatch(/Keep.*img26\.jpg/s);
    expect(await page.locator('[data-testid=copy] figcaption').textContent()).toMatch(/Reference: stays.*in a reference folder: never proposed for the trash/s);
    expect(await page.locator('[data-testid=trash-group]').isDisabled()).toBe(true);
    await page.keyboard.press('t');
    expect(await page.locator('[data-testid=trash-confirm]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid=group] .badge.reference').count()).toBe(3);
    await screenshot(page, 'duplicates-reference');
    // The Library screen lists the marked folder.
    await page.locator('[data-testid=nav-library]').click();
    const marked = page.locator('[data-testid=marked-folders]');
    await marked.waitFor();
    expect(await marked.textContent()).toMatch(/copies.*3 photos/s);
    expect(await marked.textContent()).toContain('Reference');
    await screenshot(page, 'library-marked-folders');
    const marks = () => {
      const app = createApp({ dbFile, mustExist: true, access: 'read' });
      try {
        return app.folderMarks.list();
      } finally {
        app.close();
      }
    };
    expect(marks()).toEqual([{ path: path.dirname(copy), mark: 'reference', photos: 3 }]);
    // A mark is an edit like the others: Undo takes it back, and the Library screen shows so.
    await page.keyboard.press('Control+z');
    await expect.poll(marks, { timeout: 30_000 }).toEqual([]);
    await expect.poll(() => marked.count(), { timeout: 30_000 }).toBe(0);
    await page.locator('[data-testid=nav-duplicates]').click();
    await page.locator('[data-testid=group]', { hasText: 'Exact copies' }).click();
    await expect.poll(() => page.locator('[data-testid=reference-badge]').count(), { timeout: 30_000 }).toBe(0);
    expect(snapshotFolder(photos)).toEqual(before);
    expect(errors).toEqual([]);
  });
});
