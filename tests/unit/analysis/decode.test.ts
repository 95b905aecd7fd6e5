import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePhoto } from '../../../src-main/core/analysis/decode.js';
import { writeBadFiles } from '../../support/bad-files.js';
import { IDENTITIES, tempDir } from '../../support/paths.js';

const good = path.join(IDENTITIES, 'id01/img1.jpg');

describe('decodePhoto', () => {
  const dir = tempDir('decode');
  const bad = writeBadFiles(dir, good);
  const reason = async (file: string): Promise<string> => {
    try {
      await decodePhoto(file, 1024);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error(`${file} decoded without error`);
  };

  it('decodes a photo shrunk to the requested size, keeping the original size', async () => {
    const meta = await sharp(good).metadata();
    const d = await decodePhoto(good, 512);
    expect(Math.max(d.image.width, d.image.height)).toBe(512);
    expect(d.image.data.length).toBe(d.image.width * d.image.height * 3);
    expect([d.width, d.height]).toEqual([meta.width, meta.height]);
    expect(d.format).toBe('jpg');
  });

  it('recognises a WebP file by content even with a .jpg name', async () => {
    const d = await decodePhoto(path.join(IDENTITIES, 'id03/img47.jpg'), 256);
    expect(d.format).toBe('webp');
  });

  it('applies the EXIF orientation before anything looks at the pixels', async () => {
    // A landscape image stored sideways with orientation 6 (rotate 90° clockwise to view).
    const file = path.join(dir, 'rotated.jpg');
    await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(file);
    const d = await decodePhoto(file, 1024);
    expect([d.width, d.height]).toEqual([200, 300]);
    expect([d.image.width, d.image.height]).toEqual([200, 300]);
  });

  it('reads the capture date from EXIF', async () => {
    const file = path.join(dir, 'dated.jpg');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
      .jpeg()
      .withExif({ IFD0: { DateTime: '2019:07:14 10:20:30' }, IFD2: { DateTimeOriginal: '2019:07:14 10:20:30' } } as never)
      .toFile(file);
    const d = await decodePhoto(file, 64);
    expect(d.takenAt).toMatch(/^2019-07-1[34]T/);
  });

  it('fails each kind of bad file with a message a user understands', async () => {
    expect(await reason(path.join(dir, bad.empty!))).toMatch(/empty/);
    expect(await reason(path.join(dir, bad.truncated!))).toMatch(/truncated|corrupt/);
    expect(await reason(path.join(dir, bad.corrupt!))).toMatch(/corrupt|truncated/);
    expect(await reason(path.join(dir, bad.text!))).toMatch(/not an image|not a supported image/);
    expect(await reason(path.join(dir, bad.huge!))).toMatch(/too large to decode safely/);
    expect(await reason(path.join(dir, 'vanished.jpg'))).toMatch(/vanished/);
    const folder = path.join(dir, 'folder.jpg');
    mkdirSync(folder);
    expect(await reason(folder)).toMatch(/cannot read/);
  });
});
