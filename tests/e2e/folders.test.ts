import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { IDENTITIES, tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary } from '../support/seed-library.js';

// The Library screen with two folders: a photo of a folder not (yet) in the library says why
// it is not shown, is shown once its folder is added in the window, and removing the folder
// keeps every name. Screenshots go to test-results/screens/.

const dir = tempDir('e2e-folders');
const pictures = path.join(dir, 'Pictures');
const phone = path.join(dir, 'Phone');
const dbFile = path.join(dir, 'library.db');
let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];
let phonePhoto: number;
let missingPhoto: number;
let names: unknown[];

const people = (): unknown[] => {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, name FROM people ORDER BY id').all();
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  const rand = rng(5);
  const lib = await seedLibrary(dbFile, pictures, [
    { name: 'Ann', vectors: personVectors(rand, 2).vectors },
    { name: 'Ben', vectors: personVectors(rand, 2).vectors },
  ]);
  // Real photos behind the seeded rows; Ben's photos lie in a second folder, not added yet.
  const sources = readdirSync(path.join(IDENTITIES, 'id01')).slice(0, 4).map((f) => path.join(IDENTITIES, 'id01', f));
  const setPath = lib.app.db.prepare('UPDATE photos SET path = ?, width = 250, height = 250 WHERE id = ?');
  mkdirSync(phone);
  for (const [i, id] of lib.photoIds.flat().entries()) {
    const file = path.join(i < 2 ? pictures : phone, `photo${i}.jpg`);
    copyFileSync(sources[i]!, file);
    setPath.run(file, id);
  }
  phonePhoto = lib.photoIds[1]![0]!;
  missingPhoto = lib.photoIds[0]![1]!;
  rmSync(lib.app.photos.findById(missingPhoto)!.path);
  lib.app.close();
  names = people();
  served = await startServe(['--db', dbFile]);
  context = await launchBrowser();
  page = await context.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await context?.close();
  await served?.stop();
});

const photoImage = (): Promise<number> =>
  page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>('.stage img');
    return img?.complete ? img.naturalWidth : -1;
  });

describe('the library as a list of folders, in the browser', () => {
  it('says why a photo outside the library\'s folders is not shown, instead of a broken image', async () => {
    await page.goto(served.url);
    await page.getByTestId('person-card').first().waitFor();
    await page.goto(`${served.origin}/#/photos/${phonePhoto}`);
    const why = page.getByTestId('photo-unavailable');
    await why.waitFor();
    expect(await why.textContent()).toMatch(/lies outside the library's folders: add its folder to the library to see it/);
    await screenshot(page, 'photo-outside-folders-light');
    await page.goto(`${served.origin}/#/photos/${missingPhoto}`);
    await page.getByTestId('photo-unavailable').filter({ hasText: 'is not there any more' }).waitFor();
  });

  it('adds a second folder in the Library screen and lists both; its photos show', async () => {
    await page.getByTestId('nav-library').click();
    await page.getByTestId('folder-row').first().waitFor();
    expect(await page.getByTestId('library-folder').allTextContents()).toEqual([pictures]);
    await page.getByTestId('folder-input').fill(phone);
    await page.getByTestId('folder-add').click();
    await page.getByTestId('folder-notice').filter({ hasText: `${phone} is in the library now` }).waitFor();
    expect(await page.getByTestId('library-folder').allTextContents()).toEqual([pictures, phone]);
    await screenshot(page, 'library-two-folders-light');

    await page.getByTestId('folder-input').fill('/');
    await page.getByTestId('folder-add').click();
    expect(await page.getByTestId('folder-error').textContent()).toBe('/ is the root of the disk: choose the folder that holds your photos');

    await page.goto(`${served.origin}/#/photos/${phonePhoto}`);
    await page.locator('.stage img').waitFor();
    await expect.poll(photoImage).toBeGreaterThan(0);
  });

  it('removes a folder after asking, keeping every name', async () => {
    await page.getByTestId('nav-library').click();
    await page.getByTestId('folder-row').nth(1).getByTestId('folder-remove').click();
    await page.getByTestId('folder-remove-confirm').click();
    await page.getByTestId('removed-photos').waitFor();
    expect(await page.getByTestId('library-folder').allTextContents()).toEqual([pictures]);
    expect(await page.getByTestId('removed-photos').textContent()).toMatch(/2 photos kept from removed folders/);
    await screenshot(page, 'library-folder-removed-light');
    expect(people()).toEqual(names);
    // Expected refusals only: Ben's cover face while his folder was not in the library, and the root as a folder.
    expect(errors.filter((e) => !/status of (403 \(Forbidden\)|400 \(Bad Request\))( \(|$)/.test(e))).toEqual([]);
  });
});
