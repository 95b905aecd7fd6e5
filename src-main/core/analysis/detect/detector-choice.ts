/**
 * Which face detector the analysis runs: `FACEPAIR_DETECTOR=blazeface|ssd|auto` (default
 * auto: BlazeFace on onnxruntime-node where it loads, else face-api's SSD MobileNet v1 on TF.js).
 */
export type DetectorName = 'blazeface' | 'ssd';
export type DetectorRequest = DetectorName | 'auto';

import { existsSync } from 'node:fs';

import { loadOrt } from '../../ml/ort.js';
import { blazeFaceModelFile } from './blazeface.js';

/**
 * The detector this machine's analysis will run, decided as the workers decide it (the
 * setting, then whether onnxruntime-node and the model load): photos analysed by an older
 * analyser than this one's are analysed again.
 */
export async function expectedDetector(): Promise<DetectorName> {
  const wanted = requestedDetector();
  if (wanted === 'ssd') return 'ssd';
  if (wanted === 'blazeface') return 'blazeface';
  return existsSync(blazeFaceModelFile()) && (await loadOrt()) !== null ? 'blazeface' : 'ssd';
}

export function requestedDetector(value = process.env.FACEPAIR_DETECTOR): DetectorRequest {
  if (value === undefined || value === '') return 'auto';
  if (value === 'blazeface' || value === 'ssd' || value === 'auto') return value;
  throw new Error(`FACEPAIR_DETECTOR must be one of blazeface, ssd, auto (got "${value}")`);
}
