import { describe, expect, it } from 'vitest';
import type { DuplicatePair } from '../../../src-main/core/duplicates/find-duplicates.js';
import { pairRawFiles, shotKey, type PairablePhoto } from '../../../src-main/core/duplicates/raw-pairs.js';

// Which RAW file and which JPEG (or HEIC) are one shot: by name in one folder, else by the same
// picture taken at the same second; everything else stays a duplicate or nothing.

const T = '2023-06-01T10:00:00.000Z';
const photo = (id: number, file: string, over: Partial<PairablePhoto> = {}): PairablePhoto => ({ id, path: file, done: true, takenAt: T, ...over });

function pairing(photos: PairablePhoto[], pairs: DuplicatePair[] = []) {
  const byId = new Map(photos.map((p) => [p.id, p]));
  const raws = photos.filter((p) => /\.(dng|cr2|nef|arw)$/i.test(p.path));
  // As the service answers: the photos of the RAW's folder (pairRawFiles picks those of its name).
  const dir = (f: string): string => f.slice(0, f.lastIndexOf('/'));
  return pairRawFiles(raws, (r) => photos.filter((p) => dir(p.path) === dir(r.path)), pairs, (id) => byId.get(id));
}

describe('pairRawFiles', () => {
  it('pairs a RAW with the photos of its name in its folder, never with another folder or name', () => {
    const r = pairing([
      photo(1, '/a/IMG_1.CR2'),
      photo(2, '/a/IMG_1.JPG'),
      photo(3, '/a/IMG_1.HEIC'),
      photo(4, '/a/IMG_10.JPG'),
      photo(5, '/b/IMG_1.JPG'),
      photo(6, '/a/IMG_1.JPG.xmp.jpg'),
    ]);
    expect(r.units).toEqual([[1, 2, 3]]);
    expect(r.unitOf.get(3)).toEqual([1, 2, 3]);
    expect([...r.rawFileOf]).toEqual([[2, '/a/IMG_1.CR2'], [3, '/a/IMG_1.CR2']]);
    expect(r.unitOf.has(4) || r.unitOf.has(5) || r.unitOf.has(6)).toBe(false);
  });

  it('pairs names whatever their case and the JPEG extension written, and only in the same folder', () => {
    const r = pairing([
      photo(1, '/a/IMG_0001.CR2'),
      photo(2, '/a/img_0001.jpg'),
      photo(3, '/a/Img_0001.JPEG'),
      photo(4, '/a/IMG_0002.cr2'),
      photo(5, '/a/IMG_0002.JPG'),
      photo(6, '/A/img_0002.jpg'),
      photo(7, '/a/ÉTÉ 1.DNG'),
      photo(8, '/a/été 1.jpg'),
      // Decomposed, as macOS writes names, beside the composed one.
      photo(9, '/a/ÉTÉ 2.NEF'.normalize('NFD')),
      photo(10, '/a/été 2.JPG'),
    ]);
    expect(r.units).toEqual([[1, 2, 3], [4, 5], [7, 8], [9, 10]]);
    expect(r.unitOf.has(6)).toBe(false);
    expect(shotKey('/a/IMG_0001.CR2')).toBe(shotKey('/a/img_0001.jpeg'));
    expect(shotKey('/a/IMG_0001.CR2')).not.toBe(shotKey('/A/img_0001.jpg'));
  });

  it('a RAW not analysed is no pair to list, yet its JPEG is still the one with a RAW file', () => {
    const r = pairing([photo(1, '/a/IMG_2.NEF', { done: false }), photo(2, '/a/IMG_2.JPG')]);
    expect(r.units).toEqual([]);
    expect(r.rawFileOf.get(2)).toBe('/a/IMG_2.NEF');
  });

  it('pairs by content a RAW and the same picture taken at the same second elsewhere, preferring its folder and the same picture', () => {
    const photos = [
      photo(1, '/raw/DSC_5.ARW'),
      photo(2, '/jpg/DSC_5.JPG'),
      photo(3, '/backup/DSC_5 copy.JPG'),
      photo(4, '/raw/edited.JPG'),
      photo(5, '/raw/DSC_6.ARW'),
      photo(6, '/jpg/DSC_6.JPG', { takenAt: '2023-06-01T10:00:01.000Z' }),
      photo(7, '/raw/DSC_7.ARW'),
      photo(8, '/jpg/burst.JPG'),
    ];
    const pairs: DuplicatePair[] = [
      { a: 1, b: 2, class: 'same' },
      { a: 1, b: 3, class: 'same' },
      { a: 2, b: 3, class: 'exact' },
      { a: 1, b: 4, class: 'edited' },
      // Another second: no pair; a similar shot: no pair.
      { a: 5, b: 6, class: 'same' },
      { a: 7, b: 8, class: 'similar' },
    ];
    const r = pairing(photos, pairs);
    // In the RAW's folder first, even edited.
    expect(r.units).toEqual([[1, 4]]);
    const without4 = pairing(photos.filter((p) => p.id !== 4), pairs);
    // Then the same picture, the first found: the other is a copy of it.
    expect(without4.units).toEqual([[1, 2]]);
    expect(without4.rawFileOf.has(3)).toBe(false);
  });

  it('never pairs by content a RAW that has a JPEG of its name, nor two RAW files', () => {
    const r = pairing(
      [photo(1, '/a/X.DNG'), photo(2, '/a/X.JPG'), photo(3, '/b/X copy.JPG'), photo(4, '/a/Y.CR2'), photo(5, '/b/Y.DNG')],
      [{ a: 1, b: 3, class: 'same' }, { a: 4, b: 5, class: 'same' }],
    );
    expect(r.units).toEqual([[1, 2]]);
  });
});
