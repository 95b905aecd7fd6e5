import { fitSimilarity, type Point, type Similarity } from './geometry.js';

// dlib's mean face (get_face_chip_details): landmarks 17..67 in a unit square. The 128-d
// descriptor (dlib's ResNet, ported by face-api) was trained on chips cut this way, so
// matching its alignment is what lets the descriptor reach its published accuracy.
const MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127,
  0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825,
  0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985,
  0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379,
  0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352,
  0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852,
  0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405,
  0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792,
  0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
];

/** dlib uses landmarks 27..67 without the lower lip (55..59, 65..67); eyebrows are skipped too. */
const USED = Array.from({ length: 68 - 27 }, (_, i) => i + 27).filter((i) => !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67));

export const DESCRIPTOR_CHIP_SIZE = 150;
export const DESCRIPTOR_CHIP_PADDING = 0.25;

/** Transform from chip pixels to image pixels for dlib's face chip (size 150, padding 0.25). */
export function dlibChipTransform(landmarks: readonly Point[], size = DESCRIPTOR_CHIP_SIZE, padding = DESCRIPTOR_CHIP_PADDING): Similarity {
  if (landmarks.length !== 68) throw new Error(`dlib chip alignment needs 68 landmarks (got ${landmarks.length})`);
  const from: Point[] = [];
  const to: Point[] = [];
  for (const i of USED) {
    from.push({
      x: ((padding + MEAN_X[i - 17]!) / (2 * padding + 1)) * size,
      y: ((padding + MEAN_Y[i - 17]!) / (2 * padding + 1)) * size,
    });
    to.push(landmarks[i]!);
  }
  return fitSimilarity(from, to);
}

/** dlib's mean shape of landmarks 17..67 placed in a square of `size` pixels, for shape checks. */
export function dlibMeanShape(size = 1): Point[] {
  return MEAN_X.map((x, i) => ({ x: x * size, y: MEAN_Y[i]! * size }));
}
