import { describe, expect, it } from 'vitest';
import {
  BLAZEFACE_COORDS,
  BLAZEFACE_INPUT_SIZE,
  BLAZEFACE_LAYERS,
  blazeFaceAnchors,
  blazeFaceInput,
  decodeBlazeFaceLayer,
  letterbox,
  toPhoto,
  weightedNms,
  type FaceDetection,
} from '../../../src-main/core/analysis/detect/blazeface-decode.js';
import { tilesOf } from '../../../src-main/core/analysis/detect/blazeface.js';
import { requestedDetector } from '../../../src-main/core/analysis/detect/detector-choice.js';
import { ssdLikeBox } from '../../../src-main/core/analysis/detect/ssd-like-box.js';

const logit = (p: number): number => Math.log(p / (1 - p));

function detection(x: number, y: number, size: number, score: number): FaceDetection {
  return { box: { x, y, width: size, height: size }, score, keypoints: [{ x: x + size / 2, y: y + size / 2 }] };
}

describe('BlazeFace anchors and decoding', () => {
  it('has the back model\'s 896 anchors: 16x16 cells of 2, then 8x8 of 6, cell centres in row order', () => {
    const [a, b] = BLAZEFACE_LAYERS.map(blazeFaceAnchors) as [Float32Array, Float32Array];
    expect(a.length / 2 + b.length / 2).toBe(896);
    expect([a[0], a[1], a[2], a[3]]).toEqual([0.5 / 16, 0.5 / 16, 0.5 / 16, 0.5 / 16]);
    // Cell (x=1, y=0) comes after the two anchors of cell (0, 0); row 1 after 16 cells.
    expect([a[4], a[5]]).toEqual([1.5 / 16, 0.5 / 16]);
    expect([a[64], a[65]]).toEqual([0.5 / 16, 1.5 / 16]);
    expect([b[2 * 6 * 9], b[2 * 6 * 9 + 1]]).toEqual([1.5 / 8, 1.5 / 8]);
  });

  it('decodes offsets in input pixels from the anchor, sigmoid scores, and drops what scores under the limit', () => {
    const anchors = blazeFaceAnchors({ cells: 2, anchorsPerCell: 1 });
    const scores = new Float32Array([logit(0.9), logit(0.2), logit(0.6), -200]);
    const boxes = new Float32Array(4 * BLAZEFACE_COORDS);
    // Anchor 0 at (0.25, 0.25): centre moved 32 px right, 16 down, 64 x 48 px; right eye 10 px left of the anchor.
    boxes.set([32, 16, 64, 48, -10, 0], 0);
    boxes.set([0, 0, 20, 20], 2 * BLAZEFACE_COORDS);
    const out = decodeBlazeFaceLayer(scores, boxes, anchors, 0.5);
    expect(out).toHaveLength(2);
    const s = BLAZEFACE_INPUT_SIZE;
    expect(out[0]!.score).toBeCloseTo(0.9, 6);
    expect(out[0]!.box.x).toBeCloseTo(0.25 + 32 / s - 32 / s, 6);
    expect(out[0]!.box.y).toBeCloseTo(0.25 + 16 / s - 24 / s, 6);
    expect(out[0]!.box.width).toBeCloseTo(64 / s, 6);
    expect(out[0]!.box.height).toBeCloseTo(48 / s, 6);
    expect(out[0]!.keypoints).toHaveLength(6);
    expect(out[0]!.keypoints[0]!.x).toBeCloseTo(0.25 - 10 / s, 6);
    expect(out[1]!.score).toBeCloseTo(0.6, 6);
    expect(out[1]!.box.x).toBeCloseTo(0.25 - 10 / s, 6);
    expect(out[1]!.box.y).toBeCloseTo(0.75 - 10 / s, 6);
  });

  it('refuses outputs that do not fit the anchors', () => {
    expect(() => decodeBlazeFaceLayer(new Float32Array(3), new Float32Array(48), blazeFaceAnchors({ cells: 2, anchorsPerCell: 1 }), 0.5)).toThrow(/does not fit 4 anchors/);
  });
});

describe('weighted non-maximum suppression', () => {
  it('blends overlapping detections by score and keeps the best score; leaves apart ones alone', () => {
    const out = weightedNms([detection(10, 10, 100, 0.6), detection(0, 0, 100, 0.9), detection(500, 500, 50, 0.7)]);
    expect(out).toHaveLength(2);
    expect(out[0]!.score).toBe(0.9);
    expect(out[0]!.box.x).toBeCloseTo((0 * 0.9 + 10 * 0.6) / 1.5, 6);
    expect(out[0]!.box.width).toBeCloseTo(100, 6);
    expect(out[0]!.keypoints[0]!.x).toBeCloseTo((50 * 0.9 + 60 * 0.6) / 1.5, 6);
    expect(out[1]).toEqual(detection(500, 500, 50, 0.7));
  });

  it('keeps two faces that overlap by 0.3 or less', () => {
    // Side by side, 40 % of the width shared: IoU 0.25.
    expect(weightedNms([detection(0, 0, 100, 0.9), detection(60, 0, 100, 0.8)])).toHaveLength(2);
  });
});

describe('the model\'s input and back', () => {
  it('letterboxes a region, centred, and maps input coordinates back to photo pixels', () => {
    const lb = letterbox({ x: 100, y: 50, width: 512, height: 256 });
    expect(lb.scale).toBe(0.5);
    expect(lb.padX).toBe(0);
    expect(lb.padY).toBe(64);
    const back = toPhoto({ box: { x: 0.5, y: 0.25, width: 0.25, height: 0.25 }, score: 1, keypoints: [{ x: 0, y: 0.5 }] }, lb);
    expect(back.box).toEqual({ x: 100 + 256, y: 50 + (64 - 64) * 2, width: 128, height: 128 });
    expect(back.keypoints[0]).toEqual({ x: 100, y: 50 + (128 - 64) * 2 });
  });

  it('scales [0, 255] to [-1, 1], averages when shrinking, and pads with black', () => {
    // 512 x 256 photo: left half white, right half black; each input pixel covers 2x2 photo pixels.
    const width = 512, height = 256;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) for (let x = 0; x < width / 2; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
    const x = blazeFaceInput({ data, width, height }, letterbox({ x: 0, y: 0, width, height }));
    const at = (px: number, py: number): number => x[(py * BLAZEFACE_INPUT_SIZE + px) * 3]!;
    expect(at(10, 0)).toBe(-1); // padding above
    expect(at(10, 100)).toBeCloseTo(1, 6);
    expect(at(200, 100)).toBeCloseTo(-1, 6);
    expect(at(10, 255)).toBe(-1); // padding below
  });
});

/** blazeFaceInput as it was written first, per pixel: the faster one must give the same floats, bit for bit. */
function referenceInput(img: { data: Uint8Array; width: number; height: number }, lb: ReturnType<typeof letterbox>): Float32Array {
  const size = BLAZEFACE_INPUT_SIZE;
  const out = new Float32Array(size * size * 3).fill(-1);
  const { region, scale, padX, padY } = lb;
  const x0 = Math.ceil(padX - 1e-6), x1 = Math.floor(size - padX + 1e-6);
  const y0 = Math.ceil(padY - 1e-6), y1 = Math.floor(size - padY + 1e-6);
  const step = 1 / scale;
  const { data, width, height } = img;
  const k = 2 / 255;
  for (let oy = y0; oy < y1; oy++) {
    const sy0 = region.y + (oy - padY) * step;
    for (let ox = x0; ox < x1; ox++) {
      const sx0 = region.x + (ox - padX) * step;
      let r = 0, g = 0, b = 0;
      if (step > 1) {
        const ax = Math.max(0, Math.floor(sx0)), bx = Math.min(width, Math.max(ax + 1, Math.floor(sx0 + step)));
        const ay = Math.max(0, Math.floor(sy0)), by = Math.min(height, Math.max(ay + 1, Math.floor(sy0 + step)));
        for (let yy = ay; yy < by; yy++) {
          let p = (yy * width + ax) * 3;
          for (let xx = ax; xx < bx; xx++, p += 3) {
            r += data[p]!; g += data[p + 1]!; b += data[p + 2]!;
          }
        }
        const n = (bx - ax) * (by - ay);
        r /= n; g /= n; b /= n;
      } else {
        const fx = Math.min(width - 1, Math.max(0, sx0 + step / 2 - 0.5));
        const fy = Math.min(height - 1, Math.max(0, sy0 + step / 2 - 0.5));
        const ix = Math.floor(fx), iy = Math.floor(fy);
        const jx = Math.min(width - 1, ix + 1), jy = Math.min(height - 1, iy + 1);
        const tx = fx - ix, ty = fy - iy;
        const p00 = (iy * width + ix) * 3, p01 = (iy * width + jx) * 3, p10 = (jy * width + ix) * 3, p11 = (jy * width + jx) * 3;
        const mix = (c: number): number =>
          (data[p00 + c]! * (1 - tx) + data[p01 + c]! * tx) * (1 - ty) + (data[p10 + c]! * (1 - tx) + data[p11 + c]! * tx) * ty;
        r = mix(0); g = mix(1); b = mix(2);
      }
      const o = (oy * size + ox) * 3;
      out[o] = r * k - 1; out[o + 1] = g * k - 1; out[o + 2] = b * k - 1;
    }
  }
  return out;
}

describe('the input made once per row and column', () => {
  it('gives the per-pixel input bit for bit: shrunk, enlarged, whole photos and tiles', () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const [width, height] of [[1024, 683], [640, 405], [300, 1024], [200, 120], [97, 61]] as const) {
      const data = new Uint8Array(width * height * 3).map(() => Math.floor(random() * 256));
      const img = { data, width, height };
      const regions = [{ x: 0, y: 0, width, height }, ...tilesOf(width, height), { x: 13.5, y: 7.25, width: width / 3, height: height / 5 }];
      for (const region of regions) {
        const lb = letterbox(region);
        const a = blazeFaceInput(img, lb), b = referenceInput(img, lb);
        expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)), `${width}x${height} ${JSON.stringify(region)}`).toBe(0);
      }
    }
  });
});

describe('tiles, the SSD-like box and the detector setting', () => {
  it('cuts a photo into 2x2 tiles that cover it and overlap', () => {
    const tiles = tilesOf(1000, 600);
    expect(tiles).toHaveLength(4);
    expect(tiles[0]).toEqual({ x: 0, y: 0, width: 600, height: 360 });
    expect(tiles[3]).toEqual({ x: 400, y: 240, width: 600, height: 360 });
    expect(tiles[1]!.x).toBeLessThan(tiles[0]!.x + tiles[0]!.width);
  });

  it('makes a BlazeFace box SSD-like: taller, a little narrower, higher', () => {
    const b = ssdLikeBox({ x: 100, y: 100, width: 100, height: 100 });
    expect(b.height).toBeGreaterThan(100);
    expect(b.width).toBeLessThan(100);
    expect(b.y + b.height / 2).toBeLessThan(150);
  });

  it('reads FACEPAIR_DETECTOR', () => {
    expect(requestedDetector(undefined)).toBe('auto');
    expect(requestedDetector('')).toBe('auto');
    expect(requestedDetector('ssd')).toBe('ssd');
    expect(requestedDetector('blazeface')).toBe('blazeface');
    expect(() => requestedDetector('yolo')).toThrow(/FACEPAIR_DETECTOR must be one of/);
  });
});
