import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadMlRuntime, type MlRuntime } from '../ml/runtime.js';

const require = createRequire(import.meta.url);

/** Pretrained weights shipped inside the @vladmandic/face-api package: nothing is downloaded. */
export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

type Net = { loadFromWeightMap(map: Record<string, unknown>): void; isLoaded: boolean };

async function loadNet(rt: MlRuntime, net: Net, name: string): Promise<void> {
  if (net.isLoaded) return;
  const dir = faceApiModelDir();
  const manifest = JSON.parse(await readFile(path.join(dir, `${name}-weights_manifest.json`), 'utf8')) as Array<{
    paths: string[];
    weights: Parameters<MlRuntime['tf']['io']['decodeWeights']>[1];
  }>;
  const buffers = await Promise.all(manifest.flatMap((group) => group.paths).map((p) => readFile(path.join(dir, p))));
  const joined = Buffer.concat(buffers);
  const bytes = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  net.loadFromWeightMap(rt.tf.io.decodeWeights(bytes, manifest.flatMap((group) => group.weights)));
}

/**
 * The second-look detector (Tiny Face Detector, unless `tinyFaceDetector` is false: it runs on onnxruntime); when `ssd` (the detector where BlazeFace does
 * not run), SSD MobileNet v1; and unless `landmarksAndDescriptor` is false (they run on
 * onnxruntime), the 68-point landmark net and the 128-d descriptor net. A net not needed is not
 * loaded: each holds its float weights in every worker's memory.
 */
export async function loadFaceNets(options: { ssd: boolean; landmarksAndDescriptor?: boolean; tinyFaceDetector?: boolean } = { ssd: true }): Promise<MlRuntime> {
  const rt = await loadMlRuntime();
  const { nets } = rt.faceapi;
  if (options.ssd) await loadNet(rt, nets.ssdMobilenetv1 as unknown as Net, 'ssd_mobilenetv1_model');
  if (options.landmarksAndDescriptor !== false) {
    await loadNet(rt, nets.faceLandmark68Net as unknown as Net, 'face_landmark_68_model');
    await loadNet(rt, nets.faceRecognitionNet as unknown as Net, 'face_recognition_model');
  }
  if (options.tinyFaceDetector !== false) await loadNet(rt, nets.tinyFaceDetector as unknown as Net, 'tiny_face_detector_model');
  return rt;
}
