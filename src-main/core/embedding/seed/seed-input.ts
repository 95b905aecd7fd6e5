/**
 * The seed model's input from a face input (face-input.ts): floats in [0, 1], for embedding
 * at scan time and for training (which also mirrors and shifts it, for augmentation).
 */
import { FACE_INPUT_BYTES, FACE_INPUT_SIDE } from '../../analysis/align/face-input.js';

/**
 * uint8 RGB 250x250 -> floats in [0, 1] (the seed model's input scale), optionally mirrored
 * and shifted: out(x, y) = src(x + shiftX, y + shiftY) of the (mirrored) image, clamped at the edges.
 */
export function toSeedInputFloats(src: Uint8Array, out: Float32Array, offset: number, flip = false, shiftX = 0, shiftY = 0): void {
  const s = FACE_INPUT_SIDE;
  const k = 1 / 255;
  if (!flip && shiftX === 0 && shiftY === 0) {
    for (let j = 0; j < FACE_INPUT_BYTES; j++) out[offset + j] = src[j]! * k;
    return;
  }
  const clamp = (v: number): number => (v < 0 ? 0 : v >= s ? s - 1 : v);
  for (let y = 0; y < s; y++) {
    const row = clamp(y + shiftY) * s * 3;
    const outRow = offset + y * s * 3;
    for (let x = 0; x < s; x++) {
      const sx = clamp(x + shiftX);
      const from = row + (flip ? s - 1 - sx : sx) * 3;
      const to = outRow + x * 3;
      out[to] = src[from]! * k;
      out[to + 1] = src[from + 1]! * k;
      out[to + 2] = src[from + 2]! * k;
    }
  }
}
