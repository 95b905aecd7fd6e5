import path from 'node:path';
import { isRawFile } from '../library/image-kinds.js';
import type { DuplicatePair } from './find-duplicates.js';

/** A photo as RAW pairing reads it. */
export interface PairablePhoto {
  id: number;
  path: string;
  /** Analysed (status done): only those are listed in groups. */
  done: boolean;
  takenAt: string | null;
}

export interface RawPairs {
  /** Each RAW+JPEG of one shot: the RAW first, then its other files (JPEG, HEIC…); analysed photos only. */
  units: number[][];
  /** Each photo of a unit → its unit. */
  unitOf: Map<number, number[]>;
  /** A photo that is not RAW → the path of its shot's RAW file (analysed or not). */
  rawFileOf: Map<number, string>;
}

function lexicallyBefore(x: readonly number[], y: readonly number[]): boolean {
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return x[k]! < y[k]!;
  return false;
}

/**
 * The file's name without its extension, in its folder, the name in lower case: cameras and
 * copies write IMG_0001.CR2 beside img_0001.jpg, IMG_0001.JPG or IMG_0001.jpeg, one shot all.
 */
export const shotKey = (file: string): string => path.join(path.dirname(file), path.basename(file, path.extname(file)).normalize('NFC').toLowerCase());

/**
 * RAW+JPEG of one shot, a pair that belongs together and is never a duplicate:
 * - by name: a RAW file and the other photos in its folder with its name, whatever the case
 *   (IMG_0042.CR2 and IMG_0042.JPG or img_0042.jpeg), as cameras and copies write them;
 * - by content: a RAW with no such sibling and a photo with no RAW of its own, found the same
 *   picture (a "same" or "edited" pair) and taken at the same second: a camera's JPEG kept in
 *   another folder. When a RAW has several, the one in its folder, then the same picture before
 *   an edited one, then the first found: the others are copies of that JPEG.
 *
 * `siblingsOf` answers (at least) the photos of the RAW's folder whose shotKey is the RAW's.
 */
export function pairRawFiles(
  raws: readonly PairablePhoto[],
  siblingsOf: (raw: PairablePhoto) => PairablePhoto[],
  pairs: readonly DuplicatePair[],
  photoOf: (id: number) => PairablePhoto | undefined,
): RawPairs {
  const rawFileOf = new Map<number, string>();
  const partners = new Map<number, number[]>();
  const namedRaw = new Set<number>();
  for (const raw of raws) {
    const stem = shotKey(raw.path);
    // A photo beside two RAW files of its name (a CR2 and the DNG made of it) goes with the first.
    const siblings = siblingsOf(raw).filter((s) => s.id !== raw.id && !isRawFile(s.path) && shotKey(s.path) === stem && !rawFileOf.has(s.id));
    if (siblings.length === 0) continue;
    namedRaw.add(raw.id);
    for (const s of siblings) rawFileOf.set(s.id, raw.path);
    if (raw.done) partners.set(raw.id, siblings.filter((s) => s.done).map((s) => s.id));
  }

  // By content: the best candidate of each RAW left without a sibling by name.
  const best = new Map<number, { other: PairablePhoto; rank: number[] }>();
  for (const p of pairs) {
    if (p.class !== 'same' && p.class !== 'edited') continue;
    const a = photoOf(p.a), b = photoOf(p.b);
    if (!a || !b || isRawFile(a.path) === isRawFile(b.path)) continue;
    const [raw, other] = isRawFile(a.path) ? [a, b] : [b, a];
    if (!raw.done || !other.done || namedRaw.has(raw.id) || rawFileOf.has(other.id)) continue;
    if (raw.takenAt === null || raw.takenAt !== other.takenAt) continue;
    const rank = [Number(path.dirname(other.path) !== path.dirname(raw.path)), Number(p.class !== 'same'), other.id];
    const current = best.get(raw.id);
    if (!current || lexicallyBefore(rank, current.rank)) best.set(raw.id, { other, rank });
  }
  const taken = new Set<number>();
  for (const [rawId, { other }] of [...best].sort((x, y) => x[0] - y[0])) {
    if (taken.has(other.id)) continue;
    taken.add(other.id);
    rawFileOf.set(other.id, photoOf(rawId)!.path);
    partners.set(rawId, [other.id]);
  }

  const units: number[][] = [];
  const unitOf = new Map<number, number[]>();
  for (const [rawId, others] of [...partners].sort((x, y) => x[0] - y[0])) {
    if (others.length === 0) continue;
    const unit = [rawId, ...others.sort((x, y) => x - y)];
    units.push(unit);
    for (const id of unit) unitOf.set(id, unit);
  }
  return { units, unitOf, rawFileOf };
}
