import { type Similarity, similarityScale } from './geometry.js';
import type { RgbImage } from '../rgb-image.js';

/**
 * Samples an output image of `width`x`height` where output pixel (u, v) takes the source
 * colour at chipToImage(u, v). Bilinear; when one output pixel covers several source pixels
 * it averages a grid of samples so that a large face shrunk to a small chip does not alias.
 * Outside the source the colour is black, as dlib's extract_image_chip does.
 */
export function warpSimilarity(src: RgbImage, chipToImage: Similarity, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  const { a, b, tx, ty } = chipToImage;
  const k = Math.max(1, Math.min(4, Math.ceil(similarityScale(chipToImage) - 0.25)));
  const step = 1 / k;
  const first = -0.5 + step / 2;
  const sw = src.width, sh = src.height, s = src.data;
  const acc = [0, 0, 0];
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      acc[0] = 0; acc[1] = 0; acc[2] = 0;
      for (let j = 0; j < k; j++) {
        const cv = v + first + j * step;
        for (let i = 0; i < k; i++) {
          const cu = u + first + i * step;
          const x = a * cu - b * cv + tx;
          const y = b * cu + a * cv + ty;
          const x0 = Math.floor(x), y0 = Math.floor(y);
          const fx = x - x0, fy = y - y0;
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= sh) continue;
            const wy = dy === 0 ? 1 - fy : fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= sw) continue;
              const w = wy * (dx === 0 ? 1 - fx : fx);
              const o = (yy * sw + xx) * 3;
              acc[0] += w * s[o]!; acc[1] += w * s[o + 1]!; acc[2] += w * s[o + 2]!;
            }
          }
        }
      }
      const o = (v * width + u) * 3;
      const norm = 1 / (k * k);
      out[o] = Math.round(acc[0]! * norm);
      out[o + 1] = Math.round(acc[1]! * norm);
      out[o + 2] = Math.round(acc[2]! * norm);
    }
  }
  return { data: out, width, height };
}
