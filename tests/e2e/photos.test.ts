import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiMethod, ApiParams, ApiResult } from '../../src-main/core/contract/api.js';
import { overlaps, type Rect } from '../../src-renderer/src/lib/label-placement.js';
import { launchBrowser, screenshot, startServe, watchErrors, type Served } from '../support/browser.js';
import { GROUPS, tempDir } from '../support/paths.js';

// The Photos screen and the Photo screen in headless Chromium over `facepair serve`, on five
// photos of photos/groups (one of 23 people, one without a face): the grid by month, the
// people filter, naming a face on its photo (kept through a re-analysis), and name labels on
// a crowded photo that cover neither each other nor a face. Screenshots: test-results/screens/.

const dir = tempDir('e2e-photos');
const photosDir = path.join(dir, 'photos');
const dbFile = path.join(dir, 'library.db');
// File times in different months: these photos carry no date of their own.
const PHOTOS: Array<[string, string]> = [
  ['opencv-course_group1.jpg', '2024-06-15T12:00:00Z'],
  ['opencv-course_group2.jpg', '2024-03-10T12:00:00Z'],
  ['deepface_couple.jpg', '2023-12-24T18:00:00Z'],
  ['opencv-course_lady_single.jpg', '2023-12-02T09:00:00Z'],
  ['opencv-course_park_NO_FACES.jpg', '2023-08-01T16:00:00Z'],
];
let served: Served;
let context: BrowserContext;
let page: Page;
let errors: string[];
let db: Database.Database;
let token: string;

const one = <T>(sql: string, ...args: unknown[]): T => db.prepare(sql).get(...args) as T;
const photoId = (file: string): number => one<{ id: number }>('SELECT id FROM photos WHERE path = ?', path.join(photosDir, file)).id;
const personOf = (faceId: number): { person_id: number | null; lost_at: string | null } => one('SELECT person_id, lost_at FROM faces WHERE id = ?', faceId);

async function api<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const res = await fetch(`${served.origin}/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-FacePair-Token': token }, body: JSON.stringify(params) });
  const body = (await res.json()) as { ok: boolean; result?: ApiResult<M>; error?: { message: string } };
  if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
  return body.result!;
}

async function scanAndWait(): Promise<void> {
  await api('scan.start', {});
  const deadline = Date.now() + 300_000;
  let state = await api('scan.state', {});
  while (state.status !== 'idle' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    state = await api('scan.state', {});
  }
  if (state.last?.outcome !== 'finished') throw new Error(`the scan did not finish: ${JSON.stringify(state)}`);
}

beforeAll(async () => {
  mkdirSync(photosDir, { recursive: true });
  for (const [file, time] of PHOTOS) {
    copyFileSync(path.join(GROUPS, file), path.join(photosDir, file));
    utimesSync(path.join(photosDir, file), new Date(time), new Date(time));
  }
  served = await startServe(['--db', dbFile, '--library', photosDir]);
  token = new URL(served.url).searchParams.get('token')!;
  await scanAndWait();
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

/** Two faces of the crowded photo, of two people, named through the API as the People screen would. */
async function nameTwoInGroup(): Promise<{ anna: number; ben: number; annaFace: number }> {
  const photo = await api('photos.get', { photoId: photoId('opencv-course_group1.jpg') });
  const faces = photo.faces.filter((f) => f.personId !== null);
  const [a, b] = [faces[0]!, faces.find((f) => f.personId !== faces[0]!.personId)!];
  await api('people.rename', { personId: a.personId!, name: 'Anna' });
  await api('people.rename', { personId: b.personId!, name: 'Ben' });
  return { anna: a.personId!, ben: b.personId!, annaFace: a.faceId };
}

describe('finding photos in the window', () => {
  let named: { anna: number; ben: number; annaFace: number };

  it('shows every photo by date, faces or not, labelled by month', async () => {
    named = await nameTwoInGroup();
    await page.goto(served.url);
    await page.getByTestId('nav-photos').click();
    await page.getByTestId('photo-tile').first().waitFor();
    expect(await page.getByTestId('photos-count').textContent()).toBe('5 photos');
    const order = await page.getByTestId('photo-tile').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))));
    expect(order).toEqual(PHOTOS.map(([file]) => photoId(file)));
    // June 2024, March 2024, December 2023 (two photos), August 2023. The labels come with the
    // tiles' dates, which may arrive after the tiles: wait for one before counting them.
    await page.getByTestId('month-label').first().waitFor();
    expect(await page.getByTestId('month-label').count()).toBe(4);
    const crowd = one<{ n: number }>('SELECT count(*) AS n FROM faces WHERE photo_id = ? AND lost_at IS NULL', photoId('opencv-course_group1.jpg')).n;
    expect(await page.getByTestId('photo-tile').first().getByTestId('photo-tile-people').textContent()).toMatch(new RegExp(`^(Anna, Ben|Ben, Anna), ${crowd - 2} unnamed$`));
    // The grid shows thumbnails (400 px at most), not the photos themselves.
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=photo-tile] img')].every((i) => (i as HTMLImageElement).naturalWidth > 0), undefined, { timeout: 90_000 });
    const sides = await page.locator('[data-testid=photo-tile] img').evaluateAll((imgs) => imgs.map((i) => Math.max((i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight)));
    expect(sides).toHaveLength(PHOTOS.length);
    expect(sides.every((s) => s === 400)).toBe(true);
    await screenshot(page, 'photos-light');
  });

  it('names a face on its photo: a name someone has puts the face with them, and a re-analysis keeps it', async () => {
    const group2 = photoId('opencv-course_group2.jpg');
    await page.locator(`[data-testid=photo-tile][data-photo-id="${group2}"]`).click();
    await page.getByTestId('photo-person').first().waitFor();
    const item = page.getByTestId('photo-person').first();
    const faceId = Number(await item.getAttribute('data-face-id'));
    await item.getByTestId('face-name-input').fill('anna');
    await item.getByTestId('face-name-input').press('Enter');
    await expect.poll(() => personOf(faceId).person_id).toBe(named.anna);
    await page.locator(`[data-testid=face-label][data-face-id="${faceId}"]`).filter({ hasText: 'Anna' }).waitFor();

    // The photo's file changes (re-encoded): it is analysed again, and the face stays Anna's.
    const file = path.join(photosDir, 'opencv-course_group2.jpg');
    writeFileSync(file, await sharp(path.join(GROUPS, 'opencv-course_group2.jpg')).jpeg({ quality: 88 }).toBuffer());
    const hashBefore = one<{ content_hash: string }>('SELECT content_hash FROM photos WHERE id = ?', group2).content_hash;
    await scanAndWait();
    expect(one<{ content_hash: string }>('SELECT content_hash FROM photos WHERE id = ?', group2).content_hash).not.toBe(hashBefore);
    expect(personOf(faceId)).toEqual({ person_id: named.anna, lost_at: null });
    expect(one<{ name: string }>('SELECT name FROM people WHERE id = ?', named.anna).name).toBe('Anna');
    await page.reload();
    const input = page.locator(`[data-testid=photo-person][data-face-id="${faceId}"] input`);
    await expect.poll(() => input.inputValue()).toBe('Anna');

    // Another name for a named face: this face alone leaves Anna, for a person of that name; and back.
    const nameOf = (face: number): string | null => one<{ name: string | null }>('SELECT pe.name FROM faces f JOIN people pe ON pe.id = f.person_id WHERE f.id = ?', face).name;
    await input.fill('Cleo');
    await input.press('Enter');
    await expect.poll(() => nameOf(faceId)).toBe('Cleo');
    expect(personOf(named.annaFace).person_id).toBe(named.anna);
    expect(nameOf(named.annaFace)).toBe('Anna');
    await input.fill('Anna');
    await input.press('Enter');
    await expect.poll(() => personOf(faceId).person_id).toBe(named.anna);
  });

  it('filters by two people: only the photos of both together', async () => {
    await page.getByTestId('nav-photos').click();
    await page.getByTestId('photo-tile').first().waitFor();
    await page.getByTestId('photos-person-input').fill('Anna');
    await page.getByTestId('photos-person-input').press('Enter');
    await page.getByTestId('photos-count').filter({ hasText: /^2 photos$/ }).waitFor();
    await page.getByTestId('photos-person-input').fill('ben');
    await page.getByTestId('photos-person-input').press('Enter');
    await page.getByTestId('photos-count').filter({ hasText: /^1 photo$/ }).waitFor();
    expect(await page.getByTestId('photos-title').textContent()).toBe('Photos with Anna and Ben');
    expect(await page.getByTestId('person-chip').count()).toBe(2);
    const shown = await page.getByTestId('photo-tile').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))));
    expect(shown).toEqual([photoId('opencv-course_group1.jpg')]);
    await screenshot(page, 'photos-filtered-light');
  });

  it('labels a crowded photo without a label covering another label or a face', async () => {
    await page.getByTestId('photo-tile').first().click();
    await page.getByTestId('photo-people').waitFor();
    const faces = await page.getByTestId('photo-face').count();
    expect(faces).toBeGreaterThan(15);
    await page.getByTestId('face-label').first().waitFor();
    const rect = async (sel: string): Promise<Array<Rect & { id: string; text: string }>> =>
      page.locator(sel).evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { x: r.x, y: r.y, w: r.width, h: r.height, id: e.getAttribute('data-face-id') ?? '', text: e.textContent ?? '' };
        }),
      );
    const labels = await rect('[data-testid=face-label]');
    const boxes = await rect('[data-testid=photo-face]');
    expect(labels.map((l) => l.text).sort()).toEqual(['Anna', 'Ben']);
    for (const [i, a] of labels.entries()) {
      for (const b of labels.slice(i + 1)) expect(overlaps(a, b), `labels of faces ${a.id} and ${b.id} overlap`).toBe(false);
      for (const box of boxes) expect(overlaps(a, box), `the label of face ${a.id} covers face ${box.id}`).toBe(false);
    }
    // Everyone is listed beside the photo, and an unnamed face's label shows when pointed at there.
    expect(await page.getByTestId('photo-person').count()).toBe(faces);
    const unnamed = boxes.find((b) => !labels.some((l) => l.id === b.id))!;
    const hoverLabel = page.locator(`[data-testid=photo-face][data-face-id="${unnamed.id}"] .label`);
    expect(await hoverLabel.isVisible()).toBe(false);
    await page.locator(`[data-testid=photo-person][data-face-id="${unnamed.id}"]`).hover();
    await expect.poll(() => hoverLabel.isVisible()).toBe(true);
    expect(await hoverLabel.textContent()).toBe('Unnamed');
    await page.mouse.move(0, 0);
    await page.getByTestId('photo-people').evaluate((list) => list.parentElement!.scrollTo(0, 0));
    await screenshot(page, 'photo-crowded-light');
    expect(errors).toEqual([]);
  });
});
