import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../../../src-main/core/analysis/decode.js';
import { fingerprintImage, type PhotoFingerprint } from '../../../src-main/core/analysis/fingerprint.js';
import { ANALYSIS_MAX_SIDE } from '../../../src-main/core/analysis/photo-analysis.js';
import { findDuplicatePairs, type SearchPhoto } from '../../../src-main/core/duplicates/find-duplicates.js';
import { hammingDistance } from '../../../src-main/core/duplicates/hamming-index.js';
import { verifyPair, type PairSide } from '../../../src-main/core/duplicates/verify-pair.js';
import { IDENTITIES, LFW, tempDir } from '../../support/paths.js';

// Copies of one real photo made the ways a library gets them, and other photos of the same
// person: the hashes and the finer check must tell which is which, as a person would.

const ORIGINAL = path.join(IDENTITIES, 'id01/img1.jpg');
const SAME_PERSON = path.join(IDENTITIES, 'id01/img2.jpg');

interface Printed {
  f: PhotoFingerprint;
  aspect: number;
}

async function print(file: string): Promise<Printed> {
  const d = await decodePhoto(file, ANALYSIS_MAX_SIDE);
  return { f: fingerprintImage(d.image), aspect: d.width / d.height };
}

const side = (p: Printed): PairSide => ({ thumb: p.f.thumb, colour: p.f.colour, aspect: p.aspect, faces: null });

describe('duplicate verification on real photos', () => {
  const dir = tempDir('dup-unit');
  const copies: Record<string, Printed> = {};
  let original: Printed, otherPhoto: Printed;

  beforeAll(async () => {
    const src = sharp(ORIGINAL).rotate();
    const { width, height } = await src.clone().toBuffer({ resolveWithObject: true }).then((r) => r.info);
    const make: Record<string, () => Promise<unknown>> = {
      resized: () => src.clone().resize(Math.round(width * 0.5)).jpeg({ quality: 65 }).toFile(path.join(dir, 'resized.jpg')),
      png: () => src.clone().png().toFile(path.join(dir, 'png.png')),
      rotated: async () => sharp(await src.clone().rotate(270).toBuffer()).withMetadata({ orientation: 6 }).jpeg().toFile(path.join(dir, 'rotated.jpg')),
      crop: () => src.clone().extract({ left: Math.round(width * 0.06), top: Math.round(height * 0.02), width: Math.round(width * 0.9), height: Math.round(height * 0.94) }).jpeg().toFile(path.join(dir, 'crop.jpg')),
      bright: () => src.clone().modulate({ brightness: 1.2 }).jpeg().toFile(path.join(dir, 'bright.jpg')),
      saturated: () => src.clone().modulate({ saturation: 1.5 }).jpeg().toFile(path.join(dir, 'saturated.jpg')),
    };
    for (const [name, fn] of Object.entries(make)) {
      await fn();
      copies[name] = await print(path.join(dir, name === 'png' ? 'png.png' : `${name}.jpg`));
    }
    original = await print(ORIGINAL);
    otherPhoto = await print(SAME_PERSON);
  });

  it('calls re-encoded, resized, converted and EXIF-rotated copies the same picture', () => {
    for (const name of ['resized', 'png', 'rotated']) {
      expect(hammingDistance(original.f.dct, copies[name]!.f.dct), name).toBeLessThanOrEqual(8);
      expect(verifyPair(side(original), side(copies[name]!)).class, name).toBe('same');
    }
  });

  it('calls a crop, a brightened and a recoloured copy edited', () => {
    for (const name of ['crop', 'bright', 'saturated']) expect(verifyPair(side(original), side(copies[name]!)).class, name).toBe('edited');
  });

  it('does not call another photo of the same person a duplicate', () => {
    const v = verifyPair(side(original), side(otherPhoto));
    expect(v.class === null || v.class === 'similar').toBe(true);
  });

  it('says copies with the same faces in other places are only similar', () => {
    const faces = [{ x: 0.4, y: 0.3, w: 0.2, h: 0.25 }];
    const moved = [{ x: 0.55, y: 0.3, w: 0.2, h: 0.25 }];
    const a = { ...side(original), faces }, b = { ...side(copies.resized!), faces: moved };
    expect(verifyPair(a, { ...side(copies.resized!), faces }).class).toBe('same');
    expect(verifyPair(a, b).class).toBe('similar');
  });

  it('never calls the next shot of a burst the same picture, even where only one part of the frame moved', async () => {
    // As bench:duplicates makes a burst shot: the middle of the frame (the subject) moved a
    // little, the rest still. On these two LFW portraits the whole thumbnail, its detail,
    // brightness and colour match a copy's; only one block differs as a copy's never does.
    for (const file of ['Paul_ONeill/Paul_ONeill_0007.jpg', 'Mike_Tyson/Mike_Tyson_0003.jpg']) {
      const src = path.join(LFW, 'images', file);
      const img = await sharp(src).rotate().toBuffer({ resolveWithObject: true });
      const { width: w, height: h } = img.info;
      const rw = Math.round(w * 0.4), rh = Math.round(h * 0.5);
      const part = await sharp(img.data).extract({ left: Math.round((w - rw) / 2), top: Math.round((h - rh) / 2), width: rw, height: rh }).toBuffer();
      const burst = path.join(dir, `burst-${path.basename(file)}`);
      await sharp(img.data)
        .composite([{ input: part, left: Math.min(w - rw, Math.round((w - rw) / 2 + w * 0.07)), top: Math.min(h - rh, Math.round((h - rh) / 2 + h * 0.03)) }])
        .modulate({ brightness: 1.02 })
        .jpeg({ quality: 90 })
        .toFile(burst);
      const v = verifyPair(side(await print(src)), side(await print(burst)));
      expect(v.class, file).toBe('similar');
      expect(v.evidence.greyCorrelation, file).toBeGreaterThan(0.95);
    }
  });

  it('finds the groups from hashes and content: exact copies by bytes, the rest by the check', () => {
    const photo = (id: number, p: Printed, hash: string, size: number): SearchPhoto => ({
      id, contentHash: hash, size, width: Math.round(1000 * p.aspect), height: 1000, dct: p.f.dct, gradient: p.f.gradient, thumb: p.f.thumb, colour: p.f.colour,
    });
    const photos = [
      photo(1, original, 'h1', 100),
      photo(2, original, 'h1', 100),
      photo(3, copies.resized!, 'h3', 50),
      photo(4, copies.crop!, 'h4', 90),
      photo(5, otherPhoto, 'h5', 100),
    ];
    const { pairs } = findDuplicatePairs(photos);
    const cls = (a: number, b: number): string | undefined => pairs.find((p) => p.a === a && p.b === b)?.class;
    expect(cls(1, 2)).toBe('exact');
    expect(cls(1, 3)).toBe('same');
    expect(cls(1, 4)).toBe('edited');
    expect(pairs.filter((p) => p.a === 5 || p.b === 5).every((p) => p.class === 'similar')).toBe(true);
    const dismissed = findDuplicatePairs(photos, { dismissed: (a, b) => a.contentHash === 'h1' && b.contentHash === 'h3' });
    expect(dismissed.pairs.find((p) => p.a === 1 && p.b === 3)).toBeUndefined();
  });
});
