/**
 * The landmark net's input made in plain JavaScript, as face-api makes it with TF.js
 * (`extractFaceTensors` then `NetInput.toBatchTensor(112, true)`): each box clipped at the
 * image's borders and floored, the crop padded with zeros to a square about its centre, and
 * resized bilinearly (TF's resizeBilinear without aligned corners or half-pixel centres).
 * Made here, a scan whose nets run on onnxruntime never grows TF.js's WebAssembly memory,
 * which never shrinks again, with whole photos and crops.
 */
import type { Box } from './align/geometry.js';
import type { RgbImage } from './rgb-image.js';

/** face-api's Box.clipAtImageBorders: the part inside the image, every figure floored. */
export function clipFloored(b: Box, imgWidth: number, imgHeight: number): Box {
  const x = Math.max(b.x, 0);
  const y = Math.max(b.y, 0);
  const width = Math.min(b.x + b.width - x, imgWidth - x);
  const height = Math.min(b.y + b.height - y, imgHeight - y);
  return { x: Math.floor(x), y: Math.floor(y), width: Math.floor(width), height: Math.floor(height) };
}

/** n x side x side x 3 floats (0–255), and each crop's size (what the net's output is relative to). */
export function landmarkBatch(img: RgbImage, boxes: readonly Box[], side: number): { x: Float32Array; crops: Box[] } {
  const crops = boxes.map((b) => clipFloored(b, img.width, img.height));
  const x = new Float32Array(crops.length * side * side * 3);
  crops.forEach((c, n) => {
    if (c.width <= 0 || c.height <= 0) throw new Error('a landmark box lies outside the photo');
    // Padding to a square: round(diff / 2) after the crop, the rest before it.
    const size = Math.max(c.width, c.height);
    const diff = size - Math.min(c.width, c.height);
    const before = diff - Math.round(diff / 2);
    const [padX, padY] = c.width < c.height ? [before, 0] : [0, before];
    const ratio = size / side;
    // Each output column's two source columns and weight, and each row's, computed once; a
    // source pixel in the padding reads 0. The same values combined in the same order as
    // per pixel before (the same floats: tests/unit/analysis/landmark-input.test.ts), ~3x faster.
    const colOffset = (cx: number): number => (cx < 0 || cx >= c.width ? -1 : (c.x + cx) * 3);
    const rowOffset = (cy: number): number => (cy < 0 || cy >= c.height ? -1 : (c.y + cy) * img.width * 3);
    const ox0 = new Int32Array(side), ox1 = new Int32Array(side), dxs = new Float64Array(side);
    for (let col = 0; col < side; col++) {
      const fx = ratio * col;
      const x0 = Math.max(0, Math.floor(fx)), x1 = Math.min(size - 1, Math.ceil(fx));
      ox0[col] = colOffset(x0 - padX);
      ox1[col] = colOffset(x1 - padX);
      dxs[col] = fx - x0;
    }
    const data = img.data;
    const out = n * side * side * 3;
    for (let r = 0; r < side; r++) {
      const fy = ratio * r;
      const y0 = Math.max(0, Math.floor(fy)), y1 = Math.min(size - 1, Math.ceil(fy)), dy = fy - y0;
      const oy0 = rowOffset(y0 - padY), oy1 = rowOffset(y1 - padY);
      for (let col = 0; col < side; col++) {
        const a = ox0[col]!, b = ox1[col]!, dx = dxs[col]!;
        const tlAt = oy0 < 0 || a < 0 ? -1 : oy0 + a, trAt = oy0 < 0 || b < 0 ? -1 : oy0 + b;
        const blAt = oy1 < 0 || a < 0 ? -1 : oy1 + a, brAt = oy1 < 0 || b < 0 ? -1 : oy1 + b;
        const o = out + (r * side + col) * 3;
        for (let ch = 0; ch < 3; ch++) {
          const tl = tlAt < 0 ? 0 : data[tlAt + ch]!, tr = trAt < 0 ? 0 : data[trAt + ch]!;
          const bl = blAt < 0 ? 0 : data[blAt + ch]!, br = brAt < 0 ? 0 : data[brAt + ch]!;
          const top = tl + (tr - tl) * dx;
          const bottom = bl + (br - bl) * dx;
          x[o + ch] = top + (bottom - top) * dy;
        }
      }
    }
  });
  return { x, crops };
}
