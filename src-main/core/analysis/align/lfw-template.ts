import { fitSimilarity, type Point, type Similarity } from './geometry.js';

export const LFW_CROP_SIZE = 250;

// Where LFW's deep-funneled 250x250 images have their eyes, nose and mouth: the mean of the
// 68-point landmarks of 1,520 central faces, from `node dist/src-main/cli/derive-lfw-template.js
// lfw.db` after `facepair scan ../shared/datasets/lfw/images --db lfw.db`. Aligning users'
// faces onto it makes their crops look like what the seed model was trained on.
export const LFW_TEMPLATE: readonly Point[] = [
  { x: 103.41, y: 111.79 }, // left eye centre (landmarks 36..41)
  { x: 144.29, y: 111.17 }, // right eye centre (42..47)
  { x: 124.06, y: 136.41 }, // nose tip (30)
  { x: 107.52, y: 156.72 }, // mouth left corner (48)
  { x: 142.54, y: 156.5 }, // mouth right corner (54)
];

function centre(points: readonly Point[], from: number, to: number): Point {
  let x = 0, y = 0;
  for (let i = from; i <= to; i++) {
    x += points[i]!.x; y += points[i]!.y;
  }
  const n = to - from + 1;
  return { x: x / n, y: y / n };
}

/** The five points used for LFW alignment: eye centres, nose tip, mouth corners. */
export function fivePoints(landmarks: readonly Point[]): Point[] {
  if (landmarks.length !== 68) throw new Error(`LFW alignment needs 68 landmarks (got ${landmarks.length})`);
  return [centre(landmarks, 36, 41), centre(landmarks, 42, 47), landmarks[30]!, landmarks[48]!, landmarks[54]!];
}

/** Transform from the 250x250 LFW-like crop to image pixels. */
export function lfwAlignTransform(landmarks: readonly Point[]): Similarity {
  return fitSimilarity(LFW_TEMPLATE, fivePoints(landmarks));
}
