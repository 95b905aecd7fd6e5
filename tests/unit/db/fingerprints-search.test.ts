import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src-main/core/app.js';
import { inIdOrder, joinSearchRows, type SearchRow, type SearchRows } from '../../../src-main/core/db/fingerprints.repository.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { tempDir } from '../../support/paths.js';

// FingerprintsRepository.listForSearch reads the whole library as two rows of long strings
// (the photos, the fingerprints' hashes), the content hashes and sizes in pixels when asked: it
// must give every analysed photo, by id, with its size, content hash, size in pixels (0 when
// unknown) and its two hashes packed (present 0 when it has none), exactly as the photos and
// fingerprints tables hold them; photos pending, in error or gone are not in it.

const app = createApp({ dbFile: path.join(tempDir('fp-search'), 'library.db') });
afterAll(() => app.close());

describe('listForSearch', () => {
  it('gives every analysed photo with its hashes, as the tables hold them', () => {
    expect(app.fingerprints.listForSearch()).toEqual({ photos: [], words: new Uint32Array(0), present: new Uint8Array(0) });
    const plain = (p: SearchRow): SearchRow => ({ id: p.id, size: p.size, contentHash: p.contentHash, width: p.width, height: p.height });
    const rng = new Rng(5);
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
    const expected: SearchRows = { photos: [], words: new Uint32Array(4 * 300), present: new Uint8Array(300) };
    let i = 0;
    for (let k = 0; k < 400; k++) {
      const contentHash = Array.from(bytes(32), (b) => b.toString(16).padStart(2, '0')).join('');
      const size = k === 7 ? 2 ** 40 + 3 : rng.int(5_000_000);
      const id = app.photos.insert({ path: `/p/${k}, with a comma.jpg`, size, mtimeMs: 0, contentHash });
      const status = k % 4;
      if (status === 1) continue; // pending
      if (status === 2 && k % 8 === 2) {
        app.photos.markError(id, 'broken');
        continue;
      }
      const known = k % 5 !== 0;
      app.photos.markDone(id, { format: 'jpg', width: known ? 1 + rng.int(9000) : null, height: known ? 1 + rng.int(9000) : null, takenAt: null, analyzerVersion: 0 });
      if (k % 9 === 0) {
        app.photos.markGone(id);
        continue;
      }
      const row = app.photos.findById(id)!;
      expected.photos.push({ id, size, contentHash, width: row.width ?? 0, height: row.height ?? 0 });
      if (k % 6 !== 0) {
        const f = { dct: bytes(8), gradient: bytes(8), thumb: bytes(1024), colour: bytes(192) };
        // Words of all ones and all zeros among them.
        if (k === 3) f.dct.fill(255);
        if (k === 5) f.gradient.fill(0);
        app.fingerprints.put(id, f);
        const word = (h: Uint8Array, o: number): number => ((h[o]! << 24) | (h[o + 1]! << 16) | (h[o + 2]! << 8) | h[o + 3]!) >>> 0;
        expected.words.set([word(f.dct, 0), word(f.dct, 4), word(f.gradient, 0), word(f.gradient, 4)], 4 * i);
        expected.present[i] = 1;
      }
      i++;
    }
    const got = app.fingerprints.listForSearch();
    expect(got.photos.map(plain)).toEqual(expected.photos);
    expect(got.words).toEqual(expected.words.subarray(0, 4 * i));
    expect(got.present).toEqual(expected.present.subarray(0, i));
    expect(got.present.some((p) => p === 0) && got.photos.some((p) => p.width === 0)).toBe(true);
  });

  it('puts each fingerprint at its photo, whatever order either comes in', () => {
    const identity = (id: number): { contentHash: string; width: number; height: number } => ({ contentHash: `h${id}`, width: id, height: 2 * id });
    const hex = (id: number): string => [0, 1, 2, 3].map((k) => (id * 16 + k).toString(16).padStart(8, '0')).join('');
    // Photos 9, 2, 5, 7; fingerprints of 7, 2, 4 (not listed), 9 and a malformed one of 5.
    const got = joinSearchRows(4, '9,90,2,20,5,50,7,70', 5, `7,${hex(7)},2,${hex(2)},4,${hex(4)},9,${hex(9)},5,abc`, identity);
    expect(got.photos.map((p) => [p.id, p.size, p.contentHash, p.width, p.height])).toEqual([
      [2, 20, 'h2', 2, 4],
      [5, 50, 'h5', 5, 10],
      [7, 70, 'h7', 7, 14],
      [9, 90, 'h9', 9, 18],
    ]);
    expect([...got.present]).toEqual([1, 0, 1, 1]);
    expect([...got.words]).toEqual([32, 33, 34, 35, 0, 0, 0, 0, 112, 113, 114, 115, 144, 145, 146, 147]);
  });

  it('puts rows that come in another order in id order, with their hashes', () => {
    const rows: SearchRows = {
      photos: [3, 1, 2].map((id) => ({ id, size: id * 10, contentHash: `h${id}`, width: id, height: id })),
      words: Uint32Array.from([30, 31, 32, 33, 10, 11, 12, 13, 20, 21, 22, 23]),
      present: Uint8Array.from([1, 0, 1]),
    };
    const sorted = inIdOrder(rows);
    expect(sorted.photos.map((p) => p.id)).toEqual([1, 2, 3]);
    expect([...sorted.words]).toEqual([10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33]);
    expect([...sorted.present]).toEqual([0, 1, 1]);
    expect(inIdOrder(sorted)).toBe(sorted);
  });
});
