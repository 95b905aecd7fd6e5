import Database from 'better-sqlite3';
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { GROUPS, IDENTITIES, tempDir } from '../support/paths.js';
import { snapshotFolder } from '../support/snapshot.js';

// A home user's first hour, in headless Chromium against `facepair serve`: a library of
// shared portraits (6 of the 13 people) and group photos typed as `~/photos`, scanned in the window (paused and
// resumed), the people grid with the one-off faces under "Others", "Not a face", a name that
// is already taken ("Same person?", merge by default), an unnamed fragment found by likeness
// in the merge dialog, a review answered in an 800×600 window, and the Recent menu closed by
// Esc, a click outside and navigation. Every step is checked in the database and saved as
// screenshots at 1280×800 and 800×600, light and dark (test-results/screens/first-hour-*).

const dir = tempDir('first-hour');
const photos = path.join(dir, 'photos');
const dbFile = path.join(dir, 'library.db');
let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];
let db: Database.Database;
let before: string[];
/** The Library's figures for people and others after the scan: the People screen's tabs show the same. */
let libraryPeople: number;
let libraryOthers: number;

const one = <T>(sql: string, ...args: unknown[]): T => db.prepare(sql).get(...args) as T;
const count = (sql: string, ...args: unknown[]): number => (db.prepare(sql).pluck().get(...args) as number) ?? 0;
const personOf = (faceId: number): number | null => one<{ person_id: number | null }>('SELECT person_id FROM faces WHERE id = ?', faceId).person_id;
const facesOf = (personId: number): number =>
  count("SELECT count(*) FROM faces f JOIN photos p ON p.id = f.photo_id AND p.status = 'done' WHERE f.person_id = ? AND f.lost_at IS NULL", personId);
const ids = async (testid: string): Promise<number[]> =>
  (await page.locator(`[data-testid=${testid}]`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-person-id')))));

// Half the portrait people and the group photos but the two crowds (30 and 25 faces): the
// same moments at a fraction of the scan's time on a busy two-core machine.
const PORTRAIT_PEOPLE = ['id01', 'id02', 'id03', 'id04', 'id05', 'id06'];
const CROWDS = ['bald_guys.jpg', 'opencv-course_group1.jpg'];
const PHOTOS =
  PORTRAIT_PEOPLE.reduce((n, id) => n + readdirSync(path.join(IDENTITIES, id)).length, 0) + 18 - CROWDS.length;

const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
] as const;

/** The step as the user sees it, in both window sizes and both themes; back to 1280×800 light after. */
async function shots(step: string): Promise<void> {
  for (const size of SIZES) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize(size);
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `first-hour-${step}-${size.width}x${size.height}-${scheme}`);
    }
  }
  await page.setViewportSize(SIZES[0]);
  await page.emulateMedia({ colorScheme: 'light' });
}

type Box = { x: number; y: number; width: number; height: number };
const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The element's box, wholly inside the window (no scrolling needed to reach it). */
async function inView(locator: ReturnType<Page['locator']>): Promise<Box> {
  const box = (await locator.boundingBox())!;
  const size = page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(size.width);
  expect(box.y + box.height).toBeLessThanOrEqual(size.height);
  return box;
}

/** No toast on screen covers any of these elements. */
async function notCoveredByToasts(testids: string[]): Promise<void> {
  const toastBoxes = (await Promise.all((await page.getByTestId('toast').all()).map((t) => t.boundingBox()))).filter((b): b is Box => b !== null);
  for (const id of testids) {
    for (const el of await page.getByTestId(id).all()) {
      const box = await el.boundingBox();
      if (box) for (const t of toastBoxes) expect(overlap(box, t), `a toast covers ${id}`).toBe(false);
    }
  }
}

/** The number a Library figure shows. */
const stat = async (testid: string): Promise<number> => Number(((await page.getByTestId(testid).locator('strong').textContent()) ?? '').replace(/\D/g, ''));

async function gotoPerson(personId: number): Promise<void> {
  await page.goto(`${served.origin}/#/people/${personId}`);
  await page.getByTestId('faces-grid').waitFor();
}

beforeAll(async () => {
  for (const id of PORTRAIT_PEOPLE) cpSync(path.join(IDENTITIES, id), path.join(photos, 'portraits', id), { recursive: true });
  // The group photos but the two crowds (30 and 25 faces): as many strangers, at a third of the time.
  cpSync(GROUPS, path.join(photos, 'groups'), { recursive: true, filter: (src) => !CROWDS.includes(path.basename(src)) });
  before = snapshotFolder(photos);
  // The user's home is the test's folder: the window is told `~/photos`.
  served = await startServe(['--db', dbFile], { HOME: dir });
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

describe("a home user's first hour", () => {
  it('types ~/photos as the folder and scans it in the window; pause and resume go on where they stopped', async () => {
    await page.goto(served.url);
    await page.getByTestId('folder-input').fill('~/photos');
    await page.getByTestId('folder-input').press('Enter');
    await page.getByTestId('library-folder').filter({ hasText: photos }).waitFor();
    await page.getByTestId('folder-notice').filter({ hasText: 'is in the library now' }).waitFor();
    // The main action, scanning, is in view in a small window.
    await page.setViewportSize(SIZES[1]);
    await inView(page.getByTestId('scan-start'));
    await page.setViewportSize(SIZES[0]);
    await shots('1-folder');

    await page.getByTestId('scan-start').click();
    const read = (): Promise<number> =>
      page.evaluate(() => Number(/(\d+) of [\d,]+ photos read/.exec(document.querySelector('[data-testid=scan-progress]')?.textContent ?? '')?.[1] ?? -1));
    await page.waitForFunction(() => Number(/(\d+) of [\d,]+ photos read/.exec(document.querySelector('[data-testid=scan-progress]')?.textContent ?? '')?.[1] ?? 0) >= 4, undefined, {
      timeout: 240_000,
    });
    // The figures and the progress line count the same photos and the same faces.
    const both = await page.evaluate(() => {
      const line = document.querySelector('[data-testid=scan-progress]')?.textContent ?? '';
      const figure = (id: string): number => Number(document.querySelector(`[data-testid=${id}] strong`)?.textContent?.replace(/\D/g, ''));
      return {
        line: Number(/(\d+) of/.exec(line)?.[1]),
        card: figure('stat-photos'),
        total: Number(/of ([\d,]+) photos/.exec(line)?.[1]?.replace(/\D/g, '')),
        lineFaces: Number(/([\d,]+) faces? found/.exec(line)?.[1]?.replace(/\D/g, '')),
        cardFaces: figure('stat-faces'),
        waiting: figure('stat-waiting'),
      };
    });
    expect(both.card).toBe(both.line);
    expect(both.cardFaces).toBe(both.lineFaces);
    expect(both.card + both.waiting).toBe(both.total);
    // Adding the folder is done with: its notice went when the scan started.
    expect(await page.getByTestId('folder-notice').count()).toBe(0);
    await page.setViewportSize(SIZES[1]);
    await inView(page.getByRole('button', { name: 'Pause' }));
    await page.setViewportSize(SIZES[0]);
    // The photos are counted, not the XML files beside the group photos.
    expect(await page.getByTestId('scan-progress').textContent()).toMatch(new RegExp(`of ${PHOTOS} photos read`));
    await shots('2-scanning');

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor({ timeout: 240_000 });
    const pausedAt = count("SELECT count(*) FROM photos WHERE status IN ('done', 'error')");
    expect(count("SELECT count(*) FROM photos WHERE status = 'pending'")).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-testid=scan-card][data-scan-status=running]').waitFor();
    expect(await page.locator('[data-testid=scan-card] .stage').textContent()).not.toMatch(/Looking for photos/);
    expect(await read()).toBeGreaterThanOrEqual(pausedAt);

    await page.getByTestId('scan-summary').waitFor({ timeout: 840_000 });
    expect(await page.getByTestId('scan-summary').textContent()).toMatch(new RegExp(`Finished .*${PHOTOS} photos`));
    expect(await page.getByTestId('folder-notice').count()).toBe(0);
    await page.setViewportSize(SIZES[1]);
    await inView(page.getByTestId('scan-start'));
    await page.setViewportSize(SIZES[0]);
    // The figures are the library's, as the database holds it once the scan is done.
    await expect.poll(() => stat('stat-faces')).toBe(count("SELECT count(*) FROM faces f JOIN photos p ON p.id = f.photo_id AND p.status = 'done' WHERE f.lost_at IS NULL AND f.not_face_at IS NULL"));
    libraryPeople = await stat('stat-people');
    libraryOthers = await stat('stat-others');
    await shots('3-scanned');
  }, 900_000);

  it('shows on the first screen only people seen at least twice; the one-off faces wait under "Others"', async () => {
    await page.getByTestId('nav-people').click();
    await page.getByTestId('person-card').first().waitFor();
    const first = await ids('person-card');
    expect(first.length).toBeGreaterThan(0);
    for (const id of first) expect(facesOf(id)).toBeGreaterThanOrEqual(2);
    const others = Number(/\((\d+)\)/.exec((await page.getByTestId('people-tab-others').textContent()) ?? '')?.[1]);
    expect(others).toBe(count("SELECT count(*) FROM (SELECT f.person_id FROM faces f JOIN photos p ON p.id = f.photo_id AND p.status = 'done' GROUP BY f.person_id HAVING count(*) < 2)"));
    expect(others).toBeGreaterThan(0);
    // The Library said the same: one rule, one count.
    expect(others).toBe(libraryOthers);
    expect(await page.getByTestId('people-count').textContent()).toBe(`${libraryPeople} ${libraryPeople === 1 ? 'person' : 'people'}`);
    // In a small window the cards' rows do not run into each other, and each card holds its words.
    await page.setViewportSize(SIZES[1]);
    const cards = await page.getByTestId('person-card').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        const words = [...e.querySelectorAll('span')].map((x) => x.getBoundingClientRect().bottom);
        return { x: r.x, y: r.y, width: r.width, height: r.height, wordsBottom: Math.max(...words) };
      }),
    );
    expect(cards.length).toBeGreaterThan(1);
    for (const [i, a] of cards.entries()) {
      expect(a.wordsBottom).toBeLessThanOrEqual(a.y + a.height);
      for (const b of cards.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
    await page.setViewportSize(SIZES[0]);
    await shots('4-people');

    await page.getByTestId('people-tab-others').click();
    await page.getByTestId('people-count').filter({ hasText: new RegExp(`^${others} (person|people)$`) }).waitFor();
    await page.getByTestId('others-note').waitFor();
    for (const id of await ids('person-card')) expect(facesOf(id)).toBe(1);
    await shots('5-others');
  });

  it('"Not a face" takes a one-off detection out for good, goes back to the list, and can be undone', async () => {
    const card = page.getByTestId('person-card').first();
    const personId = Number(await card.getAttribute('data-person-id'));
    const faceId = one<{ id: number }>('SELECT id FROM faces WHERE person_id = ?', personId).id;
    await card.click();
    await page.getByTestId('person-not-a-face').click();
    await expect.poll(() => one<{ at: string | null }>('SELECT not_face_at AS at FROM faces WHERE id = ?', faceId).at).not.toBeNull();
    expect(personOf(faceId)).toBeNull();
    // Nothing is left of that person: back to the list it was opened from, which says what happened.
    await page.waitForURL((u) => u.hash === '#/people');
    await page.getByTestId('people-count').waitFor();
    const toast = page.getByTestId('toast').filter({ hasText: 'Marked the only picture of an unnamed person as not a face: that person is no longer listed' });
    await toast.waitFor();
    expect(await page.locator(`[data-testid=person-card][data-person-id="${personId}"]`).count()).toBe(0);
    // The pointer on it keeps it while the user reads it.
    await toast.hover();
    await shots('6-not-a-face');
    await toast.hover();
    // Undo from the toast: the face is a face again, in its person.
    await page.getByTestId('toast').getByTestId('toast-undo').click();
    await expect.poll(() => one<{ at: string | null }>('SELECT not_face_at AS at FROM faces WHERE id = ?', faceId).at).toBeNull();
    expect(personOf(faceId)).toBe(personId);
    await page.getByTestId('toast').filter({ hasText: /^Undone: Marked the only picture/ }).waitFor();
    await page.locator(`[data-testid=person-card][data-person-id="${personId}"]`).waitFor();
  });

  let angelina: number;

  it('a click on a face opens its photo; Ctrl-click selects it, as photo apps do', async () => {
    angelina = one<{ id: number }>(
      "SELECT f.person_id AS id FROM faces f JOIN photos p ON p.id = f.photo_id AND p.status = 'done' WHERE f.person_id IS NOT NULL GROUP BY f.person_id ORDER BY count(*) DESC, f.person_id LIMIT 1",
    ).id;
    await gotoPerson(angelina);
    await page.getByTestId('rename').click();
    await page.getByTestId('name-input').fill('Angelina Jolie');
    await page.getByTestId('name-input').press('Enter');
    await expect.poll(() => one<{ name: string | null }>('SELECT name FROM people WHERE id = ?', angelina).name).toBe('Angelina Jolie');
    await page.getByTestId('toast').filter({ hasText: 'Named Angelina Jolie' }).waitFor();

    const tile = page.getByTestId('face-tile').first();
    const photoId = one<{ id: number }>('SELECT photo_id AS id FROM faces WHERE id = ?', Number(await tile.getAttribute('data-face-id'))).id;
    await tile.getByTestId('open-photo').click();
    await page.waitForURL((u) => u.hash === `#/photos/${photoId}`);
    await page.getByTestId('photo-face').first().waitFor();
    await page.goBack();
    await page.getByTestId('faces-grid').waitFor();
    await page.getByTestId('face-tile').nth(1).getByTestId('open-photo').click({ modifiers: ['Control'] });
    await page.getByTestId('selection-count').filter({ hasText: '1 face selected' }).waitFor();
    expect(page.url()).toContain(`#/people/${angelina}`);
    await shots('7-person-selected');
  });

  it('"Not this person" says where the face went, with a link; naming it with a name already used offers the merge, as the default', async () => {
    const faceId = Number(await page.getByTestId('face-tile').nth(1).getAttribute('data-face-id'));
    await page.getByTestId('reject').click();
    await expect.poll(() => personOf(faceId)).not.toBe(angelina);
    const fragment = personOf(faceId)!;
    const toast = page.getByTestId('toast').filter({ hasText: 'Took a face out of Angelina Jolie: it is now an unnamed person of its own' });
    await toast.waitFor();
    expect(await toast.textContent()).not.toMatch(/#\d/);
    expect(await toast.getByTestId('toast-link').getAttribute('href')).toBe(`#/people/${fragment}`);
    await screenshot(page, 'first-hour-8-toast-1280x800-light');
    await toast.getByTestId('toast-link').click();
    await page.waitForURL((u) => u.hash === `#/people/${fragment}`);
    await page.getByTestId('faces-grid').waitFor();
    await shots('8-not-this-person');

    await page.getByTestId('rename').click();
    await page.getByTestId('name-input').fill('angelina jolie');
    await page.getByTestId('name-input').press('Enter');
    const dialog = page.getByTestId('same-name-dialog');
    await dialog.getByText(`There is already Angelina Jolie (${count("SELECT count(DISTINCT photo_id) FROM faces WHERE person_id = ?", angelina)} photos). Is this the same person?`).waitFor();
    expect(one<{ name: string | null }>('SELECT name FROM people WHERE id = ?', fragment).name).toBeNull();
    // Its two answers side by side, in view in a small window.
    await page.setViewportSize(SIZES[1]);
    const yes = await inView(dialog.getByTestId('same-name-merge'));
    const no = await inView(dialog.getByTestId('same-name-different'));
    expect(Math.abs(yes.y - no.y)).toBeLessThan(2);
    await page.setViewportSize(SIZES[0]);
    await shots('9-same-name');
    // Enter takes the default answer: the same person, merged.
    await page.keyboard.press('Enter');
    await expect.poll(() => personOf(faceId)).toBe(angelina);
    expect(count('SELECT count(*) FROM people WHERE id = ?', fragment)).toBe(0);
    await page.waitForURL((u) => u.hash === `#/people/${angelina}`);
    await page.getByTestId('toast').filter({ hasText: 'Merged an unnamed person (1 photo) into Angelina Jolie' }).waitFor();
  });

  it('the merge dialog lists the most alike first, with their faces: an unnamed fragment is found without a name', async () => {
    await gotoPerson(angelina);
    const faceId = Number(await page.getByTestId('face-tile').nth(2).getAttribute('data-face-id'));
    await page.getByTestId('face-tile').nth(2).getByTestId('face-select').click();
    await page.getByTestId('reject').click();
    await expect.poll(() => personOf(faceId)).not.toBe(angelina);
    const fragment = personOf(faceId)!;
    await page.getByTestId('face-tile').first().waitFor();

    await page.getByTestId('merge').click();
    await page.getByTestId('merge-choice').first().waitFor();
    const order = await ids('merge-choice');
    expect(order.indexOf(fragment)).toBeGreaterThanOrEqual(0);
    expect(order.indexOf(fragment)).toBeLessThan(3);
    const choice = page.locator(`[data-testid=merge-choice][data-person-id="${fragment}"]`);
    expect(await choice.textContent()).toMatch(/Unnamed/);
    expect(await choice.locator('img').count()).toBeGreaterThan(0);
    // In a small window the dialog fits: its choices and its footer's Cancel are in view.
    await page.setViewportSize(SIZES[1]);
    await inView(page.getByTestId('merge-dialog'));
    await inView(page.getByTestId('merge-cancel'));
    await inView(page.getByTestId('merge-choice').first());
    await page.setViewportSize(SIZES[0]);
    await shots('10-merge-dialog');
    await choice.click();
    await expect.poll(() => personOf(faceId)).toBe(angelina);
    const merged = page.getByTestId('toast').filter({ hasText: 'Merged an unnamed person (1 photo) into Angelina Jolie' });
    await merged.waitFor();
    expect(await merged.getByTestId('toast-undo').count()).toBe(1);
    await screenshot(page, 'first-hour-11-merged-toast-1280x800-light');
    // Going to another page dismisses it: it never lingers over the next screen.
    await page.getByTestId('nav-people').click();
    await page.getByTestId('people-count').waitFor();
    expect(await page.getByTestId('toast').count()).toBe(0);
    await gotoPerson(angelina);
    await shots('11-person');
  });

  it('answers a review in an 800×600 window without scrolling', async () => {
    await page.setViewportSize({ width: 800, height: 600 });
    await page.getByTestId('nav-review').click();
    const pair = page.getByTestId('review-pair');
    await pair.waitFor();
    await page.waitForFunction(() => [...document.images].every((i) => i.complete));
    for (const b of ['answer-same', 'answer-different', 'answer-skip', 'answer-undo']) {
      const box = (await page.getByTestId(b).boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(600);
    }
    expect(await page.evaluate(() => document.querySelector('.page')?.scrollTop ?? -1)).toBe(0);
    // Both faces and their whole photos are in view above the answers, not behind them.
    const answersTop = (await page.getByTestId('review-answers').boundingBox())!.y;
    for (const side of ['review-face-a', 'review-face-b']) {
      const box = (await page.getByTestId(side).boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(answersTop + 1);
    }
    expect(await page.getByTestId('review-reason').textContent()).not.toMatch(/\d\.\d/);
    await shots('12-review');
    await page.setViewportSize({ width: 800, height: 600 });
    const [a, b] = (await pair.getAttribute('data-pair'))!.split(':').map(Number) as [number, number];
    await page.getByTestId('answer-same').click();
    await expect
      .poll(() => one<{ source: string } | undefined>('SELECT source FROM labels WHERE face_a = ? AND face_b = ?', Math.min(a, b), Math.max(a, b))?.source)
      .toBe('review.same');
    // Undo (U) says what it undid in the answers' bar, covering neither the faces nor the buttons.
    await page.waitForFunction(() => !(document.querySelector('[data-testid=answer-undo]') as HTMLButtonElement | null)?.disabled);
    await page.keyboard.press('u');
    const undone = page.getByTestId('review-answers').getByTestId('toast').filter({ hasText: /^Undone: / });
    await undone.waitFor();
    await expect.poll(() => one<{ source: string } | undefined>('SELECT source FROM labels WHERE face_a = ? AND face_b = ?', Math.min(a, b), Math.max(a, b))).toBeUndefined();
    await notCoveredByToasts(['answer-same', 'answer-different', 'answer-skip', 'answer-undo', 'review-face-a', 'review-face-b']);
    // The answers' bar did not grow over the photos to hold it.
    const barTop = (await page.getByTestId('review-answers').boundingBox())!.y;
    for (const side of ['review-face-a', 'review-face-b']) {
      const box = (await page.getByTestId(side).boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(barTop + 1);
    }
    for (const b of ['answer-same', 'answer-different']) await inView(page.getByTestId(b));
    await shots('12-review-undone');
    await page.setViewportSize(SIZES[0]);
  });

  it('the Recent menu closes on Esc, on a click outside it, and on going to another screen', async () => {
    const menu = page.getByTestId('recent-actions');
    await page.getByTestId('recent-toggle').click();
    await menu.waitFor();
    expect(await menu.textContent()).not.toMatch(/#\d/);
    await shots('13-recent');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });

    await page.getByTestId('recent-toggle').click();
    await menu.waitFor();
    await page.locator('h1').first().click();
    await menu.waitFor({ state: 'detached' });

    await page.getByTestId('recent-toggle').click();
    await menu.waitFor();
    await page.goto(`${served.origin}/#/library`);
    await menu.waitFor({ state: 'detached' });
  });

  it('the keyboard shortcuts fit a small window: the list scrolls between its title and its Close button', async () => {
    await page.setViewportSize(SIZES[1]);
    await page.locator('h1').first().click();
    await page.keyboard.press('?');
    const dialog = page.getByTestId('shortcuts');
    await dialog.waitFor();
    await inView(dialog);
    await inView(page.getByTestId('shortcuts-close'));
    await page.setViewportSize(SIZES[0]);
    await shots('14-shortcuts');
    await page.setViewportSize(SIZES[1]);
    const last = dialog.locator('dd').last();
    await last.scrollIntoViewIfNeeded();
    await inView(last);
    await page.getByTestId('shortcuts-close').click();
    await dialog.waitFor({ state: 'hidden' });
    await page.setViewportSize(SIZES[0]);
  });

  it('ran without a console error and wrote nothing into the photos', () => {
    // A person's page that was merged away or emptied answers 404 once before it shows so.
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    expect(snapshotFolder(photos)).toEqual(before);
  });
});
