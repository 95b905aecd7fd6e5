import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../../src-main/core/analysis/decode.js';
import { FaceAnalyzer, type AnalyzeResult } from '../../src-main/core/analysis/face-analyzer.js';
import { FACE_NETS, faceNetsOnnxDir, loadOnnxFaceNets } from '../../src-main/core/analysis/onnx-face-nets.js';
import { OnnxTinyFaceDetector } from '../../src-main/core/analysis/detect/tiny-face-detector.js';
import { loadFaceNets } from '../../src-main/core/analysis/face-models.js';
import { GROUPS, IDENTITIES, tempDir } from '../support/paths.js';

// The landmark and descriptor nets on onnxruntime (made by `npm run build`) find the same faces
// with the same landmarks and descriptors as face-api's TF.js nets, on real photos.
const PHOTOS = [path.join(GROUPS, 'opencv-course_group1.jpg'), path.join(GROUPS, 'deepface_couple.jpg'), path.join(IDENTITIES, 'id01/img1.jpg')];

describe('the landmark and descriptor nets on onnxruntime', () => {
  let onnx: FaceAnalyzer;
  let tfjs: FaceAnalyzer;
  const saved = process.env.FACEPAIR_FACE_NETS;
  beforeAll(async () => {
    onnx = await FaceAnalyzer.load();
    process.env.FACEPAIR_FACE_NETS = 'tfjs';
    tfjs = await FaceAnalyzer.load();
    if (saved === undefined) delete process.env.FACEPAIR_FACE_NETS;
    else process.env.FACEPAIR_FACE_NETS = saved;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.FACEPAIR_FACE_NETS;
  });

  it('run where onnxruntime loads, and say so', () => {
    expect(onnx.backend).toMatch(/(^|\+)onnxruntime$/);
    expect(tfjs.backend).not.toMatch(/onnxruntime/);
  });

  it('run the second look on onnxruntime too: TF.js is never loaded, and the dogs are still dropped', async () => {
    const analyzer = await FaceAnalyzer.load();
    try {
      // Its dogs are unsure detections that the Tiny Face Detector must judge (and drop).
      const dogs = await analyzer.analyze((await decodePhoto(path.join(GROUPS, 'dlib-examples-faces/dogs.jpg'), 1024)).image);
      expect(dogs.faces).toHaveLength(0);
      expect(dogs.rejected.some((r) => r.reason === 'unconfirmed')).toBe(true);
      expect(analyzer.backend).toBe('onnxruntime');
    } finally {
      await analyzer.dispose();
    }
  });

  it("give the Tiny Face Detector's faces as TF.js does: the same boxes within 0.05 px, scores within 1e-4", async () => {
    const tiny = await OnnxTinyFaceDetector.load();
    expect(tiny).not.toBeNull();
    const { tf, faceapi } = await loadFaceNets({ ssd: false, landmarksAndDescriptor: false });
    let compared = 0;
    try {
      for (const [file, inputSize] of [
        ['dlib-examples-faces/dogs.jpg', 608],
        ['deepface_selfie-many-people.jpg', 608],
        ['opencv-course_group1.jpg', 416],
        ['deepface_couple.jpg', 160],
      ] as const) {
        const { image } = await decodePhoto(path.join(GROUPS, file), 1024);
        const got = await tiny!.locateFaces(image, inputSize, 0.3);
        const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
        const want = await faceapi.nets.tinyFaceDetector.locateFaces(input as never, new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.3 }));
        input.dispose();
        expect(got.length, file).toBe(want.length);
        got.forEach((d, i) => {
          const w = want[i]!;
          expect(Math.abs(d.score - w.score), `${file} ${i} score`).toBeLessThan(1e-4);
          for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(d.box[k] - w.box[k]), `${file} ${i} ${k}`).toBeLessThan(0.05);
        });
        compared += got.length;
      }
    } finally {
      await tiny!.dispose();
    }
    expect(compared).toBeGreaterThan(5);
  });

  it('find the same faces, landmarks within 0.01 px and descriptors within 0.001 of TF.js', async () => {
    let faces = 0;
    for (const file of PHOTOS) {
      const { image } = await decodePhoto(file, 1600);
      const a: AnalyzeResult = await onnx.analyze(image);
      const b: AnalyzeResult = await tfjs.analyze(image);
      expect(a.faces.length, path.basename(file)).toBe(b.faces.length);
      a.faces.forEach((f, i) => {
        const g = b.faces[i]!;
        const worst = Math.max(...f.landmarks.map((p, k) => Math.hypot(p.x - g.landmarks[k]!.x, p.y - g.landmarks[k]!.y)));
        expect(worst, `${path.basename(file)} face ${i} landmarks`).toBeLessThan(0.01);
        const distance = Math.sqrt(f.descriptor.reduce((s, v, k) => s + (v - g.descriptor[k]!) ** 2, 0));
        expect(distance, `${path.basename(file)} face ${i} descriptor`).toBeLessThan(1e-3);
      });
      faces += a.faces.length;
    }
    expect(faces).toBeGreaterThan(20);
  });

  it('give each input the same outputs bit for bit whether it runs alone or in a batch larger than maxBatch (run in parts)', async () => {
    const nets = await loadOnnxFaceNets();
    expect(nets).not.toBeNull();
    try {
      for (const net of [nets!.landmarks, nets!.descriptor]) {
        const { inputSize, maxBatch, outputs } = FACE_NETS[net.net];
        const n = 2 * maxBatch + 1;
        const size = inputSize * inputSize * 3;
        const x = new Float32Array(n * size);
        let seed = 7;
        for (let i = 0; i < x.length; i++) x[i] = (seed = (seed * 16807) % 2147483647) % 256;
        const batch = await net.run(x, n);
        expect(batch.length).toBe(n * outputs);
        for (const k of [0, maxBatch - 1, maxBatch, n - 1]) {
          const alone = await net.run(x.slice(k * size, (k + 1) * size), 1);
          expect(Buffer.from(batch.buffer, batch.byteOffset + k * outputs * 4, outputs * 4).equals(Buffer.from(alone.buffer, alone.byteOffset, outputs * 4))).toBe(true);
        }
      }
    } finally {
      await nets?.landmarks.dispose();
      await nets?.descriptor.dispose();
    }
  });

  it('are not used when the ONNX files were made from other weights than the installed ones', async () => {
    const dir = tempDir('face-nets');
    for (const { onnx: file } of Object.values(FACE_NETS)) {
      copyFileSync(path.join(faceNetsOnnxDir(), file), path.join(dir, file));
      writeFileSync(path.join(dir, `${file}.json`), JSON.stringify({ faceApiWeightsSha256: 'made from other weights', maxDifferenceFromTfjs: 0, exportedAt: '' }));
    }
    expect(await loadOnnxFaceNets(dir)).toBeNull();
    expect(await OnnxTinyFaceDetector.load(dir)).toBeNull();
    const good = await loadOnnxFaceNets();
    expect(good).not.toBeNull();
    await good?.landmarks.dispose();
    await good?.descriptor.dispose();
  });
});
