import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePhoto } from '../../src-main/core/analysis/decode.js';
import { FaceAnalyzer, type AnalyzeResult } from '../../src-main/core/analysis/face-analyzer.js';
import { FACE_NETS, faceNetsOnnxDir, loadOnnxFaceNets } from '../../src-main/core/analysis/onnx-face-nets.js';
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
    expect(onnx.backend).toMatch(/\+onnxruntime$/);
    expect(tfjs.backend).not.toMatch(/onnxruntime/);
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

  it('are not used when the ONNX files were made from other weights than the installed ones', async () => {
    const dir = tempDir('face-nets');
    for (const { onnx: file } of Object.values(FACE_NETS)) {
      copyFileSync(path.join(faceNetsOnnxDir(), file), path.join(dir, file));
      writeFileSync(path.join(dir, `${file}.json`), JSON.stringify({ faceApiWeightsSha256: 'made from other weights', maxDifferenceFromTfjs: 0, exportedAt: '' }));
    }
    expect(await loadOnnxFaceNets(dir)).toBeNull();
    const good = await loadOnnxFaceNets();
    expect(good).not.toBeNull();
    await good?.landmarks.dispose();
    await good?.descriptor.dispose();
  });
});
