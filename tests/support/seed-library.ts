import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import { toBlob } from '../../src-main/core/db/blobs.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../../src-main/core/analysis/descriptor.js';
import { LFW } from './paths.js';
import { Rng } from '../../src-main/core/ml/rng.js';

export interface SeedPerson {
  name?: string | null;
  hidden?: boolean;
  /** One vector per face (DESCRIPTOR_DIMS long); each face gets a photo of its own. */
  vectors: Float32Array[];
}

export interface SeededLibrary {
  app: FacePairApp;
  folder: string;
  /** Person ids in the order given, and each person's face ids. */
  personIds: number[];
  faceIds: number[][];
  photoIds: number[][];
}

/** A deterministic pseudo-random generator, so that runs repeat. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** A centre and faces around it: faces of one person lie about `spread` apart. */
export function personVectors(rand: () => number, faces: number, spread = 0.45, centre?: Float32Array): { centre: Float32Array; vectors: Float32Array[] } {
  const c = centre ?? Float32Array.from({ length: DESCRIPTOR_DIMS }, () => gaussian(rand) * 0.12);
  const sigma = spread / Math.sqrt(2 * DESCRIPTOR_DIMS);
  const vectors = Array.from({ length: faces }, () => Float32Array.from(c, (v) => v + gaussian(rand) * sigma));
  return { centre: c, vectors };
}

/** Face crops for seeded faces: LFW photos cut to the face, as the scan's crops look. */
async function writeCrops(cacheDir: string, count: number): Promise<string[]> {
  const dir = path.join(cacheDir, 'faces', 'seed');
  mkdirSync(dir, { recursive: true });
  const names = readdirSync(path.join(LFW, 'images')).slice(0, count);
  return Promise.all(
    names.map(async (name, i) => {
      const [file] = readdirSync(path.join(LFW, 'images', name));
      const rel = path.join('faces', 'seed', `${i}.jpg`);
      await sharp(path.join(LFW, 'images', name, file!))
        .extract({ left: 55, top: 55, width: 140, height: 140 })
        .resize(160, 160)
        .jpeg({ quality: 80 })
        .toFile(path.join(cacheDir, rel));
      return rel;
    }),
  );
}

/**
 * A library database as a scan would leave it, written directly (no photo is decoded): one
 * photo per face under `folder`, faces with descriptor vectors, grouped into the given people.
 */
export async function seedLibrary(dbFile: string, folder: string, people: readonly SeedPerson[], options: { crops?: number } = {}): Promise<SeededLibrary> {
  const app = createApp({ dbFile });
  mkdirSync(folder, { recursive: true });
  const added = await app.folders.add(folder);
  const crops = await writeCrops(app.cacheDir, Math.max(1, Math.min(options.crops ?? 64, people.length)));
  const modelId = app.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS);
  const db = app.db;
  const now = new Date().toISOString();
  const insertPhoto = db.prepare(
    `INSERT INTO photos (path, size, mtime_ms, content_hash, format, width, height, taken_at, status, analyzer_version, added_at, updated_at)
     VALUES (?, 1000, 0, ?, 'jpeg', 400, 300, ?, 'done', 1, ?, ?)`,
  );
  const insertPerson = db.prepare('INSERT INTO people (name, hidden, created_at, updated_at) VALUES (?, ?, ?, ?)');
  const insertFace = db.prepare(
    `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, person_id, assigned_by, created_at)
     VALUES (?, 0, 150, 80, 100, 120, ?, 0, ?, ?, ?, ?, 'auto', ?)`,
  );
  const insertEmbedding = db.prepare('INSERT INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
  const landmarks = Buffer.alloc(136 * 4);
  const out: SeededLibrary = { app, folder: added.folder, personIds: [], faceIds: [], photoIds: [] };
  let n = 0;
  db.transaction(() => {
    for (const p of people) {
      const personId = Number(insertPerson.run(p.name ?? null, p.hidden ? 1 : 0, now, now).lastInsertRowid);
      const faces: number[] = [];
      const photos: number[] = [];
      for (const v of p.vectors) {
        n++;
        const taken = new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString();
        const photoId = Number(insertPhoto.run(path.join(out.folder, `p${n}.jpg`), `hash${n}`, taken, now, now).lastInsertRowid);
        const crop = crops[n % crops.length]!;
        const faceId = Number(insertFace.run(photoId, 0.99 - (n % 7) * 0.01, landmarks, crop, crop, personId, now).lastInsertRowid);
        insertEmbedding.run(faceId, modelId, toBlob(v));
        faces.push(faceId);
        photos.push(photoId);
      }
      out.personIds.push(personId);
      out.faceIds.push(faces);
      out.photoIds.push(photos);
    }
  })();
  return out;
}
