import path from 'node:path';
import { isRawFormat } from '../library/image-kinds.js';

/** What the keep-best rule reads of one copy. */
export interface KeeperCandidate {
  photoId: number;
  path: string;
  format: string | null;
  width: number;
  height: number;
  bytes: number;
  takenAt: string | null;
  /** Which of date, camera and GPS its EXIF holds. */
  exif: { date: boolean; camera: boolean; gps: boolean };
  /** In a folder the user marked as reference (never proposed for the trash). */
  reference: boolean;
  /** In one of the user's preferred folders. */
  preferred: boolean;
  /** The RAW file of the same shot (beside it with its name, or the same picture taken at the same time), or null. */
  rawSibling: string | null;
}

/** Original formats first: RAW > HEIC > JPEG > the formats copies are converted to. */
function formatRank(format: string | null): number {
  const f = (format ?? '').toLowerCase();
  if (isRawFormat(f)) return 4;
  if (f === 'heic' || f === 'heif' || f === 'avif') return 3;
  if (f === 'jpg' || f === 'jpeg') return 2;
  return 1;
}

const inRawPair = (c: KeeperCandidate): boolean => c.rawSibling !== null || isRawFormat(c.format);
const formatName = (f: string | null): string => (f ?? 'unknown').toUpperCase().replace('JPG', 'JPEG');
const exifCount = (c: KeeperCandidate): number => Number(c.exif.date) + Number(c.exif.camera) + Number(c.exif.gps);
const exifWords = (c: KeeperCandidate): string => {
  const has = (['date', 'camera', 'gps'] as const).filter((k) => c.exif[k]).map((k) => (k === 'gps' ? 'GPS' : k));
  return has.length > 0 ? has.join(', ') : 'none';
};

interface Rule {
  /** > 0 when a is better than b. */
  compare(a: KeeperCandidate, b: KeeperCandidate): number;
  /** Why a wins over b, in words. */
  words(a: KeeperCandidate, b: KeeperCandidate): string;
}

/**
 * The keep-best rule, in order; the first rule that tells two copies apart decides. What a copy
 * would lose comes first (its RAW file, the original format, pixels, EXIF); a reference folder
 * only then: a copy there is never trashed anyway, so a better copy elsewhere is kept as well
 * rather than proposed for the trash.
 */
const RULES: Rule[] = [
  {
    // A RAW and the JPEG of its shot come before a copy: a RAW+JPEG pair is kept whole.
    compare: (a, b) => Number(inRawPair(a)) - Number(inRawPair(b)),
    words: (a, b) => (a.rawSibling !== null ? `kept with its RAW file ${path.basename(a.rawSibling)}` : `original format: ${formatName(a.format)} against ${formatName(b.format)}`),
  },
  {
    compare: (a, b) => formatRank(a.format) - formatRank(b.format),
    words: (a, b) => `original format: ${formatName(a.format)} against ${formatName(b.format)}`,
  },
  {
    // Within 1 % the pixels are the same picture size (rounding of a re-encode).
    compare: (a, b) => {
      const pa = a.width * a.height, pb = b.width * b.height;
      return Math.abs(pa - pb) <= 0.01 * Math.max(pa, pb) ? 0 : pa - pb;
    },
    words: (a, b) => `larger: ${a.width}×${a.height} against ${b.width}×${b.height}`,
  },
  { compare: (a, b) => exifCount(a) - exifCount(b), words: (a, b) => `more complete EXIF: ${exifWords(a)} against ${exifWords(b)}` },
  { compare: (a, b) => Number(a.reference) - Number(b.reference), words: () => 'in a reference folder' },
  {
    compare: (a, b) => (a.takenAt && b.takenAt ? (a.takenAt < b.takenAt ? 1 : a.takenAt > b.takenAt ? -1 : 0) : Number(a.takenAt !== null) - Number(b.takenAt !== null)),
    words: (a, b) => (b.takenAt ? `taken earlier: ${a.takenAt} against ${b.takenAt}` : `has a capture date (${a.takenAt})`),
  },
  { compare: (a, b) => Number(a.preferred) - Number(b.preferred), words: () => 'in a preferred folder' },
  { compare: (a, b) => b.bytes - a.bytes === 0 ? 0 : a.bytes - b.bytes, words: (a, b) => `more bytes: ${a.bytes} against ${b.bytes}` },
  { compare: (a, b) => b.path.length - a.path.length, words: () => 'identical: the shorter path' },
  { compare: (a, b) => b.photoId - a.photoId, words: () => 'identical: found first' },
];

function decide(a: KeeperCandidate, b: KeeperCandidate): { winner: KeeperCandidate; loser: KeeperCandidate; rule: Rule } {
  for (const rule of RULES) {
    const c = rule.compare(a, b);
    if (c > 0) return { winner: a, loser: b, rule };
    if (c < 0) return { winner: b, loser: a, rule };
  }
  return { winner: a, loser: b, rule: RULES.at(-1)! };
}

export interface KeeperChoice {
  keeper: number;
  /** Per photo: the keeper's reason against the runner-up, each copy's reason to go (or stay). */
  reasons: Map<number, string>;
}

/** Chooses the copy to keep and says why, in words, for the keeper and for every other copy. */
export function chooseKeeper(copies: readonly KeeperCandidate[]): KeeperChoice {
  if (copies.length === 0) throw new Error('a group needs copies');
  let best = copies[0]!;
  for (const c of copies.slice(1)) best = decide(best, c).winner;
  const reasons = new Map<number, string>();
  let runnerUpReason = 'the only copy';
  let runnerUp: KeeperCandidate | null = null;
  for (const c of copies) {
    if (c === best) continue;
    const { rule } = decide(best, c);
    if (!runnerUp || decide(runnerUp, c).winner === c) {
      runnerUp = c;
      runnerUpReason = rule.words(best, c);
    }
    reasons.set(c.photoId, c.reference ? 'in a reference folder: never proposed for the trash' : `the keeper is ${rule.words(best, c)}`);
  }
  reasons.set(best.photoId, `keep: ${runnerUpReason}`);
  return { keeper: best.photoId, reasons };
}
