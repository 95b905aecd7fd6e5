import { rmSync } from 'node:fs';
import path from 'node:path';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../../src-main/core/analysis/descriptor.js';
import { ActionsRepository } from '../../src-main/core/db/actions.repository.js';
import { openDatabase, type Db } from '../../src-main/core/db/database.js';
import { toBlob } from '../../src-main/core/db/blobs.js';
import { EmbeddingsRepository } from '../../src-main/core/db/embeddings.repository.js';
import { FacesRepository } from '../../src-main/core/db/faces.repository.js';
import { LabelsRepository, type LabelRow } from '../../src-main/core/db/labels.repository.js';
import { PeopleRepository } from '../../src-main/core/db/people.repository.js';
import type { PhotoStatus } from '../../src-main/core/db/photos.repository.js';
import { tempDir } from './paths.js';

/**
 * A descriptor with the given coordinates and zeros elsewhere: `vec([0, 0.3], [5, 1])`. Faces
 * built this way lie at exactly known distances from each other, so a test can place a pair
 * just inside or just outside a threshold.
 */
export function vec(...coords: Array<readonly [dim: number, value: number]>): Float32Array {
  const v = new Float32Array(DESCRIPTOR_DIMS);
  for (const [d, x] of coords) v[d] = x;
  return v;
}

export interface PersonState {
  id: number;
  name: string | null;
  hidden: number;
  cover_face_id: number | null;
  created_at: string;
}

export interface FaceState {
  id: number;
  person_id: number | null;
  assigned_by: 'auto' | 'user' | null;
}

export type LabelState = LabelRow;

/** What the user can see of the people, and every decision kept: what undo must put back exactly. */
export interface LibraryState {
  people: PersonState[];
  faces: FaceState[];
  labels: LabelState[];
}

/**
 * A library database in a temporary folder with the real repositories over it, written
 * directly: photos without files, faces with descriptors but no crops. No ML is loaded.
 */
export class FaceDb {
  readonly db: Db;
  readonly faces: FacesRepository;
  readonly people: PeopleRepository;
  readonly labels: LabelsRepository;
  readonly embeddings: EmbeddingsRepository;
  readonly actions: ActionsRepository;
  readonly descriptorModel: number;
  /** The database file (for tests that hand it to the command line). */
  readonly file: string;
  private readonly dir: string;
  private photoCount = 0;
  private readonly nextIdx = new Map<number, number>();
  private readonly insertPhoto;
  private readonly insertPerson;
  private readonly insertFace;
  private readonly insertEmbedding;

  constructor(prefix = 'faces') {
    this.dir = tempDir(prefix);
    this.file = path.join(this.dir, 'library.db');
    this.db = openDatabase(this.file);
    this.faces = new FacesRepository(this.db);
    this.people = new PeopleRepository(this.db);
    this.labels = new LabelsRepository(this.db);
    this.embeddings = new EmbeddingsRepository(this.db);
    this.actions = new ActionsRepository(this.db);
    this.descriptorModel = this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
    this.insertPhoto = this.db.prepare(
      `INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, taken_at, status, analyzer_version, added_at, updated_at)
       VALUES (?, 1000, 0, ?, 'jpeg', 400, 300, ?, ?, 1, ?, ?)`,
    );
    this.insertPerson = this.db.prepare('INSERT INTO people (name, hidden, created_at, updated_at) VALUES (?, ?, ?, ?)');
    this.insertFace = this.db.prepare(
      `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, person_id, assigned_by, created_at)
       VALUES (?, ?, 10, 10, 100, 100, ?, 0, ?, 'c.jpg', 'a.jpg', ?, ?, ?)`,
    );
    this.insertEmbedding = this.db.prepare('INSERT INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
  }

  /** A photo, present ('done') unless said otherwise; photos are dated one day apart, in order. */
  addPhoto(status: PhotoStatus = 'done'): number {
    const n = ++this.photoCount;
    const taken = new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString();
    const now = new Date().toISOString();
    return Number(this.insertPhoto.run(`/photos/p${n}.jpg`, `hash${n}`, taken, status, now, now).lastInsertRowid);
  }

  addPerson(options: { name?: string | null; hidden?: boolean } = {}): number {
    const now = new Date().toISOString();
    return Number(this.insertPerson.run(options.name ?? null, options.hidden ? 1 : 0, now, now).lastInsertRowid);
  }

  /** A face with its descriptor, on a photo of its own unless `photo` is given; grouped 'auto' when it has a person. */
  addFace(vector: Float32Array, options: { person?: number | null; photo?: number; assignedBy?: 'auto' | 'user' | null; score?: number } = {}): number {
    const photo = options.photo ?? this.addPhoto();
    const idx = this.nextIdx.get(photo) ?? 0;
    this.nextIdx.set(photo, idx + 1);
    const person = options.person ?? null;
    const assignedBy = options.assignedBy !== undefined ? options.assignedBy : person === null ? null : 'auto';
    const id = Number(
      this.insertFace.run(photo, idx, options.score ?? 0.9, Buffer.alloc(136 * 4), person, assignedBy, new Date().toISOString()).lastInsertRowid,
    );
    this.insertEmbedding.run(id, this.descriptorModel, toBlob(vector));
    return id;
  }

  /** A person with one face per vector, each on a photo of its own. */
  addPersonWithFaces(vectors: readonly Float32Array[], options: { name?: string | null; hidden?: boolean } = {}): { id: number; faces: number[] } {
    const id = this.addPerson(options);
    return { id, faces: vectors.map((v) => this.addFace(v, { person: id })) };
  }

  setPhotoStatus(photoId: number, status: PhotoStatus): void {
    this.db.prepare('UPDATE photos SET status = ? WHERE id = ?').run(status, photoId);
  }

  photoOf(faceId: number): number {
    return this.faces.find(faceId)!.photoId;
  }

  personOf(faceId: number): number | null {
    return (this.db.prepare('SELECT person_id FROM faces WHERE id = ?').get(faceId) as { person_id: number | null }).person_id;
  }

  /** Ids of the people that exist (with or without faces). */
  personIds(): number[] {
    return (this.db.prepare('SELECT id FROM people ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
  }

  labelOf(faceA: number, faceB: number): LabelState | undefined {
    const [a, b] = faceA < faceB ? [faceA, faceB] : [faceB, faceA];
    return this.db.prepare('SELECT face_a, face_b, same, source, created_at, action_id FROM labels WHERE face_a = ? AND face_b = ?').get(a, b) as LabelState | undefined;
  }

  /** Every people row (but its updated_at), every face's assignment and every labels row (but its rowid). */
  state(): LibraryState {
    return {
      people: this.db.prepare('SELECT id, name, hidden, cover_face_id, created_at FROM people ORDER BY id').all() as PersonState[],
      faces: this.db.prepare('SELECT id, person_id, assigned_by FROM faces ORDER BY id').all() as FaceState[],
      labels: this.db.prepare('SELECT face_a, face_b, same, source, created_at, action_id FROM labels ORDER BY face_a, face_b').all() as LabelState[],
    };
  }

  close(): void {
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
