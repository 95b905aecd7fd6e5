/**
 * The label file a library exports for the maintainer (`facepair labels export`): JSON Lines,
 * a header, one self-contained line per labelled pair (both faces' aligned crops with it, so
 * that a file cut short still holds whole pairs up to the cut), and an end line that says how
 * many pairs came before it (a file cut at a line boundary is told apart from a whole one).
 */
import { z } from 'zod';

export const LABEL_FILE_FORMAT = 'facepair-labels';
/** Bumped when a reader of the old version could misread the new one. */
export const LABEL_FILE_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');
const iso = z.string().min(10);

export const labelFileHeader = z.object({
  type: z.literal('header'),
  format: z.literal(LABEL_FILE_FORMAT),
  formatVersion: z.number().int(),
  exportedAt: iso,
  /** The FacePair version that wrote the file. */
  facepair: z.string(),
  /** A random id of the exporting library (no path, no name): its people ids mean one person across its exports. */
  library: z.string().min(1),
  models: z.object({
    analyzer: z.number().int(),
    descriptor: z.string(),
    /** The seed model's embedding key and pair key (extractor, head and score) in use; null without one installed. */
    seed: z.string().nullable(),
    pair: z.string().nullable(),
    /** The library's learned version in use when exported (null: the shipped recognition). */
    learned: z.object({ version: z.number().int(), createdAt: iso }).nullable(),
  }),
  /** Whether person names and photo paths are in the file (only with --with-names). */
  names: z.boolean(),
  /** Crops inline as base64 JPEG, or as files in a folder beside the label file (named here, relative to it). */
  crops: z.union([z.object({ inline: z.literal(true) }), z.object({ inline: z.literal(false), folder: z.string().min(1) })]),
});
export type LabelFileHeader = z.infer<typeof labelFileHeader>;

/** Only what tells whether the rest can be read: checked before the full header. */
export const labelFileVersionOnly = z.object({ format: z.literal(LABEL_FILE_FORMAT), formatVersion: z.number().int() });

export const labelFileFace = z.object({
  /** sha256 of the JPEG bytes: the same crop is the same face in every export and import. */
  crop: sha256,
  /** The JPEG itself, base64 (inline crops). */
  jpeg: z.string().min(1).optional(),
  /** Or its file, relative to the label file's folder. */
  file: z.string().min(1).optional(),
  /** The library's person id of the face when exported ("p12"), null for a face in no person. */
  person: z.string().nullable(),
  /** With --with-names only. */
  name: z.string().nullable().optional(),
  photo: z.string().optional(),
});
export type LabelFileFace = z.infer<typeof labelFileFace>;

export const LABEL_PAIR_KINDS = ['answer', 'implied', 'same-photo'] as const;

export const labelFilePair = z.object({
  type: z.literal('pair'),
  same: z.boolean(),
  /** answer: the user's own decision (the labels table); implied/same-photo: what the answers imply (answer-pairs.ts). */
  kind: z.enum(LABEL_PAIR_KINDS),
  /** 1 for an answer or what it implies; less for weak evidence. */
  weight: z.number().positive().max(1),
  /** What wrote the label (review.same, merge, reject, ...); null for an implied pair. */
  source: z.string().nullable(),
  labelledAt: iso.nullable(),
  a: labelFileFace,
  b: labelFileFace,
});
export type LabelFilePair = z.infer<typeof labelFilePair>;

export const labelFileEnd = z.object({
  type: z.literal('end'),
  pairs: z.number().int().min(0),
  /** Labels left out because a face was gone (lost by a re-analysis, its photo gone, or its crop missing). */
  skippedGone: z.number().int().min(0),
});
export type LabelFileEnd = z.infer<typeof labelFileEnd>;

/** One zod issue list as a short sentence: `a.crop: a sha256 in hex; same: expected boolean`. */
export function zodProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`)
    .join('; ');
}
