/**
 * `facepair labels import`: merges a label file into a training-set folder, the maintainer's
 * pile of labelled pairs from many libraries and exports:
 *
 *   DIR/labels.json   every pair once (keyed by its two crops' hashes), with where it came from
 *   DIR/crops/<sha256>.jpg   each face crop once
 *
 * A pair seen again (the same library exported twice, or two libraries with one photo) is kept
 * once, with both sources. A file cut short is imported up to the cut: each pair line is whole
 * in itself, the bad lines are reported by number, and importing the whole file later adds the
 * rest (what is there already is not added twice). A file of another format version is refused
 * as a whole, before anything is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

import sharp from 'sharp';
import { z } from 'zod';

import { FACE_INPUT_SIDE } from '../analysis/align/face-input.js';
import {
  LABEL_FILE_VERSION,
  LABEL_PAIR_KINDS,
  labelFileEnd,
  labelFileHeader,
  labelFilePair,
  labelFileVersionOnly,
  zodProblems,
  type LabelFileFace,
  type LabelFileHeader,
} from './label-file.js';

export const TRAINING_SET_FORMAT = 'facepair-training-labels';
export const TRAINING_SET_INDEX = 'labels.json';
export const TRAINING_SET_CROPS = 'crops';

/** A label file that cannot be imported at all (nothing was written). */
export class LabelFileError extends Error {}

const hash = z.string().regex(/^[0-9a-f]{64}$/);

const trainingPair = z.object({
  /** The two crops' sha256, a < b. */
  a: hash,
  b: hash,
  same: z.boolean(),
  kind: z.enum(LABEL_PAIR_KINDS),
  weight: z.number().positive().max(1),
  /** Each face's person as `<library id>:<person>` (null: in no person): pairs are split by these for held-out figures. */
  identityA: z.string().nullable(),
  identityB: z.string().nullable(),
  sources: z.array(z.object({ import: z.number().int(), source: z.string().nullable(), labelledAt: z.string().nullable() })).min(1),
  /** Two sources disagreed; `same` is the newest answer's. */
  conflict: z.boolean().optional(),
});
export type TrainingPair = z.infer<typeof trainingPair>;

const importRecord = z.object({
  id: z.number().int(),
  file: z.string(),
  importedAt: z.string(),
  exportedAt: z.string(),
  facepair: z.string(),
  library: z.string(),
  models: labelFileHeader.shape.models,
  pairsRead: z.number().int(),
  added: z.number().int(),
  duplicates: z.number().int(),
  conflicts: z.number().int(),
  /** Pairs of two faces with one crop (a photo and its exact duplicate): nothing to learn from, left out. */
  identicalCrops: z.number().int().default(0),
  /** The file's end line was there (false: cut short; the pairs up to the cut were imported). */
  complete: z.boolean(),
  badLines: z.array(z.object({ line: z.number().int(), problem: z.string() })),
  /** Labels the exporting library left out because their faces were gone. */
  skippedGoneAtExport: z.number().int().nullable(),
});
export type ImportRecord = z.infer<typeof importRecord>;

export const trainingSetIndex = z.object({
  format: z.literal(TRAINING_SET_FORMAT),
  version: z.literal(1),
  imports: z.array(importRecord),
  pairs: z.array(trainingPair),
});
export type TrainingSetIndex = z.infer<typeof trainingSetIndex>;

export interface ImportOptions {
  /** The installed seed model's pair key, to say when the file's labels were scored by another. */
  installedPairKey?: string | null;
}

export interface ImportSummary extends ImportRecord {
  into: string;
  /** One sentence when the file's model is not the installed one (null when it is, or unknown). */
  modelNote: string | null;
  totals: { pairs: number; crops: number; imports: number; same: number; different: number };
}

/** The training set in `dir` (an empty one when the folder holds none yet). */
export function readTrainingSet(dir: string): TrainingSetIndex {
  const file = path.join(dir, TRAINING_SET_INDEX);
  if (!existsSync(file)) return { format: TRAINING_SET_FORMAT, version: 1, imports: [], pairs: [] };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LabelFileError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const r = trainingSetIndex.safeParse(json);
  if (!r.success) throw new LabelFileError(`${file} is not a FacePair training set: ${zodProblems(r.error)}`);
  return r.data;
}

/** The crop of one face of a pair line, checked: its bytes are the JPEG its hash names, 250x250. */
async function readCrop(face: LabelFileFace, fileDir: string): Promise<Buffer> {
  let bytes: Buffer;
  if (face.jpeg !== undefined) bytes = Buffer.from(face.jpeg, 'base64');
  else if (face.file !== undefined) {
    const f = path.resolve(fileDir, face.file);
    if (!existsSync(f)) throw new Error(`crop file ${face.file} is missing`);
    bytes = await readFile(f);
  } else throw new Error('a face has neither an inline crop nor a crop file');
  if (createHash('sha256').update(bytes).digest('hex') !== face.crop) throw new Error(`crop ${face.crop.slice(0, 12)}… does not match its hash (damaged)`);
  const meta = await sharp(bytes)
    .metadata()
    .catch(() => null);
  if (meta?.format !== 'jpeg' || meta.width !== FACE_INPUT_SIDE || meta.height !== FACE_INPUT_SIDE) throw new Error(`crop ${face.crop.slice(0, 12)}… is not a ${FACE_INPUT_SIDE}x${FACE_INPUT_SIDE} JPEG`);
  return bytes;
}

function readHeader(firstLine: string | undefined, file: string): LabelFileHeader {
  let json: unknown;
  try {
    json = JSON.parse(firstLine ?? '');
  } catch {
    throw new LabelFileError(`${file} is not a FacePair label file: its first line is not JSON`);
  }
  const v = labelFileVersionOnly.safeParse(json);
  if (!v.success) throw new LabelFileError(`${file} is not a FacePair label file (its first line is no facepair-labels header)`);
  if (v.data.formatVersion !== LABEL_FILE_VERSION) {
    throw new LabelFileError(
      `${file} is in label format version ${v.data.formatVersion}; this FacePair reads version ${LABEL_FILE_VERSION}: ` +
        (v.data.formatVersion > LABEL_FILE_VERSION ? 'import it with a newer FacePair' : 'export the labels again with this FacePair'),
    );
  }
  const h = labelFileHeader.safeParse(json);
  if (!h.success) throw new LabelFileError(`${file}: the header is damaged: ${zodProblems(h.error)}`);
  return h.data;
}

export async function importLabels(file: string, into: string, options: ImportOptions = {}): Promise<ImportSummary> {
  if (!existsSync(file)) throw new LabelFileError(`${file} does not exist`);
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const header = readHeader(lines[0], file);
  const set = readTrainingSet(into);
  const fileDir = path.dirname(path.resolve(file));
  const id = Math.max(0, ...set.imports.map((i) => i.id)) + 1;
  const record: ImportRecord = {
    id,
    file: path.basename(file),
    importedAt: new Date().toISOString(),
    exportedAt: header.exportedAt,
    facepair: header.facepair,
    library: header.library,
    models: header.models,
    pairsRead: 0,
    added: 0,
    duplicates: 0,
    conflicts: 0,
    identicalCrops: 0,
    complete: false,
    badLines: [],
    skippedGoneAtExport: null,
  };

  const byKey = new Map(set.pairs.map((p) => [`${p.a}|${p.b}`, p]));
  const newCrops = new Map<string, Buffer>();
  const cropsDir = path.join(into, TRAINING_SET_CROPS);
  const identity = (person: string | null): string | null => (person === null ? null : `${header.library}:${person}`);
  for (let n = 1; n < lines.length; n++) {
    const lineNo = n + 1;
    const text = lines[n]!;
    if (text.trim() === '') continue;
    const bad = (problem: string): void => void record.badLines.push({ line: lineNo, problem });
    if (record.complete) {
      bad('text after the end line');
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      bad(n === lines.length - 1 ? 'cut off (the file ends inside this line)' : 'not valid JSON');
      continue;
    }
    const end = labelFileEnd.safeParse(json);
    if (end.success) {
      record.complete = true;
      record.skippedGoneAtExport = end.data.skippedGone;
      if (end.data.pairs !== record.pairsRead + record.identicalCrops + record.badLines.length) bad(`the end line counts ${end.data.pairs} pairs, the file holds ${record.pairsRead + record.badLines.length}`);
      continue;
    }
    const parsed = labelFilePair.safeParse(json);
    if (!parsed.success) {
      bad(`not a labelled pair: ${zodProblems(parsed.error)}`);
      continue;
    }
    const p = parsed.data;
    let ca: Buffer, cb: Buffer;
    try {
      ca = await readCrop(p.a, fileDir);
      cb = await readCrop(p.b, fileDir);
    } catch (err) {
      bad((err as Error).message);
      continue;
    }
    if (p.a.crop === p.b.crop) {
      record.identicalCrops++;
      continue;
    }
    record.pairsRead++;
    for (const [h, bytes] of [[p.a.crop, ca], [p.b.crop, cb]] as const) if (!newCrops.has(h) && !existsSync(path.join(cropsDir, `${h}.jpg`))) newCrops.set(h, bytes);
    const [fa, fb] = p.a.crop < p.b.crop ? [p.a, p.b] : [p.b, p.a];
    const key = `${fa.crop}|${fb.crop}`;
    const source = { import: id, source: p.source, labelledAt: p.labelledAt };
    const known = byKey.get(key);
    if (known === undefined) {
      byKey.set(key, { a: fa.crop, b: fb.crop, same: p.same, kind: p.kind, weight: p.weight, identityA: identity(fa.person), identityB: identity(fb.person), sources: [source] });
      record.added++;
      continue;
    }
    record.duplicates++;
    if (!known.sources.some((s) => s.import === id && s.labelledAt === p.labelledAt && s.source === p.source)) known.sources.push(source);
    // An answer outranks what answers imply; of two answers that disagree, the newer stands.
    if (known.kind !== 'answer' && p.kind === 'answer') Object.assign(known, { kind: p.kind, weight: p.weight, same: p.same });
    else if (known.same !== p.same && p.kind === 'answer') {
      known.conflict = true;
      record.conflicts++;
      const newest = known.sources.filter((s) => s.labelledAt !== null).sort((x, y) => x.labelledAt!.localeCompare(y.labelledAt!)).at(-1);
      if (newest === source) known.same = p.same;
    }
  }

  // Crops first, then the index, atomically: a crash in between leaves only unreferenced crops.
  await mkdir(cropsDir, { recursive: true });
  for (const [h, bytes] of newCrops) await writeFile(path.join(cropsDir, `${h}.jpg`), bytes);
  const merged: TrainingSetIndex = { ...set, imports: [...set.imports, record], pairs: [...byKey.values()] };
  const indexFile = path.join(into, TRAINING_SET_INDEX);
  await writeFile(`${indexFile}.partial`, JSON.stringify(merged, null, 1) + '\n');
  await rename(`${indexFile}.partial`, indexFile);

  const installed = options.installedPairKey;
  const modelNote =
    installed != null && header.models.pair !== installed
      ? `These labels were scored by ${header.models.pair === null ? 'no seed model' : `seed model ${header.models.pair}`}, not the installed ${installed}: ` +
        'their crops are images, so they still train the extractor and the pair head; only the scores they were answered against do not apply to this model.'
      : null;
  const crops = new Set(merged.pairs.flatMap((p) => [p.a, p.b]));
  return {
    ...record,
    into,
    modelNote,
    totals: {
      pairs: merged.pairs.length,
      crops: crops.size,
      imports: merged.imports.length,
      same: merged.pairs.filter((p) => p.same).length,
      different: merged.pairs.filter((p) => !p.same).length,
    },
  };
}
