import Database from 'better-sqlite3';
import { cpSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { IDENTITIES, tempDir } from '../support/paths.js';
import { snapshotFolder } from '../support/snapshot.js';

// The whole app in headless Chromium against `facepair serve` on a copy of the 61 photos of
// 13 people: scan, see the people, rename, reject a face, merge, review with the keyboard,
// undo; each step checked in the database. Screenshots of every screen go to
// test-results/screens/.

const dir = tempDir('e2e');
const photos = path.join(dir, 'photos');
const dbFile = path.join(dir, 'library.db');
let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];
let db: Database.Database;
let before: string[];

const one = <T>(sql: string, ...args: unknown[]): T => db.prepare(sql).get(...args) as T;
const all = <T>(sql: string, ...args: unknown[]): T[] => db.prepare(sql).all(...args) as T[];
const count = (sql: string, ...args: unknown[]): number => (db.prepare(sql).pluck().get(...args) as number) ?? 0;
const personOf = (faceId: number): number | null => one<{ person_id: number | null }>('SELECT person_id FROM faces WHERE id = ?', faceId).person_id;
/** People the grid's first tab shows: named, or with at least two faces (the others are under "Others"). */
const peopleOnFirstTab = (): number =>
  count(
    `SELECT count(*) FROM (SELECT pe.id FROM people pe JOIN faces f ON f.person_id = pe.id JOIN photos p ON p.id = f.photo_id AND p.status = 'done'
     GROUP BY pe.id HAVING pe.name IS NOT NULL OR count(*) >= 2)`,
  );

async function gotoPerson(personId: number): Promise<void> {
  await page.goto(`${served.origin}/#/people/${personId}`);
  await page.getByTestId('faces-grid').waitFor();
}

beforeAll(async () => {
  cpSync(IDENTITIES, photos, { recursive: true });
  before = snapshotFolder(photos);
  served = await startServe(['--db', dbFile, '--library', photos]);
  db = new Database(dbFile, { readonly: true, fileMustExist: true });
  context = await launchBrowser();
  page = await context.newPage();
  errors = watchErrors(page);
});

afterAll(async () => {
  await context?.close();
  await served?.stop();
  db?.close();
});

describe('FacePair in the browser, end to end', () => {
  it('opens with the token, then scans the folder with progress, pause and resume', async () => {
    await page.goto(served.url);
    // The token leaves the address bar; the page keeps working through its cookie.
    await page.getByTestId('people-empty').waitFor();
    expect(page.url()).not.toContain('token=');
    await screenshot(page, 'people-empty-light');

    await page.getByTestId('nav-library').click();
    await page.getByTestId('scan-start').waitFor();
    expect(await page.getByTestId('library-folder').textContent()).toBe(photos);
    await screenshot(page, 'library-light');

    await page.getByTestId('scan-start').click();
    await page.waitForFunction(() => Number(/(\d+) of 61 photos read/.exec(document.querySelector('[data-testid=scan-progress]')?.textContent ?? '')?.[1] ?? 0) >= 3, undefined, {
      timeout: 90_000,
    });
    await screenshot(page, 'library-scanning-light');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 60_000 });
    const paused = count("SELECT count(*) FROM photos WHERE status = 'pending'");
    expect(paused).toBeGreaterThan(0);
    await screenshot(page, 'library-paused-light');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('scan-summary').waitFor({ timeout: 150_000 });
    expect(await page.getByTestId('scan-summary').textContent()).toMatch(/Finished .*61 photos/);
    expect(count("SELECT count(*) FROM photos WHERE status = 'done'")).toBe(61);
    await screenshot(page, 'library-done-light');
  });

  it('shows the people found, each with a cover face and a photo count', async () => {
    await page.getByTestId('nav-people').click();
    await page.getByTestId('person-card').first().waitFor();
    const cards = await page.getByTestId('person-card').count();
    expect(cards).toBe(peopleOnFirstTab());
    expect(cards).toBeGreaterThan(0);
    const first = page.getByTestId('person-card').first();
    expect(await first.textContent()).toMatch(/Unnamed\s*\d+ photos?/);
    await screenshot(page, 'people-light');
  });

  it('renames a person', async () => {
    const id = Number(await page.getByTestId('person-card').first().getAttribute('data-person-id'));
    await page.getByTestId('person-card').first().click();
    await page.getByTestId('rename').click();
    await page.getByTestId('name-input').fill('Ada Lovelace');
    await page.getByTestId('name-input').press('Enter');
    await expect.poll(() => one<{ name: string }>('SELECT name FROM people WHERE id = ?', id).name).toBe('Ada Lovelace');
    await page.getByTestId('person-name').filter({ hasText: 'Ada Lovelace' }).waitFor();
    await screenshot(page, 'person-light');

    await page.getByTestId('nav-people').click();
    await page.getByTestId('people-search').fill('ada');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=person-card]').length === 1);
    await screenshot(page, 'people-search-light');
    await page.getByTestId('people-search').fill('nobody-has-this-name');
    await page.getByTestId('people-empty').waitFor();
    await page.getByTestId('people-search').fill('');
  });

  it('takes a face out of a person ("Not this person"), remembered as "different" labels', async () => {
    const personId = one<{ id: number }>('SELECT person_id AS id FROM faces GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1').id;
    await gotoPerson(personId);
    const tile = page.getByTestId('face-tile').nth(1);
    const faceId = Number(await tile.getAttribute('data-face-id'));
    await tile.getByTestId('face-select').click();
    await page.getByTestId('selection-count').filter({ hasText: '1 face selected' }).waitFor();
    await screenshot(page, 'person-selected-light');
    await page.getByTestId('reject').click();
    await expect.poll(() => personOf(faceId)).not.toBe(personId);
    const newPerson = personOf(faceId)!;
    expect(count('SELECT count(*) FROM faces WHERE person_id = ?', newPerson)).toBe(1);
    const remaining = count('SELECT count(*) FROM faces WHERE person_id = ?', personId);
    const labels = all<{ same: number; source: string }>('SELECT same, source FROM labels WHERE face_a = ? OR face_b = ?', faceId, faceId);
    expect(labels).toHaveLength(Math.min(20, remaining));
    expect(labels.every((l) => l.same === 0 && l.source === 'reject')).toBe(true);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=face-tile]').length === n, remaining);
  });

  it('merges two people, and undo restores both', async () => {
    const [target, source] = all<{ id: number }>(
      "SELECT f.person_id AS id FROM faces f JOIN people pe ON pe.id = f.person_id WHERE pe.name IS NULL GROUP BY f.person_id ORDER BY count(*) DESC, f.person_id LIMIT 2",
    ).map((r) => r.id);
    const sourceFaces = all<{ id: number }>('SELECT id FROM faces WHERE person_id = ?', source).map((r) => r.id);
    await gotoPerson(target!);
    await page.getByTestId('merge').click();
    await page.getByTestId('merge-choice').first().waitFor();
    await screenshot(page, 'merge-dialog-light');
    await page.locator(`[data-testid=merge-choice][data-person-id="${source}"]`).click();
    await expect.poll(() => count('SELECT count(*) FROM people WHERE id = ?', source)).toBe(0);
    for (const f of sourceFaces) expect(personOf(f)).toBe(target);
    expect(count("SELECT count(*) FROM labels WHERE source = 'merge' AND same = 1")).toBeGreaterThan(0);

    await page.keyboard.press('Control+z');
    await expect.poll(() => count('SELECT count(*) FROM people WHERE id = ?', source)).toBe(1);
    for (const f of sourceFaces) expect(personOf(f)).toBe(source);
    expect(count("SELECT count(*) FROM labels WHERE source = 'merge'")).toBe(0);

    // And merged again, for good, from the header's undo history point of view.
    await page.getByTestId('merge').click();
    await page.locator(`[data-testid=merge-choice][data-person-id="${source}"]`).click();
    await expect.poll(() => count('SELECT count(*) FROM people WHERE id = ?', source)).toBe(0);
  });

  it('answers review pairs with the keyboard: Y, N, S and U', async () => {
    await page.getByTestId('nav-review').click();
    const pair = page.getByTestId('review-pair');
    await pair.waitFor();
    await screenshot(page, 'review-light');
    const current = async (): Promise<[number, number]> => (await pair.getAttribute('data-pair'))!.split(':').map(Number) as [number, number];
    const nextPair = async (prev: string): Promise<void> => {
      await page.waitForFunction((p) => document.querySelector('[data-testid=review-pair]')?.getAttribute('data-pair') !== p, prev);
    };
    // A key pressed while an answer is on its way is ignored: wait until the buttons are back.
    const ready = (): Promise<unknown> => page.waitForFunction(() => !(document.querySelector('[data-testid=answer-same]') as HTMLButtonElement | null)?.disabled);
    const labelOf = (a: number, b: number): { same: number; source: string } | undefined =>
      one('SELECT same, source FROM labels WHERE face_a = ? AND face_b = ?', Math.min(a, b), Math.max(a, b));

    // A fast reviewer answers the moment the next pair shows, even while the header's undo
    // list is still on its way (slowed down here so that a lost key press would show).
    const slowActionsList = async (route: Route): Promise<void> => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue().catch(() => undefined);
    };
    await page.route('**/api/actions.list', slowActionsList);
    const [a1, b1] = await current();
    const peopleBefore = [personOf(a1), personOf(b1)];
    await page.keyboard.press('y');
    await nextPair(`${a1}:${b1}`);
    expect(labelOf(a1, b1)).toEqual({ same: 1, source: 'review.same' });
    expect(personOf(a1)).toBe(personOf(b1));

    const [a2, b2] = await current();
    await page.keyboard.press('n');
    await nextPair(`${a2}:${b2}`);
    expect(labelOf(a2, b2)).toEqual({ same: 0, source: 'review.different' });
    await page.unroute('**/api/actions.list', slowActionsList);

    const [a3, b3] = await current();
    await page.keyboard.press('s');
    await nextPair(`${a3}:${b3}`);
    expect(labelOf(a3, b3)).toBeUndefined();
    expect(count("SELECT count(*) FROM actions WHERE kind = 'review.skip' AND undone_at IS NULL")).toBe(1);

    // U undoes the newest answer (the skip): the pair comes back.
    await ready();
    await page.keyboard.press('u');
    await page.waitForFunction((p) => document.querySelector('[data-testid=review-pair]')?.getAttribute('data-pair') === p, `${a3}:${b3}`);
    expect(count("SELECT count(*) FROM actions WHERE kind = 'review.skip' AND undone_at IS NULL")).toBe(0);
    // U again: the "different" answer is gone from the database too.
    await ready();
    await page.keyboard.press('u');
    await expect.poll(() => labelOf(a2, b2)).toBeUndefined();
    // And again: the "same" answer and its merge are undone.
    await ready();
    await page.keyboard.press('u');
    await expect.poll(() => labelOf(a1, b1)).toBeUndefined();
    expect([personOf(a1), personOf(b1)]).toEqual(peopleBefore);
    // The last word stays: one more "same", kept.
    await ready();
    const [a4, b4] = await current();
    await page.keyboard.press('y');
    await nextPair(`${a4}:${b4}`);
    expect(labelOf(a4, b4)).toEqual({ same: 1, source: 'review.same' });
  });

  it('shows a whole photo with its face boxes and names', async () => {
    const named = one<{ id: number }>("SELECT id FROM people WHERE name = 'Ada Lovelace'").id;
    await gotoPerson(named);
    await page.getByTestId('open-photo').first().click();
    await page.getByTestId('photo-face').first().waitFor();
    expect(await page.getByTestId('photo-face').first().getAttribute('aria-label')).toBe('Ada Lovelace');
    await screenshot(page, 'photo-light');
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor();
    await screenshot(page, 'shortcuts-light');
    await page.keyboard.press('Escape');
  });

  it('looks right in the dark theme and in a small window', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const person = one<{ id: number }>("SELECT id FROM people WHERE name = 'Ada Lovelace'").id;
    const photo = one<{ id: number }>('SELECT photo_id AS id FROM faces WHERE person_id = ? LIMIT 1', person).id;
    const screens: Array<[string, string, string]> = [
      ['library', '#/library', 'scan-card'],
      ['people', '#/people', 'people-grid'],
      ['person', `#/people/${person}`, 'faces-grid'],
      ['review', '#/review', 'review-pair'],
      ['photo', `#/photos/${photo}`, 'photo-face'],
    ];
    for (const [name, hash, testid] of screens) {
      await page.goto(`${served.origin}/${hash}`);
      await page.getByTestId(testid).first().waitFor();
      await screenshot(page, `${name}-dark`);
    }
    await page.setViewportSize({ width: 720, height: 560 });
    await page.goto(`${served.origin}/#/people`);
    await page.getByTestId('people-grid').waitFor();
    await screenshot(page, 'people-small-dark');
    await page.goto(`${served.origin}/#/review`);
    await page.getByTestId('review-pair').waitFor();
    await screenshot(page, 'review-small-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('ran without a console error or a Content-Security-Policy violation, and wrote nothing into the photos', () => {
    expect(errors).toEqual([]);
    expect(snapshotFolder(photos)).toEqual(before);
  });
});
