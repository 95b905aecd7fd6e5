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
  return { x, crops };
}
