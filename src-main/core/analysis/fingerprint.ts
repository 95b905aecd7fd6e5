import type { RgbImage } from './rgb-image.js';

/** Side of the grey thumbnail kept for the finer comparison of two candidate duplicates. */
export const THUMB_SIDE = 32;
/** Side of the colour grid (RGB means) kept to tell a recoloured copy from the same picture. */
export const COLOUR_SIDE = 8;

/**
 * What duplicate finding knows of a photo's pixels, taken from the upright image the analysis
 * already decoded: a 64-bit DCT hash (pHash), a 64-bit gradient hash (dHash), a 32×32 grey
 * thumbnail and an 8×8 colour grid (the whole frame squeezed to a square).
 */
export interface PhotoFingerprint {
  dct: Uint8Array;
  gradient: Uint8Array;
  thumb: Uint8Array;
  colour: Uint8Array;
}

/** Means of RGB over a side×side grid of the image, by area (each source pixel in one cell). */
function cellMeans(img: RgbImage, side: number): Float64Array {
  const sums = new Float64Array(side * side * 3);
  const counts = new Float64Array(side * side);
  const colCell = new Int32Array(img.width);
  for (let x = 0; x < img.width; x++) colCell[x] = Math.min(side - 1, Math.floor((x * side) / img.width));
  const d = img.data;
  for (let y = 0; y < img.height; y++) {
    const row = Math.min(side - 1, Math.floor((y * side) / img.height)) * side;
    let p = y * img.width * 3;
    for (let x = 0; x < img.width; x++, p += 3) {
      const c = row + colCell[x]!;
      sums[3 * c] = sums[3 * c]! + d[p]!;
      sums[3 * c + 1] = sums[3 * c + 1]! + d[p + 1]!;
      sums[3 * c + 2] = sums[3 * c + 2]! + d[p + 2]!;
      counts[c]!++;
    }
  }
  for (let c = 0; c < side * side; c++) {
    const n = Math.max(1, counts[c]!);
    for (let k = 0; k < 3; k++) sums[3 * c + k] = sums[3 * c + k]! / n;
  }
  return sums;
}

const luma = (rgb: Float64Array, c: number): number => 0.299 * rgb[3 * c]! + 0.587 * rgb[3 * c + 1]! + 0.114 * rgb[3 * c + 2]!;

let dctTable: Float64Array | null = null;
/** cos((2x+1)uπ/2N) for the first 8 frequencies of an N = 32 DCT-II. */
function dctCosines(): Float64Array {
  if (dctTable) return dctTable;
  dctTable = new Float64Array(8 * THUMB_SIDE);
  for (let u = 0; u < 8; u++) for (let x = 0; x < THUMB_SIDE; x++) dctTable[u * THUMB_SIDE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * THUMB_SIDE));
  return dctTable;
}

function bitsToBytes(bits: readonly boolean[]): Uint8Array {
  const out = new Uint8Array(8);
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 1 << (7 - (i & 7));
  });
  return out;
}

/** pHash: the 8×8 lowest frequencies of the thumbnail's DCT, each above or below their median (DC left out). */
export function dctHash(grey: Float64Array): Uint8Array {
  const cos = dctCosines();
  const N = THUMB_SIDE;
  const rows = new Float64Array(N * 8); // per row y, frequencies u along x
  for (let y = 0; y < N; y++) for (let u = 0; u < 8; u++) {
    let s = 0;
    for (let x = 0; x < N; x++) s += grey[y * N + x]! * cos[u * N + x]!;
    rows[y * 8 + u] = s;
  }
  const coef: number[] = [];
  for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) {
    let s = 0;
    for (let y = 0; y < N; y++) s += rows[y * 8 + u]! * cos[v * N + y]!;
    coef.push(s);
  }
  const sorted = coef.slice(1).sort((a, b) => a - b);
  const median = (sorted[31]! + sorted[32]!) / 2;
  return bitsToBytes(coef.map((c) => c > median));
}

/** dHash: a 9×8 grey grid (from the thumbnail), each cell brighter than its right neighbour or not. */
export function gradientHash(grey: Float64Array): Uint8Array {
  const N = THUMB_SIDE;
  const grid = new Float64Array(9 * 8);
  for (let gy = 0; gy < 8; gy++) for (let gx = 0; gx < 9; gx++) {
    const x0 = (gx * N) / 9, x1 = ((gx + 1) * N) / 9, y0 = gy * 4;
    let s = 0, n = 0;
    for (let y = y0; y < y0 + 4; y++) for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
      s += grey[y * N + x]!;
      n++;
    }
    grid[gy * 9 + gx] = s / n;
  }
  const bits: boolean[] = [];
  for (let gy = 0; gy < 8; gy++) for (let gx = 0; gx < 8; gx++) bits.push(grid[gy * 9 + gx]! > grid[gy * 9 + gx + 1]!);
  return bitsToBytes(bits);
}

export function fingerprintImage(img: RgbImage): PhotoFingerprint {
  const rgb = cellMeans(img, THUMB_SIDE);
  const cells = THUMB_SIDE * THUMB_SIDE;
  const grey = new Float64Array(cells);
  const thumb = new Uint8Array(cells);
  for (let c = 0; c < cells; c++) {
    grey[c] = luma(rgb, c);
    thumb[c] = Math.round(grey[c]!);
  }
  const colour = new Uint8Array(COLOUR_SIDE * COLOUR_SIDE * 3);
  const k = THUMB_SIDE / COLOUR_SIDE;
  for (let cy = 0; cy < COLOUR_SIDE; cy++) for (let cx = 0; cx < COLOUR_SIDE; cx++) for (let ch = 0; ch < 3; ch++) {
    let s = 0;
    for (let y = cy * k; y < (cy + 1) * k; y++) for (let x = cx * k; x < (cx + 1) * k; x++) s += rgb[3 * (y * THUMB_SIDE + x) + ch]!;
    colour[3 * (cy * COLOUR_SIDE + cx) + ch] = Math.round(s / (k * k));
  }
  return { dct: dctHash(grey), gradient: gradientHash(grey), thumb, colour };
}
