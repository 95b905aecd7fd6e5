/**
 * Which face detector the analysis runs: `FACEPAIR_DETECTOR=blazeface|ssd|auto` (default
 * auto: BlazeFace on onnxruntime-node where it loads, else face-api's SSD MobileNet v1 on TF.js).
 */
export type DetectorName = 'blazeface' | 'ssd';
export type DetectorRequest = DetectorName | 'auto';

export function requestedDetector(value = process.env.FACEPAIR_DETECTOR): DetectorRequest {
  if (value === undefined || value === '') return 'auto';
  if (value === 'blazeface' || value === 'ssd' || value === 'auto') return value;
  throw new Error(`FACEPAIR_DETECTOR must be one of blazeface, ssd, auto (got "${value}")`);
}
