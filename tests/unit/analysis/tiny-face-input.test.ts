import { describe, expect, it } from 'vitest';
import { tinyFaceInput } from '../../../src-main/core/analysis/detect/tiny-face-detector.js';
import type { RgbImage } from '../../../src-main/core/analysis/rgb-image.js';

/** The per-pixel form tinyFaceInput had before each column's and row's taps were computed once. */
function perPixel(img: RgbImage, inputSize: number): Float32Array {
  const out = new Float32Array(inputSize * inputSize * 3);
  const { data, width, height } = img;
  const size = Math.max(width, height);
  const ratio = size / inputSize;
  const pixel = (x: number, y: number, ch: number): number => (x < width && y < height ? data[(y * width + x) * 3 + ch]! : 0);
  for (let r = 0; r < inputSize; r++) {
    const fy = ratio * r;
    const y0 = Math.floor(fy), y1 = Math.min(size - 1, Math.ceil(fy)), dy = fy - y0;
    for (let c = 0; c < inputSize; c++) {
      const fx = ratio * c;
      const x0 = Math.floor(fx), x1 = Math.min(size - 1, Math.ceil(fx)), dx = fx - x0;
      const o = (r * inputSize + c) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const tl = pixel(x0, y0, ch), tr = pixel(x1, y0, ch), bl = pixel(x0, y1, ch), br = pixel(x1, y1, ch);
        const top = tl + (tr - tl) * dx;
        const bottom = bl + (br - bl) * dx;
        out[o + ch] = top + (bottom - top) * dy;
      }
    }
  }
  return out;
}

describe('tinyFaceInput', () => {
  it('gives the same floats, bit for bit, as its per-pixel form, for wide, tall, small and large photos', () => {
    let seed = 5;
    for (const [width, height, inputSize] of [[640, 405, 608], [405, 640, 416], [97, 131, 160], [1024, 1024, 608], [300, 17, 320]] as const) {
      const data = new Uint8Array(width * height * 3);
      for (let i = 0; i < data.length; i++) data[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
      const img = { width, height, data };
      const ours = tinyFaceInput(img, inputSize);
      expect(Buffer.from(ours.buffer).equals(Buffer.from(perPixel(img, inputSize).buffer))).toBe(true);
    }
  });
});
