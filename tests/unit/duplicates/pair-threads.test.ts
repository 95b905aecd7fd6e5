import { afterAll, describe, expect, it } from 'vitest';
import { findDuplicatePairs, findDuplicatePairsInThreads, groupPairs, type SearchOptions, type SearchPhoto } from '../../../src-main/core/duplicates/find-duplicates.js';
import { coreToSpare, PairWorkers } from '../../../src-main/core/duplicates/pair-workers.js';
import type { RelativeBox } from '../../../src-main/core/duplicates/verify-pair.js';
import { Rng } from '../../../src-main/core/ml/rng.js';

// The search in worker threads against the search on one thread, on a synthetic library that
// holds every kind of pair: exact copies, same pictures, edits, similar shots (a moved block,
// other faces), unrelated photos whose hashes happen to be close, a dismissed pair and photos
// without thumbnails. The threads must give the same pairs in the same order.

const rng = new Rng(11);
const byte = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

function picture(): { thumb: Uint8Array; colour: Uint8Array } {
  const [f1, f2, p1, p2] = [0.2 + rng.next() * 0.5, 0.2 + rng.next() * 0.5, rng.next() * 6, rng.next() * 6];
  const thumb = Uint8Array.from({ length: 32 * 32 }, (_, k) => byte(120 + 50 * Math.sin((k % 32) * f1 + p1) + 40 * Math.cos(Math.floor(k / 32) * f2 + p2) + rng.normal() * 12));
  const colour = Uint8Array.from({ length: 8 * 8 * 3 }, () => 60 + rng.int(120));
  return { thumb, colour };
}

const randomHash = (): Uint8Array => Uint8Array.from({ length: 8 }, () => rng.int(256));
function flip(h: Uint8Array, bits: number): Uint8Array {
  const out = Uint8Array.from(h);
  for (let k = 0; k < bits; k++) {
    const b = rng.int(64);
    out[b >> 3]! ^= 1 << (b & 7);
  }
  return out;
}

function library(): { photos: SearchPhoto[]; faces: Map<number, RelativeBox[] | null>; details: Map<number, { thumb: Uint8Array; colour: Uint8Array }> } {
  const photos: SearchPhoto[] = [];
  const faces = new Map<number, RelativeBox[] | null>();
  const details = new Map<number, { thumb: Uint8Array; colour: Uint8Array }>();
  const add = (p: { thumb: Uint8Array; colour: Uint8Array } | null, dct: Uint8Array, gradient: Uint8Array, face: RelativeBox[] | null = null, same?: SearchPhoto): SearchPhoto => {
    const id = photos.length + 1;
    const photo: SearchPhoto = { id, contentHash: same?.contentHash ?? `h${id}`, size: same?.size ?? 10_000 + id, width: 400, height: 300, dct, gradient };
    photos.push(photo);
    faces.set(id, face);
    if (p) details.set(id, p);
    return photo;
  };
  const face: RelativeBox[] = [{ x: 0.4, y: 0.3, w: 0.2, h: 0.25 }];
  for (let g = 0; g < 60; g++) {
    const p = picture(), dct = randomHash(), gradient = randomHash();
    const original = add(p, dct, gradient, face);
    const kind = g % 6;
    if (kind === 0) add(p, dct, gradient, face, original); // exact copy
    else if (kind === 1) add(p, flip(dct, 3), flip(gradient, 14), face); // the same picture, found on the DCT hash
    else if (kind === 2) add({ thumb: p.thumb.map((v) => byte(v * 1.1 + 8)), colour: p.colour }, flip(dct, 16), flip(gradient, 5), face); // brightened, found on the gradient hash
    else if (kind === 3) {
      const moved = Uint8Array.from(p.thumb);
      for (let y = 8; y < 16; y++) for (let x = 8; x < 16; x++) moved[y * 32 + x] = 255 - moved[y * 32 + x]!;
      add({ thumb: moved, colour: p.colour }, flip(dct, 6), flip(gradient, 6), face); // a burst: one block moved
    } else if (kind === 4) add(p, flip(dct, 2), flip(gradient, 2), [{ x: 0.1, y: 0.1, w: 0.1, h: 0.1 }]); // other faces
    else add(picture(), flip(dct, 9), randomHash(), null); // close hashes, unrelated pictures
  }
  // A near copy without thumbnails, and one more copy of a photo above, dismissed.
  add(null, flip(photos[1]!.dct!, 1), photos[1]!.gradient!);
  add(details.get(3)!, flip(photos[2]!.dct!, 1), photos[2]!.gradient!, face);
  for (let k = 0; k < 300; k++) add(picture(), randomHash(), randomHash());
  return { photos, faces, details };
}

const workers = new PairWorkers(2);
afterAll(() => workers.close());

describe('the duplicates search in worker threads', () => {
  it('finds the pairs the one-thread search finds, in the same order', async () => {
    const { photos, faces, details } = library();
    const last = photos.length - 300;
    const options: SearchOptions = {
      facesOf: (id) => faces.get(id) ?? null,
      detailsOf: (id) => details.get(id) ?? null,
      dismissed: (a, b) => a.id === 3 && b.id === last,
    };
    const single = findDuplicatePairs(photos, options);
    const threaded = await findDuplicatePairsInThreads(photos, workers, options);
    expect(threaded).toEqual(single);
    expect(groupPairs(threaded.pairs)).toEqual(groupPairs(single.pairs));
    // Every kind of verdict is there, and candidates the check turned down.
    expect(new Set(single.pairs.map((p) => p.class))).toEqual(new Set(['exact', 'same', 'edited', 'similar']));
    expect(single.candidates).toBeGreaterThan(single.pairs.filter((p) => p.class !== 'exact').length);
    expect(single.pairs.some((p) => p.a === 3 && p.b === last)).toBe(false);
  });

  it('starts again after its threads were closed, and gives the same answer', async () => {
    const { photos, details } = library();
    const options: SearchOptions = { detailsOf: (id) => details.get(id) ?? null };
    const first = await findDuplicatePairsInThreads(photos, workers, options);
    workers.close();
    expect(workers.running).toBe(0);
    const again = await findDuplicatePairsInThreads(photos, workers, options);
    expect(workers.running).toBe(2);
    expect(again).toEqual(first);
    expect(again).toEqual(findDuplicatePairs(photos, options));
  });
});

describe('when the search takes threads', () => {
  it('takes them only with a core to spare', () => {
    // The load average counts the listing's own process: alone on two cores it is about 1.
    expect(coreToSpare(1.1, 2)).toBe(true);
    expect(coreToSpare(1.6, 2)).toBe(false);
    expect(coreToSpare(2.5, 2)).toBe(false);
    expect(coreToSpare(6, 8)).toBe(true);
  });
});
