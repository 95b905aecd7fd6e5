import { describe, expect, it } from 'vitest';
import { clipFloored, landmarkBatch } from '../../../src-main/core/analysis/landmark-input.js';
import { loadMlRuntime } from '../../../src-main/core/ml/runtime.js';

/** A seeded linear congruential generator: the same noise every run. */
const lcg = (seed: number) => (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);

function noisyImage(width: number, height: number, next: () => number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = next() % 256;
  return { width, height, data };
}

// The landmark net's input made in JavaScript must be face-api's own (extractFaceTensors, then
// toBatchTensor(112, true)): boxes wide, tall, square, and cut by each border of the photo.
describe('landmarkBatch', () => {
  it("gives face-api's TF.js input, within float rounding", async () => {
    const { tf, faceapi } = await loadMlRuntime();
    const img = noisyImage(203, 157, lcg(7));
    const boxes = [
      { x: 10.6, y: 20.2, width: 80.9, height: 50.3 },
      { x: 150.2, y: 3.7, width: 30.1, height: 90.8 },
      { x: -12.5, y: -8.1, width: 60, height: 60 },
      { x: 170, y: 120, width: 70, height: 55 },
      { x: 40, y: 40, width: 112, height: 112 },
    ];
    const ours = landmarkBatch(img, boxes, 112);
    const input = tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');
    const crops = await faceapi.extractFaceTensors(input as never, boxes.map((b) => new faceapi.Rect(b.x, b.y, b.width, b.height)));
    const netInput = await faceapi.toNetInput(crops as never);
    const theirs = tf.tidy(() => tf.cast(netInput.toBatchTensor(112, true) as unknown as import('@tensorflow/tfjs').Tensor, 'float32').dataSync());
    input.dispose();
    for (const c of crops) (c as unknown as { dispose(): void }).dispose();
    expect(ours.x.length).toBe(theirs.length);
    let worst = 0;
    for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours.x[i]! - theirs[i]!));
    // TF.js interpolates in float32, this in float64: a few thousandths of a level out of 255.
    expect(worst).toBeLessThan(0.01);
    expect(ours.crops.map((c) => [c.width, c.height])).toEqual(boxes.map((_, i) => [netInput.getInputWidth(i), netInput.getInputHeight(i)]));
  });

  it('gives the same floats, bit for bit, as the per-pixel form it replaced', () => {
    // The form before each column's and row's taps were computed once.
    const perPixel = (img: { width: number; height: number; data: Uint8Array }, boxes: Array<{ x: number; y: number; width: number; height: number }>, side: number): Float32Array => {
      const crops = boxes.map((b) => clipFloored(b, img.width, img.height));
      const x = new Float32Array(crops.length * side * side * 3);
      crops.forEach((c, n) => {
        const size = Math.max(c.width, c.height);
        const diff = size - Math.min(c.width, c.height);
        const before = diff - Math.round(diff / 2);
        const [padX, padY] = c.width < c.height ? [before, 0] : [0, before];
        const ratio = size / side;
        const pixel = (sx: number, sy: number, ch: number): number => {
          const cx = sx - padX, cy = sy - padY;
          if (cx < 0 || cy < 0 || cx >= c.width || cy >= c.height) return 0;
          return img.data[((c.y + cy) * img.width + c.x + cx) * 3 + ch]!;
        };
        const out = n * side * side * 3;
        for (let r = 0; r < side; r++) {
          const fy = ratio * r;
          const y0 = Math.max(0, Math.floor(fy)), y1 = Math.min(size - 1, Math.ceil(fy)), dy = fy - y0;
          for (let col = 0; col < side; col++) {
            const fx = ratio * col;
            const x0 = Math.max(0, Math.floor(fx)), x1 = Math.min(size - 1, Math.ceil(fx)), dx = fx - x0;
            for (let ch = 0; ch < 3; ch++) {
              const tl = pixel(x0, y0, ch), tr = pixel(x1, y0, ch), bl = pixel(x0, y1, ch), br = pixel(x1, y1, ch);
              const top = tl + (tr - tl) * dx;
              const bottom = bl + (br - bl) * dx;
              x[out + (r * side + col) * 3 + ch] = top + (bottom - top) * dy;
            }
          }
        }
      });
      return x;
    };
    const next = lcg(11);
    const img = noisyImage(317, 241, next);
    const { width, height } = img;
    const boxes = [
      { x: 10.6, y: 20.2, width: 80.9, height: 50.3 },
      { x: 250.2, y: 3.7, width: 30.1, height: 190.8 },
      { x: -12.5, y: -8.1, width: 60, height: 60 },
      { x: 270, y: 200, width: 70, height: 55 },
      { x: 3, y: 5, width: 9, height: 14 },
      { x: 40, y: 40, width: 224, height: 180 },
    ];
    for (let i = 0; i < 40; i++) {
      const w = 8 + (next() % 200), h = 8 + (next() % 200);
      boxes.push({ x: (next() % (width + 40)) - 40 + (next() % 100) / 100, y: (next() % (height + 40)) - 40 + (next() % 100) / 100, width: w, height: h });
    }
    const usable = boxes.filter((b) => {
      const c = clipFloored(b, width, height);
      return c.width > 0 && c.height > 0;
    });
    expect(usable.length).toBeGreaterThan(30);
    const ours = landmarkBatch(img, usable, 112).x;
    const before = perPixel(img, usable, 112);
    expect(Buffer.from(ours.buffer).equals(Buffer.from(before.buffer))).toBe(true);
  });
});
