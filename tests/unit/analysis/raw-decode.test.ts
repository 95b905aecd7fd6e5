import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto, orient, rawPictureSize } from '../../../src-main/core/analysis/decode.js';
import { fingerprintImage } from '../../../src-main/core/analysis/fingerprint.js';
import { closeRawPreviews, exifLocalTime, parseSize } from '../../../src-main/core/analysis/raw-preview.js';
import { hammingDistance } from '../../../src-main/core/duplicates/hamming-index.js';
import { IDENTITIES, tempDir } from '../../support/paths.js';
import { writeDng } from '../../support/raw-fixture.js';

// Camera RAW files are read through the JPEG preview embedded in them, turned upright by the
// RAW's own orientation. The DNG files are made here, from a photo of the shared datasets.

const SOURCE = path.join(IDENTITIES, 'id01/img1.jpg');

describe('orient', () => {
  it('turns pixels upright for every EXIF orientation exactly as sharp does for a file carrying it', async () => {
    // An asymmetric 5×3 picture: every turn and mirror gives other pixels.
    const raw = Buffer.from(Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256));
    const input = { raw: { width: 5, height: 3, channels: 3 as const } };
    for (let o = 1; o <= 8; o++) {
      const tagged = await sharp(raw, input).withMetadata({ orientation: o }).tiff({ compression: 'none' }).toBuffer();
      const want = await sharp(tagged).rotate().raw().toBuffer({ resolveWithObject: true });
      const got = await orient(sharp(raw, input), o).raw().toBuffer({ resolveWithObject: true });
      expect([got.info.width, got.info.height], `orientation ${o}`).toEqual([want.info.width, want.info.height]);
      expect(got.data.equals(want.data), `orientation ${o}`).toBe(true);
    }
  });
});

describe('decodePhoto on a RAW file', () => {
  const dir = tempDir('raw-decode');
  const folder = path.join(dir, 'photos');
  let upright: { data: Buffer; width: number; height: number };
  /** The sensor's picture as the camera stored it (sideways, as the preview): 8 times the preview's size. */
  let sensor: { width: number; height: number };

  // The test runner stops its workers outright: the ExifTool is ended here, not left running.
  afterAll(() => closeRawPreviews());

  beforeAll(async () => {
    const r = await sharp(SOURCE).rotate().resize(600).jpeg({ quality: 92 }).toBuffer({ resolveWithObject: true });
    upright = { data: r.data, width: r.info.width, height: r.info.height };
    // The camera stores the preview as the sensor saw it (here turned a quarter left) and says in the RAW how to turn it.
    const stored = await sharp(r.data).rotate(270).jpeg({ quality: 92 }).toBuffer({ resolveWithObject: true });
    const dng = { preview: stored.data, previewWidth: stored.info.width, previewHeight: stored.info.height, orientation: 6, takenAt: '2021:05:06 07:08:09' };
    mkdirSync(folder);
    writeDng(path.join(folder, 'IMG_0042.dng'), dng);
    writeDng(path.join(folder, 'odd\nname -x.DNG'), dng);
    sensor = { width: stored.info.width * 8, height: stored.info.height * 8 };
    writeDng(path.join(folder, 'IMG_0043.dng'), { ...dng, sensor: { width: sensor.width + 32, height: sensor.height + 24, crop: [sensor.width, sensor.height] } });
    writeDng(path.join(folder, 'IMG_0044.dng'), { ...dng, sensor: { width: sensor.width + 32, height: sensor.height + 24 } });
    // Packed sensor data: a width that is not the picture's (here half of it).
    writeDng(path.join(folder, 'IMG_0045.dng'), { ...dng, sensor: { width: sensor.width / 2, height: sensor.height } });
    writeFileSync(path.join(folder, 'IMG_0042.jpg'), upright.data);
    writeFileSync(path.join(folder, 'broken.nef'), Buffer.from('not a raw file at all'));
  });

  it('reads the preview upright by the RAW orientation: the same picture as the JPEG of the shot', async () => {
    const before = readdirSync(folder).map((f) => [f, statSync(path.join(folder, f)).mtimeMs]);
    const raw = await decodePhoto(path.join(folder, 'IMG_0042.dng'), 1024);
    const jpeg = await decodePhoto(path.join(folder, 'IMG_0042.jpg'), 1024);
    expect(raw).toMatchObject({ format: 'dng', width: upright.width, height: upright.height, takenAt: exifLocalTime('2021:05:06 07:08:09') });
    expect([raw.image.width, raw.image.height]).toEqual([jpeg.image.width, jpeg.image.height]);
    const a = fingerprintImage(raw.image), b = fingerprintImage(jpeg.image);
    expect(hammingDistance(a.dct, b.dct)).toBeLessThanOrEqual(4);
    expect(hammingDistance(a.gradient, b.gradient)).toBeLessThanOrEqual(4);
    // Read in memory: nothing written beside the photos.
    expect(readdirSync(folder).map((f) => [f, statSync(path.join(folder, f)).mtimeMs])).toEqual(before);
  });

  it("gives a RAW the size of its own picture, upright: the DNG's crop, else the sensor image, never a size that cannot be the picture's", async () => {
    const cropped = await decodePhoto(path.join(folder, 'IMG_0043.dng'), 256);
    // Stored sideways with orientation 6: the upright picture is the sensor's turned a quarter.
    expect([cropped.width, cropped.height]).toEqual([sensor.height, sensor.width]);
    const uncropped = await decodePhoto(path.join(folder, 'IMG_0044.dng'), 256);
    expect([uncropped.width, uncropped.height]).toEqual([sensor.height + 24, sensor.width + 32]);
    const packed = await decodePhoto(path.join(folder, 'IMG_0045.dng'), 256);
    expect([packed.width, packed.height]).toEqual([upright.width, upright.height]);
    // The pixels read are the preview's all the same.
    expect([cropped.image.width, cropped.image.height]).toEqual([packed.image.width, packed.image.height]);
  });

  it('reads declared sizes in the forms ExifTool writes them, and keeps the preview\'s when the declared one is implausible', () => {
    expect(parseSize('6000 4000')).toEqual({ width: 6000, height: 4000 });
    expect(parseSize('6016x4016')).toEqual({ width: 6016, height: 4016 });
    expect(parseSize([5472, 3648])).toEqual({ width: 5472, height: 3648 });
    expect(parseSize([undefined, undefined])).toBeNull();
    expect(parseSize('0 0')).toBeNull();
    expect(parseSize(undefined)).toBeNull();
    const preview = { width: 1620, height: 1080 };
    expect(rawPictureSize({ width: 6000, height: 4000 }, preview)).toEqual({ width: 6000, height: 4000 });
    expect(rawPictureSize(null, preview)).toEqual(preview);
    expect(rawPictureSize({ width: 160, height: 120 }, preview)).toEqual(preview);
    expect(rawPictureSize({ width: 4000, height: 6000 }, preview)).toEqual(preview);
    expect(rawPictureSize({ width: 3000, height: 4000 }, preview)).toEqual(preview);
    // Sensor borders (a NEF's 6032×4032 for a 6000×4000 picture) are within a camera's figures; another shape is not.
    expect(rawPictureSize({ width: 6032, height: 4032 }, preview)).toEqual({ width: 6032, height: 4032 });
    expect(rawPictureSize({ width: 6000, height: 4300 }, preview)).toEqual(preview);
  });

  it('reads a RAW file named with a line break and a dash, and says why a broken one cannot be read', async () => {
    const odd = await decodePhoto(path.join(folder, 'odd\nname -x.DNG'), 256);
    expect(odd.format).toBe('dng');
    await expect(decodePhoto(path.join(folder, 'broken.nef'), 256)).rejects.toThrow(/cannot read the NEF file's preview/);
    await expect(decodePhoto(path.join(folder, 'gone.cr2'), 256)).rejects.toThrow(/the file vanished before it could be read/);
  });

  it('reads capture times as local time, as for the other formats', () => {
    expect(exifLocalTime('2021:05:06 07:08:09')).toBe(new Date(2021, 4, 6, 7, 8, 9).toISOString());
    expect(exifLocalTime('2021:05:06 07:08:09.25+02:00')).toBe(new Date(2021, 4, 6, 7, 8, 9).toISOString());
    expect(exifLocalTime('2021:05:06')).toBe(new Date(2021, 4, 6).toISOString());
    expect(exifLocalTime('0000:00:00 00:00:00')).toBeNull();
    expect(exifLocalTime('unknown')).toBeNull();
  });
});
