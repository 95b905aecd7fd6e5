import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewFace } from '../../../src-main/core/db/faces.repository.js';
import { PhotosRepository } from '../../../src-main/core/db/photos.repository.js';
import { FaceDb, vec } from '../../support/face-db.js';

// FacesRepository.replaceForPhoto over a real SQLite library written directly (no ML): the
// faces a new analysis takes over keep their rows, the user's faces it does not find are kept
// and marked lost, and the rest go.

let lib: FaceDb;

beforeEach(() => {
  lib = new FaceDb('replace-faces');
});

afterEach(() => lib.close());

const face = (idx: number, x: number, crop = `c${idx}`): NewFace => ({
  idx,
  box: { x, y: 50, width: 100, height: 100 },
  score: 0.9,
  shapeError: 0.1,
  landmarks: new Float32Array(136),
  cropFile: `${crop}.jpg`,
  alignedFile: `${crop}-aligned.jpg`,
});

/** A photo with one face per x, written as a first analysis, each face with a descriptor. */
function photoWithFaces(xs: readonly number[]): { photo: number; faces: number[] } {
  const photo = lib.addPhoto();
  const faces = lib.faces.replaceForPhoto(photo, xs.map((x, i) => face(i, x)));
  lib.embeddings.put(lib.descriptorModel, faces.map((faceId, i) => ({ faceId, vector: vec([i, 1]) })));
  return { photo, faces };
}

const row = (id: number) =>
  lib.db.prepare('SELECT id, idx, x, crop_file, person_id, assigned_by, lost_at FROM faces WHERE id = ?').get(id) as
    | { id: number; idx: number; x: number; crop_file: string; person_id: number | null; assigned_by: string | null; lost_at: string | null }
    | undefined;

describe('FacesRepository.replaceForPhoto', () => {
  it('updates a face taken over in place: same id, person and labels; new box, crop and place; its old vectors dropped', () => {
    const { photo, faces } = photoWithFaces([0, 300]);
    const other = lib.addFace(vec([9, 1]));
    const anna = lib.addPerson({ name: 'Anna' });
    lib.faces.assign(faces[0]!, anna, 'user');
    lib.labels.record(faces[0]!, other, true, 'test');

    const ids = lib.faces.replaceForPhoto(photo, [face(0, 310, 'new0'), face(1, 5, 'new1')], [faces[1]!, faces[0]!]);

    expect(ids).toEqual([faces[1], faces[0]]);
    expect(row(faces[0]!)).toMatchObject({ idx: 1, x: 5, crop_file: 'new1.jpg', person_id: anna, assigned_by: 'user', lost_at: null });
    expect(row(faces[1]!)).toMatchObject({ idx: 0, x: 310, crop_file: 'new0.jpg' });
    expect(lib.labelOf(faces[0]!, other)).toMatchObject({ same: 1 });
    expect(lib.embeddings.vectorsFor(lib.descriptorModel, faces).size).toBe(0);
  });

  it('inserts the faces that take over none', () => {
    const { photo, faces } = photoWithFaces([0]);
    const ids = lib.faces.replaceForPhoto(photo, [face(0, 0), face(1, 500)], [faces[0]!, null]);
    expect(ids[0]).toBe(faces[0]);
    expect(ids[1]).toBeGreaterThan(faces[0]!);
    expect(lib.faces.listForPhoto(photo).map((f) => f.id)).toEqual(ids);
  });

  it('deletes a face the new analysis did not find when it carries no decision of the user', () => {
    const { photo, faces } = photoWithFaces([0, 300]);
    lib.faces.assign(faces[1]!, lib.addPerson(), 'auto');
    lib.faces.replaceForPhoto(photo, [face(0, 0)], [faces[0]!]);
    expect(row(faces[1]!)).toBeUndefined();
  });

  it.each([
    ['put in a person by the user', (f: number) => lib.faces.assign(f, lib.addPerson(), 'user')],
    ['in a labelled pair', (f: number) => void lib.labels.record(f, lib.addFace(vec([9, 1])), false, 'test')],
    ['chosen as a cover', (f: number) => lib.people.update(lib.addPerson(), { coverFaceId: f })],
    ['grouped into a person the user named', (f: number) => lib.faces.assign(f, lib.addPerson({ name: 'Ben' }), 'auto')],
    ['grouped into a person the user hid', (f: number) => lib.faces.assign(f, lib.addPerson({ hidden: true }), 'auto')],
  ])('keeps a face it did not find, marked lost, when it is %s', (_what, decide) => {
    const { photo, faces } = photoWithFaces([0, 300]);
    decide(faces[1]!);
    lib.faces.replaceForPhoto(photo, [face(0, 0), face(1, 600)], [faces[0]!, null]);
    // Its place goes after the faces found, which reuse theirs.
    expect(row(faces[1]!)).toMatchObject({ idx: 2 });
    expect(row(faces[1]!)!.lost_at).not.toBeNull();
  });

  it('leaves a lost face out of grouping, review, the photo and the people, but keeps its labels and lists it', () => {
    const { photo, faces } = photoWithFaces([0, 300]);
    const other = lib.addFace(vec([9, 1]));
    const ben = lib.addPerson({ name: 'Ben' });
    lib.faces.assign(faces[1]!, ben, 'user');
    lib.people.update(ben, { coverFaceId: faces[1]! });
    lib.labels.record(faces[1]!, other, true, 'test');

    lib.faces.replaceForPhoto(photo, [face(0, 0)], [faces[0]!]);

    expect(lib.faces.listForGrouping(lib.descriptorModel).map((f) => f.id)).not.toContain(faces[1]);
    expect(lib.faces.listAssignments().has(faces[1]!)).toBe(false);
    expect(lib.faces.listForPhoto(photo).map((f) => f.id)).toEqual([faces[0]]);
    expect(lib.faces.listWithPhotos().map((f) => f.id)).not.toContain(faces[1]);
    expect(lib.faces.listForPerson(ben)).toEqual([]);
    expect(lib.faces.countOnPresentPhotos()).toBe(2);
    expect(lib.people.summaries({ includeHidden: true }).map((p) => p.id)).not.toContain(ben);
    expect(lib.people.countWithPresentFaces()).toBe(0);
    expect(lib.people.list()).toEqual([]);
    expect(lib.embeddings.facesWithout(lib.descriptorModel + 1000).map((f) => f.faceId)).not.toContain(faces[1]);
    // The decisions themselves stay.
    expect(lib.labelOf(faces[1]!, other)).toMatchObject({ same: 1 });
    expect(lib.people.find(ben)).toMatchObject({ name: 'Ben', cover_face_id: faces[1] });
    expect(lib.faces.listAllOfPerson(ben).map((f) => f.id)).toEqual([faces[1]]);
    expect(lib.faces.listLost()).toEqual([
      expect.objectContaining({ faceId: faces[1], photoId: photo, box: [300, 50, 100, 100], personId: ben, personName: 'Ben' }),
    ]);
  });

  it('gives a lost face found again its place back and clears the mark, keeping when it was first lost until then', () => {
    const { photo, faces } = photoWithFaces([0, 300]);
    lib.faces.assign(faces[1]!, lib.addPerson(), 'user');
    lib.faces.replaceForPhoto(photo, [face(0, 0)], [faces[0]!]);
    const lostAt = row(faces[1]!)!.lost_at;
    lib.faces.replaceForPhoto(photo, [face(0, 0)], [faces[0]!]);
    expect(row(faces[1]!)!.lost_at).toBe(lostAt);

    lib.faces.replaceForPhoto(photo, [face(0, 0), face(1, 305)], [faces[0]!, faces[1]!]);
    expect(row(faces[1]!)).toMatchObject({ idx: 1, x: 305, lost_at: null });
    expect(lib.faces.listLost()).toEqual([]);
    expect(lib.faces.listForPhoto(photo).map((f) => f.id)).toEqual(faces);
  });

  it('refuses to take over a face of another photo, or one face twice, before writing anything', () => {
    const a = photoWithFaces([0]);
    const b = photoWithFaces([0]);
    const before = lib.state();
    expect(() => lib.faces.replaceForPhoto(a.photo, [face(0, 0)], [b.faces[0]!])).toThrow(/not a face of photo/);
    expect(() => lib.faces.replaceForPhoto(a.photo, [face(0, 0), face(1, 1)], [a.faces[0]!, a.faces[0]!])).toThrow(/Two faces cannot take over/);
    expect(lib.state()).toEqual(before);
    expect(row(a.faces[0]!)).toMatchObject({ idx: 0 });
  });

  it('lists the previous faces of a photo with their boxes, lost ones included', () => {
    const { photo, faces } = photoWithFaces([0, 300]);
    lib.faces.assign(faces[1]!, lib.addPerson(), 'user');
    lib.faces.replaceForPhoto(photo, [face(0, 0)], [faces[0]!]);
    expect(lib.faces.listPreviousForPhoto(photo)).toEqual([
      { id: faces[0], box: { x: 0, y: 50, width: 100, height: 100 } },
      { id: faces[1], box: { x: 300, y: 50, width: 100, height: 100 } },
    ]);
  });
});

describe('PhotosRepository.queueStaleAnalyses', () => {
  it('queues again the analysed photos of an older analyser only', () => {
    const photos = new PhotosRepository(lib.db);
    const old = lib.addPhoto();
    const current = lib.addPhoto();
    const failed = lib.addPhoto('error');
    const gone = lib.addPhoto('gone');
    lib.db.prepare('UPDATE photos SET analyzer_version = 1').run();
    lib.db.prepare('UPDATE photos SET analyzer_version = 2 WHERE id = ?').run(current);

    expect(photos.queueStaleAnalyses(2)).toBe(1);
    expect(photos.listPending().map((p) => p.id)).toEqual([old]);
    expect(photos.findById(old)!.analyzer_version).toBe(1);
    expect([photos.findById(failed)!.status, photos.findById(gone)!.status]).toEqual(['error', 'gone']);
  });
});
