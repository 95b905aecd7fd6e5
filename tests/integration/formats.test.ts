import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliJson } from '../support/cli.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

const hasHeifEnc = spawnSync('heif-enc', ['--version']).status !== null;

interface Person {
  faces: Array<{ photo: string; box: [number, number, number, number] }>;
}

describe('photos in every supported format, recognised by content', () => {
  const root = tempDir('formats');
  const lib = path.join(root, 'photos');
  const db = path.join(root, 'library.db');
  const source = path.join(IDENTITIES, 'id01/img1.jpg');
  let people: Person[];
  let status: { photos: Record<string, number>; errors: Array<{ path: string; error: string }> };
  let width = 0, height = 0;

  beforeAll(async () => {
    mkdirSync(lib, { recursive: true });
    const base = sharp(source).resize(600);
    ({ width, height } = await base.clone().toBuffer({ resolveWithObject: true }).then((r) => r.info));
    await base.clone().png().toFile(path.join(lib, 'face.png'));
    await base.clone().webp().toFile(path.join(lib, 'face.webp'));
    await base.clone().tiff().toFile(path.join(lib, 'face.tif'));
    await base.clone().avif().toFile(path.join(lib, 'face.avif'));
    await base.clone().gif().toFile(path.join(lib, 'face.gif'));
    // No extension at all: found by its content.
    await base.clone().jpeg().toFile(path.join(lib, 'scan-0001'));
    // Stored sideways with EXIF orientation 6: upright only once the orientation is applied.
    const upright = await base.clone().png().toBuffer();
    await sharp(upright).rotate(-90).jpeg().withMetadata({ orientation: 6 }).toFile(path.join(lib, 'sideways.jpg'));
    if (hasHeifEnc) {
      const jpeg = path.join(root, 'for-heic.jpg');
      await base.clone().jpeg().toFile(jpeg);
      execFileSync('heif-enc', ['-q', '70', jpeg, '-o', path.join(lib, 'face.heic')]);
    }
    runCliJson(['scan', lib, '--db', db]);
    people = runCliJson(['people', '--db', db]);
    status = runCliJson(['status', '--db', db]);
  });

  it('reads PNG, WebP, TIFF, AVIF, GIF, HEIC and an extension-less JPEG, and finds the face in each', () => {
    expect(status.errors).toEqual([]);
    expect(status.photos.done).toBe(hasHeifEnc ? 8 : 7);
    const photos = new Set(people.flatMap((p) => p.faces.map((f) => path.basename(f.photo))));
    const expected = ['face.png', 'face.webp', 'face.tif', 'face.avif', 'face.gif', 'scan-0001', 'sideways.jpg'];
    if (hasHeifEnc) expected.push('face.heic');
    expect([...photos].sort()).toEqual(expected.sort());
  });

  it('groups the copies of one face into one person', () => {
    expect(people[0]!.faces.length).toBe(hasHeifEnc ? 8 : 7);
  });

  it('gives boxes in the upright photo, EXIF orientation applied', () => {
    const upright = people.flatMap((p) => p.faces).find((f) => f.photo.endsWith('face.png'))!;
    const sideways = people.flatMap((p) => p.faces).find((f) => f.photo.endsWith('sideways.jpg'))!;
    for (let i = 0; i < 4; i++) expect(Math.abs(sideways.box[i]! - upright.box[i]!)).toBeLessThan(0.05 * width);
    expect(upright.box[1]! + upright.box[3]!).toBeLessThanOrEqual(height + 2);
  });
});
