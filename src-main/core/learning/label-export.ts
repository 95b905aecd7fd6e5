/**
 * `facepair labels export`: every labelled pair of a library, with both faces' aligned crops,
 * as a label file (label-file.ts) for the maintainer to train the shipped model on. No names
 * and no photo paths unless asked for.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import sharp from 'sharp';

import { FACE_INPUT_SIDE, readFaceInput } from '../analysis/align/face-input.js';
import { ANALYZER_VERSION, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import type { Db } from '../db/database.js';
import type { FacesRepository } from '../db/faces.repository.js';
import { LabelExportRepository, type FaceExportFacts } from '../db/label-export.repository.js';
import type { LearnedVersionsRepository } from '../db/learned-versions.repository.js';
import type { SettingsRepository } from '../db/settings.repository.js';
import type { SeedModelKeys } from '../embedding/seed/seed-model-key.js';
import { packageRoot } from '../paths.js';
import { answeredPairs, type FaceFacts } from './answer-pairs.js';
import { LABEL_FILE_FORMAT, LABEL_FILE_VERSION, type LabelFileEnd, type LabelFileFace, type LabelFileHeader, type LabelFilePair } from './label-file.js';

/** What an export reads of a library (a FacePairApp has all of it). */
export interface LabelExportLibrary {
  db: Db;
  cacheDir: string;
  faces: FacesRepository;
  settings: SettingsRepository;
  learnedVersions: LearnedVersionsRepository;
  seedEmbedding: { modelKeys(): Promise<SeedModelKeys | null> };
}

export interface LabelExportOptions {
  out: string;
  /** Person names and photo paths in the file too. */
  withNames?: boolean;
  /** Also the pairs the answers imply (faces the user put in one person; two faces of one photo, weakly). */
  withImplied?: boolean;
  /** Crops as files in this folder instead of inline base64. */
  cropsDir?: string;
}

export interface LabelExportSummary {
  file: string;
  pairs: number;
  same: number;
  different: number;
  kinds: Record<LabelFilePair['kind'], number>;
  /** Distinct face crops in the file. */
  crops: number;
  /** Labels left out because a face is gone (lost by a re-analysis, its photo gone, or its crop unreadable). */
  skippedGone: number;
  header: LabelFileHeader;
}

const LIBRARY_ID_KEY = 'library_id';

/** The FacePair version in package.json. */
export function facepairVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The aligned crop as a 250x250 JPEG: the stored file's bytes as they are when it is one, else re-encoded (an old cache). */
async function cropJpeg(file: string): Promise<Buffer | null> {
  try {
    const bytes = await readFile(file);
    const meta = await sharp(bytes).metadata();
    if (meta.format === 'jpeg' && meta.width === FACE_INPUT_SIDE && meta.height === FACE_INPUT_SIDE) return bytes;
    const raw = await readFaceInput(file);
    return await sharp(Buffer.from(raw), { raw: { width: FACE_INPUT_SIDE, height: FACE_INPUT_SIDE, channels: 3 } }).jpeg({ quality: 92 }).toBuffer();
  } catch {
    return null;
  }
}

export async function exportLabels(lib: LabelExportLibrary, options: LabelExportOptions): Promise<LabelExportSummary> {
  const out = path.resolve(options.out);
  const outDir = path.dirname(out);
  const cropsDir = options.cropsDir !== undefined ? path.resolve(options.cropsDir) : undefined;
  const repo = new LabelExportRepository(lib.db);
  const faces = repo.faces();
  const labels = repo.labels();

  let library = lib.settings.get(LIBRARY_ID_KEY);
  if (library === null) {
    library = randomUUID();
    lib.settings.set(LIBRARY_ID_KEY, library);
  }
  const keys = await lib.seedEmbedding.modelKeys();
  const active = lib.learnedVersions.active();
  const learned = active !== null && keys !== null && active.baseModel === keys.pairKey ? { version: active.id, createdAt: active.createdAt } : null;
  const header: LabelFileHeader = {
    type: 'header',
    format: LABEL_FILE_FORMAT,
    formatVersion: LABEL_FILE_VERSION,
    exportedAt: new Date().toISOString(),
    facepair: facepairVersion(),
    library,
    models: { analyzer: ANALYZER_VERSION, descriptor: DESCRIPTOR_MODEL_KEY, seed: keys?.key ?? null, pair: keys?.pairKey ?? null, learned },
    names: options.withNames === true,
    crops: cropsDir === undefined ? { inline: true } : { inline: false, folder: path.relative(outDir, cropsDir) || '.' },
  };

  // The labels as stored, then (asked for) what they imply, as `learn` derives it.
  const pairs: Array<{ faceA: number; faceB: number; same: boolean; kind: LabelFilePair['kind']; weight: number; source: string | null; labelledAt: string | null }> = labels.map((l) => ({
    ...l,
    kind: 'answer' as const,
    weight: 1,
    source: l.source,
    labelledAt: l.createdAt,
  }));
  if (options.withImplied === true) {
    const facts = new Map<number, FaceFacts>();
    const photoOf = lib.faces.photoOfEach();
    for (const [id, a] of lib.faces.listAssignments()) facts.set(id, { personId: a.personId, assignedBy: a.assignedBy, photoId: photoOf.get(id)! });
    for (const p of answeredPairs(labels, facts)) {
      if (p.kind !== 'answer') pairs.push({ faceA: p.faceA, faceB: p.faceB, same: p.same, kind: p.kind, weight: p.weight, source: null, labelledAt: null });
    }
  }

  const crops = new Map<number, { hash: string; bytes: Buffer } | null>();
  const cropOf = async (f: FaceExportFacts | undefined): Promise<{ hash: string; bytes: Buffer } | null> => {
    if (f === undefined || f.gone) return null;
    if (!crops.has(f.id)) {
      const bytes = await cropJpeg(path.join(lib.cacheDir, f.alignedFile));
      crops.set(f.id, bytes && { hash: createHash('sha256').update(bytes).digest('hex'), bytes });
    }
    return crops.get(f.id)!;
  };
  const written = new Set<string>();
  const faceRecord = async (f: FaceExportFacts, crop: { hash: string; bytes: Buffer }): Promise<LabelFileFace> => {
    const rec: LabelFileFace = { crop: crop.hash, person: f.personId === null ? null : `p${f.personId}` };
    if (cropsDir === undefined) rec.jpeg = crop.bytes.toString('base64');
    else {
      const file = path.join(cropsDir, `${crop.hash}.jpg`);
      if (!written.has(crop.hash)) {
        await writeFile(file, crop.bytes);
        written.add(crop.hash);
      }
      rec.file = path.relative(outDir, file);
    }
    if (options.withNames === true) {
      rec.name = f.personName;
      rec.photo = f.photoPath;
    }
    return rec;
  };

  await mkdir(outDir, { recursive: true });
  if (cropsDir !== undefined) await mkdir(cropsDir, { recursive: true });
  // Written beside the target and renamed at the end: an interrupted export leaves no half file under its name.
  const partial = `${out}.partial`;
  const fh = await open(partial, 'w');
  const summary: LabelExportSummary = { file: out, pairs: 0, same: 0, different: 0, kinds: { answer: 0, implied: 0, 'same-photo': 0 }, crops: 0, skippedGone: 0, header };
  const inFile = new Set<string>();
  try {
    await fh.write(JSON.stringify(header) + '\n');
    for (const p of pairs) {
      const fa = faces.get(p.faceA), fb = faces.get(p.faceB);
      const [ca, cb] = [await cropOf(fa), await cropOf(fb)];
      if (ca === null || cb === null) {
        summary.skippedGone++;
        continue;
      }
      const line: LabelFilePair = { type: 'pair', same: p.same, kind: p.kind, weight: p.weight, source: p.source, labelledAt: p.labelledAt, a: await faceRecord(fa!, ca), b: await faceRecord(fb!, cb) };
      await fh.write(JSON.stringify(line) + '\n');
      summary.pairs++;
      summary.kinds[p.kind]++;
      if (p.same) summary.same++;
      else summary.different++;
      inFile.add(ca.hash).add(cb.hash);
    }
    const end: LabelFileEnd = { type: 'end', pairs: summary.pairs, skippedGone: summary.skippedGone };
    await fh.write(JSON.stringify(end) + '\n');
  } catch (err) {
    await fh.close();
    await rm(partial, { force: true });
    throw err;
  }
  await fh.close();
  if (existsSync(out)) await rm(out);
  await rename(partial, out);
  summary.crops = inFile.size;
  return summary;
}
