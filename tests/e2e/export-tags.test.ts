import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { tempDir } from '../support/paths.js';
import { personVectors, rng, seedLibrary } from '../support/seed-library.js';

// "Export names as XMP…" on the People screen, in headless Chromium against `facepair serve`:
// a preview that writes nothing, then the sidecars in the folder the user typed. A screenshot
// of the dialog goes to test-results/screens/.

const dir = tempDir('e2e-export-tags');
let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  const rand = rng(5);
  const lib = await seedLibrary(path.join(dir, 'library.db'), path.join(dir, 'photos'), [
    { name: 'Alice', vectors: personVectors(rand, 3).vectors },
    { name: 'Ben', vectors: personVectors(rand, 2).vectors },
    { vectors: personVectors(rand, 2).vectors },
  ]);
  lib.app.close();
  served = await startServe(['--db', path.join(dir, 'library.db')]);
  context = await launchBrowser({ viewport: { width: 1000, height: 700 } });
  page = await context.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await context?.close();
  await served?.stop();
});

describe('Export names as XMP', () => {
  it('previews, then writes one sidecar per photo with a named face into the chosen folder', async () => {
    const out = path.join(dir, 'for-digikam');
    await page.goto(`${served.url}#/people`);
    await page.getByTestId('export-tags').click();
    const dialog = page.getByTestId('export-tags-dialog');
    await expect.poll(() => dialog.getByTestId('export-mirror').isChecked()).toBe(true); // a separate folder unless chosen otherwise
    await dialog.getByTestId('export-out').fill(out);
    await dialog.getByTestId('export-preview').click();
    await expect.poll(() => dialog.getByTestId('export-result').textContent(), { timeout: 30_000 }).toMatch(/Preview: nothing written\. 5 photos with named faces: 5 sidecars would be created/);
    expect(() => readdirSync(out)).toThrow();
    await dialog.getByTestId('export-run').click();
    // Writing starts ExifTool (perl): seconds on a busy machine.
    await expect.poll(() => dialog.getByTestId('export-result').textContent(), { timeout: 60_000 }).toMatch(/^5 photos with named faces: 5 sidecars created/);
    expect(readdirSync(out).sort()).toEqual(['p1.jpg.xmp', 'p2.jpg.xmp', 'p3.jpg.xmp', 'p4.jpg.xmp', 'p5.jpg.xmp']);
    await screenshot(page, 'export-tags-dialog');
    expect(errors).toEqual([]);
  });
});
