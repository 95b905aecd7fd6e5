import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnalysisService, type PhotoAnalyzer } from '../../../src-main/core/analysis/analysis.service.js';
import { ANALYZER_VERSION } from '../../../src-main/core/analysis/descriptor.js';
import type { PhotoAnalysis, PhotoFace } from '../../../src-main/core/analysis/photo-analysis.js';
import { FingerprintsRepository } from '../../../src-main/core/db/fingerprints.repository.js';
import { PhotosRepository } from '../../../src-main/core/db/photos.repository.js';
import { FaceDb, vec } from '../../support/face-db.js';

// AnalysisService over a real SQLite library written directly, with a fake analyser that
// answers chosen faces: which previous face each new face takes over on a re-analysis.

let lib: FaceDb;
let photos: PhotosRepository;
let analysis: AnalysisService;

beforeEach(() => {
  lib = new FaceDb('analysis');
  photos = new PhotosRepository(lib.db);
  analysis = new AnalysisService(lib.db, photos, lib.faces, lib.embeddings);
});

afterEach(() => lib.close());

const found = (idx: number, x: number, descriptor: Float32Array): PhotoFace => ({
  idx,
  box: { x, y: 40, width: 100, height: 100 },
  score: 0.9,
  shapeError: 0.1,
  landmarks: new Float32Array(136),
  descriptor,
  cropFile: `c${idx}.jpg`,
  alignedFile: `a${idx}.jpg`,
});

/** An analyser that finds `faces` on every photo. */
function analyzer(faces: readonly PhotoFace[]): PhotoAnalyzer<object> {
  const result: PhotoAnalysis = {
    format: 'jpeg',
    width: 800,
    height: 600,
    takenAt: null,
    faces: [...faces],
    timings: { decodeMs: 0, detectMs: 0, landmarksMs: 0, alignMs: 0, embedMs: 0, cropsMs: 0 },
  };
  return { workers: 1, analyze: async () => ({ ok: true, analysis: result, backend: 'fake' }) };
}

/** A photo analysed once, its faces the given ones, the first one named by the user. */
async function analysedPhoto(faces: readonly PhotoFace[]): Promise<{ photo: number; ids: number[] }> {
  const photo = photos.insert({ path: `/p/${Math.random()}.jpg`, size: 1, mtimeMs: 0, contentHash: 'h' });
  await analysis.analyzePending({ analyzer: analyzer(faces) });
  const ids = lib.faces.listForPhoto(photo).map((f) => f.id);
  lib.faces.assign(ids[0]!, lib.addPerson({ name: 'Anna' }), 'user');
  return { photo, ids };
}

const lostAt = (faceId: number): string | null =>
  (lib.db.prepare('SELECT lost_at FROM faces WHERE id = ?').get(faceId) as { lost_at: string | null }).lost_at;

describe('AnalysisService.analyzePending on a photo analysed before', () => {
  it('analyses again the photos of an older analyser, each face keeping its id where it is found again', async () => {
    const { photo, ids } = await analysedPhoto([found(0, 100, vec([0, 1])), found(1, 400, vec([1, 1]))]);
    lib.db.prepare('UPDATE photos SET analyzer_version = ?').run(ANALYZER_VERSION - 1);

    // A new analyser: boxes a little off, other descriptors, the faces in another order.
    const summary = await analysis.analyzePending({ analyzer: analyzer([found(0, 410, vec([5, 1])), found(1, 108, vec([6, 1]))]) });

    expect(summary.done).toBe(1);
    expect(lib.faces.listForPhoto(photo).map((f) => f.id)).toEqual([ids[1], ids[0]]);
    expect(photos.findById(photo)!.analyzer_version).toBe(ANALYZER_VERSION);
    expect(lib.embeddings.vectorsFor(lib.descriptorModel, [ids[0]!]).get(ids[0]!)).toEqual(vec([6, 1]));
  });

  it('leaves photos of the current analyser alone', async () => {
    await analysedPhoto([found(0, 100, vec([0, 1]))]);
    expect((await analysis.analyzePending({ analyzer: analyzer([]) })).total).toBe(0);
  });

  it('on a photo whose content changed, a face at the same place keeps its id only if it still looks like the same person', async () => {
    const { photo, ids } = await analysedPhoto([found(0, 100, vec([0, 1])), found(1, 400, vec([1, 1]))]);
    photos.resetForNewContent(photo, { size: 2, mtimeMs: 1, contentHash: 'h2' });

    // Face 0 now shows someone else (descriptors 1.41 apart); face 1 is the same person, a little moved.
    await analysis.analyzePending({ analyzer: analyzer([found(0, 100, vec([7, 1])), found(1, 405, vec([1, 1], [2, 0.1]))]) });

    const now = lib.faces.listForPhoto(photo).map((f) => f.id);
    expect(now[1]).toBe(ids[1]);
    expect(now[0]).not.toBe(ids[0]);
    // The user's face that is no longer there is kept, lost.
    expect(lostAt(ids[0]!)).not.toBeNull();
    expect(lib.faces.listLost().map((f) => f.faceId)).toEqual([ids[0]]);
  });

  it('a photo whose analysis fails keeps its faces', async () => {
    const { photo, ids } = await analysedPhoto([found(0, 100, vec([0, 1]))]);
    photos.resetForNewContent(photo, { size: 2, mtimeMs: 1, contentHash: 'h2' });
    await analysis.analyzePending({ analyzer: { workers: 1, analyze: async () => ({ ok: false, error: 'unreadable' }) } });
    expect(photos.findById(photo)!.status).toBe('error');
    expect(lib.faces.find(ids[0]!)).toBeDefined();
  });
});

describe('AnalysisService.analyzePending on exact copies', () => {
  /** Counts the photos it really analyses; answers after a turn of the event loop, so that jobs overlap. */
  function countingAnalyzer(faces: readonly PhotoFace[], workers = 1): PhotoAnalyzer<object> & { paths: string[] } {
    const inner = analyzer(faces);
    const paths: string[] = [];
    return {
      workers,
      paths,
      analyze: async (photo) => {
        paths.push(photo.path);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const reply = await inner.analyze(photo);
        if (!reply.ok) return reply;
        const fingerprint = { dct: new Uint8Array(8).fill(1), gradient: new Uint8Array(8).fill(2), thumb: new Uint8Array(1024).fill(3), colour: new Uint8Array(192).fill(4) };
        return { ...reply, analysis: { ...reply.analysis, fingerprint } };
      },
    };
  }

  const withPrints = (): { analysis: AnalysisService; prints: FingerprintsRepository } => {
    const prints = new FingerprintsRepository(lib.db);
    return { analysis: new AnalysisService(lib.db, photos, lib.faces, lib.embeddings, prints), prints };
  };

  it('analyses a file once when a scan finds it twice, even with both in flight at once; the copy gets its own faces, vectors and fingerprint', async () => {
    const { analysis: withFingerprints, prints } = withPrints();
    const a = photos.insert({ path: '/p/a.jpg', size: 1, mtimeMs: 0, contentHash: 'same' });
    const b = photos.insert({ path: '/q/a copy.jpg', size: 1, mtimeMs: 0, contentHash: 'same' });
    const other = photos.insert({ path: '/p/other.jpg', size: 2, mtimeMs: 0, contentHash: 'other' });
    const counting = countingAnalyzer([found(0, 100, vec([0, 1])), found(1, 400, vec([1, 1]))], 2);

    const summary = await withFingerprints.analyzePending({ analyzer: counting });

    expect(counting.paths.sort()).toEqual(['/p/a.jpg', '/p/other.jpg']);
    expect(summary).toMatchObject({ done: 3, total: 3, copies: 1, faces: 6, errors: 0 });
    const facesA = lib.faces.listAnalysed(a), facesB = lib.faces.listAnalysed(b);
    expect(facesB.map((f) => f.box)).toEqual(facesA.map((f) => f.box));
    expect(facesB.map((f) => f.cropFile)).toEqual(facesA.map((f) => f.cropFile));
    expect(new Set([...facesA, ...facesB].map((f) => f.id)).size).toBe(4);
    expect(lib.embeddings.vectorsFor(lib.descriptorModel, [facesB[1]!.id]).get(facesB[1]!.id)).toEqual(vec([1, 1]));
    expect(prints.get(b)?.thumb).toEqual(prints.get(a)?.thumb);
    expect(photos.findById(b)).toMatchObject({ status: 'done', width: 800, height: 600, format: 'jpeg', analyzer_version: ANALYZER_VERSION });
    expect(photos.findById(other)!.status).toBe('done');
  });

  it('reuses a photo analysed in an earlier scan: its vectors of every model and "not a face" marks too', async () => {
    const { photo, ids } = await analysedPhoto([found(0, 100, vec([0, 1])), found(1, 400, vec([1, 1]))]);
    const seedModel = lib.faces.modelId('seed-test', 'extractor', 2);
    lib.embeddings.put(seedModel, [{ faceId: ids[0]!, vector: Float32Array.of(0.25, 0.5) }]);
    lib.faces.setNotFace(ids[1]!, '2024-01-01T00:00:00.000Z');
    const copy = photos.insert({ path: '/backup/copy.jpg', size: 1, mtimeMs: 0, contentHash: photos.findById(photo)!.content_hash });
    const counting = countingAnalyzer([]);

    const summary = await analysis.analyzePending({ analyzer: counting });

    expect(counting.paths).toEqual([]);
    expect(summary.copies).toBe(1);
    const copied = lib.faces.listAnalysed(copy);
    expect(copied.map((f) => f.box.x)).toEqual([100, 400]);
    expect(lib.embeddings.vectorsFor(seedModel, [copied[0]!.id]).get(copied[0]!.id)).toEqual(Float32Array.of(0.25, 0.5));
    expect(copied.map((f) => f.notFaceAt)).toEqual([null, '2024-01-01T00:00:00.000Z']);
    // The user's decisions are the original's: the copy's faces carry none of their own yet.
    expect(lib.faces.find(copied[0]!.id)!.personId).toBeNull();
  });

  it("counts a copy's faces in the person, and the picture once in the person's photos", async () => {
    const { photo, ids } = await analysedPhoto([found(0, 100, vec([0, 1]))]);
    const person = lib.faces.find(ids[0]!)!.personId!;
    const copy = photos.insert({ path: '/backup/copy.jpg', size: 1, mtimeMs: 0, contentHash: photos.findById(photo)!.content_hash });
    await analysis.analyzePending({ analyzer: countingAnalyzer([]) });
    const copyFace = lib.faces.listAnalysed(copy)[0]!.id;
    lib.faces.assign(copyFace, person, 'auto');

    expect(lib.people.summary(person)).toMatchObject({ faces: 2, photos: 1 });
    expect(lib.faces.photoCountsByPerson().get(person)).toBe(1);
  });

  it('analyses a copy itself when the photo it copies failed', async () => {
    photos.insert({ path: '/p/a.jpg', size: 1, mtimeMs: 0, contentHash: 'same' });
    photos.insert({ path: '/p/b.jpg', size: 1, mtimeMs: 0, contentHash: 'same' });
    let calls = 0;
    const summary = await analysis.analyzePending({
      analyzer: { workers: 2, analyze: async () => (calls++, await new Promise((r) => setTimeout(r, 5)), { ok: false, error: 'unreadable' }) },
    });
    expect(calls).toBe(2);
    expect(summary).toMatchObject({ errors: 2, copies: 0 });
  });
});
