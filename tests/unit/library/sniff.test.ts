import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_FORMATS } from '../../../src-main/core/library/image-kinds.js';
import { sniffImageBuffer } from '../../../src-main/core/library/sniff.js';
import { GROUPS } from '../../support/paths.js';

/** What sniffImageBuffer answered before its JPEG shortcut: file-type's word alone. */
async function byFileType(buf: Uint8Array): Promise<{ format: string | null; detected: string | null }> {
  const type = await fileTypeFromBuffer(buf);
  if (!type) return { format: null, detected: null };
  return { format: SUPPORTED_FORMATS.has(type.ext) ? type.ext : null, detected: type.mime };
}

describe('sniffImageBuffer', () => {
  it("answers as file-type does, for real photos and for contents that begin like a JPEG's", async () => {
    const photos = readdirSync(GROUPS).filter((f) => f.endsWith('.jpg')).map((f) => readFileSync(path.join(GROUPS, f)));
    expect(photos.length).toBeGreaterThan(3);
    const jpegLs = Buffer.from([0xff, 0xd8, 0xff, 0xf7, 0x00, 0x0b, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00]);
    const shortJpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]);
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108020000009077053e', 'hex');
    const text = Buffer.from('not an image at all, only some text');
    for (const buf of [...photos, jpegLs, shortJpeg, png, text, photos[0]!.subarray(0, 12), photos[0]!.subarray(0, 64)]) {
      expect(await sniffImageBuffer(buf)).toEqual(await byFileType(buf));
    }
    expect((await sniffImageBuffer(photos[0]!)).format).toBe('jpg');
    expect((await sniffImageBuffer(jpegLs)).format).toBeNull();
  });
});
