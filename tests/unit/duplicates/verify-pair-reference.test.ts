import { describe, expect, it } from 'vitest';
import { fingerprintImage } from '../../../src-main/core/analysis/fingerprint.js';
import type { RgbImage } from '../../../src-main/core/analysis/rgb-image.js';
import { verifyPair, type PairSide, type RelativeBox } from '../../../src-main/core/duplicates/verify-pair.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { verifyPair as referenceVerifyPair } from './verify-pair.reference.js';

// The finer check was made faster (its taps and the target's sums computed once, the search
// for a crop skipped when the thumbnails are identical); the reference is the check as it was
// before, and every number it gives must stay the same, bit for bit, so that no pair changes
// class. Pictures: smooth random scenes and their copies made the ways a library gets them
// (the same pixels, crops, brightness, colour, noise, another scene).

function scene(rng: Rng, width: number, height: number): (x: number, y: number) => [number, number, number] {
  const blobs = Array.from({ length: 6 }, () => ({ x: rng.next(), y: rng.next(), r: 0.05 + 0.3 * rng.next(), c: [rng.next(), rng.next(), rng.next()].map((v) => 255 * v) }));
  const base = [rng.int(120), rng.int(120), rng.int(120)];
  return (x, y) => {
    const out: [number, number, number] = [base[0]!, base[1]!, base[2]!];
    for (const b of blobs) {
      const w = Math.exp(-((x / width - b.x) ** 2 + (y / height - b.y) ** 2) / (b.r * b.r));
      for (let k = 0; k < 3; k++) out[k] = out[k]! * (1 - w) + b.c[k]! * w;
    }
    return out;
  };
}

function render(f: (x: number, y: number) => [number, number, number], width: number, height: number, edit: (rgb: [number, number, number]) => [number, number, number] = (c) => c, crop = { left: 0, top: 0, right: 0, bottom: 0 }): RgbImage {
  const w = Math.round(width * (1 - crop.left - crop.right)), h = Math.round(height * (1 - crop.top - crop.bottom));
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const c = edit(f(x + crop.left * width, y + crop.top * height));
    for (let k = 0; k < 3; k++) data[3 * (y * w + x) + k] = Math.max(0, Math.min(255, Math.round(c[k]!)));
  }
  return { data, width: w, height: h };
}

const side = (img: RgbImage, faces: RelativeBox[] | null = null): PairSide => {
  const f = fingerprintImage(img);
  return { thumb: f.thumb, colour: f.colour, aspect: img.width / img.height, faces };
};

describe('verifyPair', () => {
  it('gives the same evidence and class as the check it replaced, on copies, edits and other pictures', () => {
    const rng = new Rng(99);
    const classes = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const f = scene(rng, 96, 72);
      const face: RelativeBox = { x: 0.3 + 0.2 * rng.next(), y: 0.3, w: 0.15, h: 0.2 };
      const original = render(f, 96, 72);
      const copies: RgbImage[] = [
        // The same pixels (another file's metadata, a lossless conversion): the search is skipped.
        render(f, 96, 72),
        render(f, 96, 72, (c) => c.map((v) => v + rng.normal() * 3) as [number, number, number]),
        render(f, 96, 72, undefined, { left: 0.04, top: 0.03, right: 0.05, bottom: 0.04 }),
        render(f, 96, 72, undefined, { left: 0.1, top: 0, right: 0.02, bottom: 0.12 }),
        render(f, 96, 72, (c) => c.map((v) => v * 1.15) as [number, number, number]),
        render(f, 96, 72, (c) => [c[0] * 1.2, c[1], c[2] * 0.9]),
        render(scene(rng, 96, 72), 96, 72),
      ];
      for (const [k, copy] of copies.entries()) {
        for (const faces of [[null, null], [[face], [face]], [[face], []]] as Array<[RelativeBox[] | null, RelativeBox[] | null]>) {
          const a = side(original, faces[0]), b = side(copy, faces[1]);
          const fast = verifyPair(a, b), reference = referenceVerifyPair(a, b);
          expect(fast, `scene ${i}, copy ${k}`).toEqual(reference);
          expect(verifyPair(b, a)).toEqual(referenceVerifyPair(b, a));
          classes.add(String(fast.class));
        }
      }
    }
    const flat = render(() => [128, 128, 128], 96, 72);
    expect(verifyPair(side(flat), side(flat))).toEqual(referenceVerifyPair(side(flat), side(flat)));
    // Every verdict was met, so the comparison covers each way through the check.
    expect([...classes].sort()).toEqual(['edited', 'null', 'same', 'similar']);
  });
});
