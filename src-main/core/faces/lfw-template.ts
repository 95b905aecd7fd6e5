import { fitSimilarity, type Point, type Similarity } from './geometry.js';

export const LFW_CROP_SIZE = 250;

// PLACEHOLDER until derived from LFW by the derive script.
export const LFW_TEMPLATE: readonly Point[] = [
  { x: 101, y: 116 }, // left eye centre (landmarks 36..41)
  { x: 149, y: 116 }, // right eye centre (42..47)
  { x: 125, y: 145 }, // nose tip (30)
  { x: 106, y: 170 }, // mouth left corner (48)
  { x: 144, y: 170 }, // mouth right corner (54)
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
