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
  const row = sw * 3;
  const norm = 1 / (k * k);
  // The sums in locals, and the four taps of a sample inside the image without bounds checks:
  // the same products added in the same order as before, so the same bytes (align was the
  // scan's largest stage in JavaScript, about 18 ms a face on group photos). Each sample
  // column's a*cu and b*cu, and each sample row's a*cv and b*cv, are computed once: the same
  // products as per sample, so x = a*cu - b*cv + tx keeps its value bit for bit.
  const cols = width * k;
  const acu = new Float64Array(cols), bcu = new Float64Array(cols);
  for (let u = 0; u < width; u++) {
    for (let i = 0; i < k; i++) {
      const cu = u + first + i * step;
      acu[u * k + i] = a * cu;
      bcu[u * k + i] = b * cu;
    }
  }
  const acv = new Float64Array(k), bcv = new Float64Array(k);
  for (let v = 0; v < height; v++) {
    for (let j = 0; j < k; j++) {
      const cv = v + first + j * step;
      acv[j] = a * cv;
      bcv[j] = b * cv;
    }
    for (let u = 0; u < width; u++) {
      let r = 0, g = 0, bl = 0;
      for (let j = 0; j < k; j++) {
        const av = acv[j]!, bv = bcv[j]!;
        for (let i = 0; i < k; i++) {
          const x = acu[u * k + i]! - bv + tx;
          const y = bcu[u * k + i]! + av + ty;
          // Whole numbers as int32 (the same values for any image under 2^31 px), for integer indexing.
          const x0 = Math.floor(x) | 0, y0 = Math.floor(y) | 0;
          const fx = x - x0, fy = y - y0;
          const wx0 = 1 - fx, wy0 = 1 - fy;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
            const o = (y0 * sw + x0) * 3, o2 = o + row;
            const w00 = wy0 * wx0, w01 = wy0 * fx, w10 = fy * wx0, w11 = fy * fx;
            r += w00 * s[o]!; g += w00 * s[o + 1]!; bl += w00 * s[o + 2]!;
            r += w01 * s[o + 3]!; g += w01 * s[o + 4]!; bl += w01 * s[o + 5]!;
            r += w10 * s[o2]!; g += w10 * s[o2 + 1]!; bl += w10 * s[o2 + 2]!;
            r += w11 * s[o2 + 3]!; g += w11 * s[o2 + 4]!; bl += w11 * s[o2 + 5]!;
            continue;
          }
          for (let dy = 0; dy < 2; dy++) {
            const yy = y0 + dy;
            if (yy < 0 || yy >= sh) continue;
            const wy = dy === 0 ? wy0 : fy;
            for (let dx = 0; dx < 2; dx++) {
              const xx = x0 + dx;
              if (xx < 0 || xx >= sw) continue;
              const w = wy * (dx === 0 ? wx0 : fx);
              const o = (yy * sw + xx) * 3;
              r += w * s[o]!; g += w * s[o + 1]!; bl += w * s[o + 2]!;
            }
          }
        }
      }
      const o = (v * width + u) * 3;
      out[o] = Math.round(r * norm);
      out[o + 1] = Math.round(g * norm);
      out[o + 2] = Math.round(bl * norm);
    }
  }
  return { data: out, width, height };
}
