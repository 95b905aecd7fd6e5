import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../src-main/core/analysis/face-analyzer.js';
import { iou, type Box } from '../../src-main/core/analysis/align/geometry.js';
import { analyzePhotoFile } from '../../src-main/core/analysis/photo-analysis.js';
import { loadOrt } from '../../src-main/core/ml/ort.js';
import { GROUPS, tempDir } from '../support/paths.js';

const DLIB = path.join(GROUPS, 'dlib-examples-faces');

/** dlib imglab XML: <image file='…'><box top left width height/></image>. */
function groundTruth(xmlFile: string): Map<string, Box[]> {
  const xml = readFileSync(xmlFile, 'latin1');
  const out = new Map<string, Box[]>();
  for (const m of xml.matchAll(/<image file='([^']+)'[^>]*>([\s\S]*?)<\/image>/g)) {
    const boxes = [...m[2]!.matchAll(/<box top='(-?\d+)' left='(-?\d+)' width='(\d+)' height='(\d+)'/g)].map((b) => ({
      x: Number(b[2]),
      y: Number(b[1]),
      width: Number(b[3]),
      height: Number(b[4]),
    }));
    out.set(m[1]!, boxes);
  }
  return out;
}

describe('face detection on photos with ground-truth boxes', () => {
  let analyzer: FaceAnalyzer;
  const cache = tempDir('detect-cache');
  beforeAll(async () => {
    analyzer = await FaceAnalyzer.load();
  });

  it('runs BlazeFace where onnxruntime-node loads, SSD elsewhere', async () => {
    expect(analyzer.detector).toBe((await loadOrt()) === null ? 'ssd' : 'blazeface');
  });

  it('finds every annotated face of dlib\'s examples (IoU ≥ 0.4)', async () => {
    const truth = new Map([...groundTruth(path.join(DLIB, 'training.xml')), ...groundTruth(path.join(DLIB, 'testing.xml'))]);
    let annotated = 0, found = 0, detections = 0;
    for (const [file, boxes] of truth) {
      const result = await analyzePhotoFile(analyzer, path.join(DLIB, file), `test${file}`, cache);
      detections += result.faces.length;
      annotated += boxes.length;
      found += boxes.filter((b) => result.faces.some((f) => iou(f.box, b) >= 0.4)).length;
      // Every face gets its UI crop and its aligned crop in the cache, not beside the photo.
      for (const f of result.faces) {
        expect(existsSync(path.join(cache, f.cropFile))).toBe(true);
        expect(existsSync(path.join(cache, f.alignedFile))).toBe(true);
      }
    }
    console.info(`detection: ${found} of ${annotated} annotated faces found, ${detections} detections`);
    expect(annotated).toBe(43);
    expect(found).toBe(annotated);
    // And not a cloud of false alarms: at most a few more detections than faces.
    expect(detections).toBeLessThanOrEqual(annotated + 3);
  });

  it('finds no face on a photo of dogs', async () => {
    const result = await analyzePhotoFile(analyzer, path.join(DLIB, 'dogs.jpg'), 'testdogs', cache);
    expect(result.faces).toEqual([]);
  });

  it('finds no face on a park without people, and the one face of a portrait', async () => {
    const park = await analyzePhotoFile(analyzer, path.join(GROUPS, 'opencv-course_park_NO_FACES.jpg'), 'testpark', cache);
    expect(park.faces).toEqual([]);
    const lady = await analyzePhotoFile(analyzer, path.join(GROUPS, 'opencv-course_lady_single.jpg'), 'testlady', cache);
    expect(lady.faces).toHaveLength(1);
    expect(lady.faces[0]!.descriptor).toHaveLength(128);
    expect(lady.faces[0]!.landmarks).toHaveLength(136);
  });

  it('finds at least as many faces as SSD MobileNet v1 (the detector before) in crowds', async () => {
    const ssd = await FaceAnalyzer.load({ detector: 'ssd' });
    expect(ssd.detector).toBe('ssd');
    for (const file of ['opencv-course_group1.jpg', path.join('dlib-examples-faces', 'bald_guys.jpg')]) {
      const name = path.basename(file);
      const before = await analyzePhotoFile(ssd, path.join(GROUPS, file), `ssd-${name}`, cache);
      const now = await analyzePhotoFile(analyzer, path.join(GROUPS, file), `now-${name}`, cache);
      console.info(`${name}: ${now.faces.length} faces (SSD: ${before.faces.length})`);
      expect(before.faces.length).toBeGreaterThan(15);
      expect(now.faces.length).toBeGreaterThanOrEqual(before.faces.length);
      // Each face once: no two of them on one face.
      for (const [i, a] of now.faces.entries()) for (const b of now.faces.slice(i + 1)) expect(iou(a.box, b.box)).toBeLessThan(0.5);
    }
  });
});
