import { describe, expect, it } from 'vitest';
import { chooseKeeper, type KeeperCandidate } from '../../../src-main/core/duplicates/keep-best.js';

const copy = (over: Partial<KeeperCandidate>): KeeperCandidate => ({
  photoId: 1, path: '/p/a.jpg', format: 'jpg', width: 1600, height: 1200, bytes: 500_000, takenAt: null,
  exif: { date: false, camera: false, gps: false }, reference: false, preferred: false, rawSibling: null, ...over,
});

describe('keep-best rule', () => {
  it('keeps the original format first, then more pixels, and says why in words', () => {
    const heic = copy({ photoId: 1, format: 'heic', width: 1000, height: 750 });
    const big = copy({ photoId: 2, width: 4032, height: 3024 });
    expect(chooseKeeper([big, heic]).keeper).toBe(1);
    expect(chooseKeeper([big, heic]).reasons.get(1)).toBe('keep: original format: HEIC against JPEG');
    const small = copy({ photoId: 3 });
    const choice = chooseKeeper([small, big]);
    expect(choice.keeper).toBe(2);
    expect(choice.reasons.get(2)).toBe('keep: larger: 4032×3024 against 1600×1200');
  });

  it('then more complete EXIF, the earlier date and a preferred folder', () => {
    const withExif = copy({ photoId: 1, exif: { date: true, camera: true, gps: false }, takenAt: '2020-01-01T00:00:00.000Z' });
    const stripped = copy({ photoId: 2, path: '/p/b.jpg' });
    expect(chooseKeeper([stripped, withExif]).reasons.get(1)).toBe('keep: more complete EXIF: date, camera against none');
    const earlier = copy({ photoId: 3, takenAt: '2019-01-01T00:00:00.000Z', exif: { date: true, camera: true, gps: false } });
    expect(chooseKeeper([withExif, earlier]).keeper).toBe(3);
    const preferred = copy({ photoId: 4, path: '/best/a.jpg', preferred: true });
    expect(chooseKeeper([stripped, preferred]).keeper).toBe(4);
  });

  it('keeps a copy in a reference folder over an equal one, never proposes it for the trash, and keeps one beside its RAW file', () => {
    const ref = copy({ photoId: 1, reference: true, path: '/ref/a.jpg' });
    const equal = copy({ photoId: 2, path: '/p/a.jpg' });
    expect(chooseKeeper([equal, ref]).keeper).toBe(1);
    expect(chooseKeeper([equal, ref]).reasons.get(1)).toBe('keep: in a reference folder');
    // A larger copy elsewhere is kept rather than lost; the smaller reference copy stays too.
    const small = copy({ photoId: 4, reference: true, width: 100, height: 100 });
    const big = copy({ photoId: 2, width: 4000, height: 3000 });
    const choice = chooseKeeper([small, big]);
    expect(choice.keeper).toBe(2);
    expect(choice.reasons.get(4)).toBe('in a reference folder: never proposed for the trash');
    const raw = copy({ photoId: 3, rawSibling: '/p/a.CR2', width: 100, height: 100 });
    expect(chooseKeeper([big, raw]).keeper).toBe(3);
  });

  it('keeps RAW before HEIC before JPEG, and a RAW before the JPEG of its own shot', () => {
    const raw = copy({ photoId: 1, path: '/p/IMG_1.dng', format: 'dng', width: 1620, height: 1080 });
    const heic = copy({ photoId: 2, path: '/q/IMG_1.heic', format: 'heic', width: 4032, height: 3024 });
    const jpeg = copy({ photoId: 3, path: '/q/IMG_1.jpg', width: 4032, height: 3024 });
    const choice = chooseKeeper([jpeg, heic, raw]);
    expect(choice.keeper).toBe(1);
    expect(choice.reasons.get(1)).toBe('keep: original format: DNG against HEIC');
    expect(chooseKeeper([jpeg, heic]).keeper).toBe(2);
    // The camera's JPEG beside its RAW, and a copy of that JPEG elsewhere: the RAW is kept, then the JPEG of its shot.
    const sibling = copy({ photoId: 4, path: '/p/IMG_1.jpg', rawSibling: '/p/IMG_1.dng', width: 4032, height: 3024 });
    const backup = copy({ photoId: 5, path: '/backup/IMG_1.jpg', width: 4032, height: 3024, exif: { date: true, camera: true, gps: true } });
    expect(chooseKeeper([backup, sibling, raw]).keeper).toBe(1);
    expect(chooseKeeper([backup, sibling]).keeper).toBe(4);
    expect(chooseKeeper([backup, sibling]).reasons.get(4)).toBe('keep: kept with its RAW file IMG_1.dng');
  });
});
