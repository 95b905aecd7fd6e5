/**
 * LFW's protocol files: pairs.txt (View 2: 10 folds of 300 matched + 300 mismatched
 * pairs), pairsDevTrain.txt / pairsDevTest.txt (View 1) and the people*.txt splits.
 * Images are `images/<name>/<name>_<nnnn>.jpg` under the dataset folder.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface LfwImage {
  name: string;
  /** 1-based image number, as in the protocol files. */
  n: number;
}

export interface LfwPair {
  a: LfwImage;
  b: LfwImage;
  same: boolean;
  /** View 2 fold (0..9); 0 for View 1. */
  fold: number;
}

export interface LfwPerson {
  name: string;
  images: number;
}

/** `<name>/<name>_0001.jpg`: the key of an image, relative to the images folder. */
export function imageKey(img: LfwImage): string {
  return `${img.name}/${img.name}_${String(img.n).padStart(4, '0')}.jpg`;
}

export function imagePath(imagesDir: string, img: LfwImage): string {
  return path.join(imagesDir, img.name, `${img.name}_${String(img.n).padStart(4, '0')}.jpg`);
}

function lines(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(/\s+/));
}

function int(s: string | undefined, what: string): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new Error(`bad ${what}: ${JSON.stringify(s)}`);
  return v;
}

function parsePairLine(f: string[], fold: number, lineNo: number): LfwPair {
  if (f.length === 3) {
    const name = f[0]!;
    return { a: { name, n: int(f[1], `image number on line ${lineNo}`) }, b: { name, n: int(f[2], `image number on line ${lineNo}`) }, same: true, fold };
  }
  if (f.length === 4) {
    return {
      a: { name: f[0]!, n: int(f[1], `image number on line ${lineNo}`) },
      b: { name: f[2]!, n: int(f[3], `image number on line ${lineNo}`) },
      same: false,
      fold,
    };
  }
  throw new Error(`line ${lineNo}: expected 3 or 4 fields, got ${f.length}`);
}

/**
 * Parses pairs.txt (header "<folds> <n>", then per fold n matched and n mismatched lines)
 * or a View 1 file (header "<n>", n matched then n mismatched lines).
 */
export function parsePairs(text: string): { folds: number; perFold: number; pairs: LfwPair[] } {
  const rows = lines(text);
  const header = rows[0];
  if (header === undefined) throw new Error('empty pairs file');
  const folds = header.length === 2 ? int(header[0], 'fold count') : 1;
  const perFold = int(header.length === 2 ? header[1] : header[0], 'pairs per fold');
  const expected = 1 + folds * 2 * perFold;
  if (rows.length !== expected) throw new Error(`expected ${expected} lines (header + ${folds} x 2 x ${perFold}), got ${rows.length}`);
  const pairs: LfwPair[] = [];
  for (let fold = 0; fold < folds; fold++) {
    for (let k = 0; k < 2 * perFold; k++) {
      const lineNo = 1 + fold * 2 * perFold + k;
      const p = parsePairLine(rows[lineNo]!, fold, lineNo + 1);
      if (p.same !== k < perFold) throw new Error(`line ${lineNo + 1}: a ${p.same ? 'matched' : 'mismatched'} pair where the other kind was expected`);
      pairs.push(p);
    }
  }
  return { folds, perFold, pairs };
}

/** Parses people.txt-style files: "<n>" then n "<name> <images>" lines (people.txt repeats this per fold). */
export function parsePeople(text: string): LfwPerson[] {
  const rows = lines(text);
  const out: LfwPerson[] = [];
  let i = 0;
  while (i < rows.length) {
    const count = int(rows[i]![0], `people count on line ${i + 1}`);
    for (let k = 1; k <= count; k++) {
      const r = rows[i + k];
      if (r === undefined || r.length !== 2) throw new Error(`line ${i + k + 1}: expected "<name> <images>"`);
      out.push({ name: r[0]!, images: int(r[1], `image count on line ${i + k + 1}`) });
    }
    i += count + 1;
  }
  return out;
}

export type LfwProtocol = 'view1' | 'view2';

export interface LfwDataset {
  root: string;
  imagesDir: string;
  read(file: string): string;
}

export function lfwDataset(root: string): LfwDataset {
  const abs = path.resolve(root);
  return {
    root: abs,
    imagesDir: path.join(abs, 'images'),
    read(file: string): string {
      try {
        return readFileSync(path.join(abs, file), 'utf8');
      } catch (err) {
        throw new Error(`${path.join(abs, file)}: ${(err as Error).message} (is --data the LFW folder with images/ and the protocol files?)`);
      }
    },
  };
}

/** The test pairs of a protocol: View 2 = pairs.txt (10 folds), View 1 = pairsDevTest.txt. */
export function testPairs(ds: LfwDataset, protocol: LfwProtocol): LfwPair[] {
  return parsePairs(ds.read(protocol === 'view2' ? 'pairs.txt' : 'pairsDevTest.txt')).pairs;
}

/** View 1's training pairs (pairsDevTrain.txt): where View 1 thresholds are chosen. */
export function devTrainPairs(ds: LfwDataset): LfwPair[] {
  return parsePairs(ds.read('pairsDevTrain.txt')).pairs;
}

export function devTrainPeople(ds: LfwDataset): LfwPerson[] {
  return parsePeople(ds.read('peopleDevTrain.txt'));
}

export function devTestPeople(ds: LfwDataset): LfwPerson[] {
  return parsePeople(ds.read('peopleDevTest.txt'));
}

/** FNV-1a of a name: a stable split of people that does not depend on which images are present. */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Whether a DevTrain person is held out for validation (about `fraction` of the people). */
export function isValidationPerson(name: string, fraction = 0.1): boolean {
  return nameHash(name) % 1000 < Math.round(fraction * 1000);
}

/** Every image of the DevTrain people held out from the seed model's training. */
export function heldOutImages(ds: LfwDataset): LfwImage[] {
  return devTrainPeople(ds)
    .filter((p) => isValidationPerson(p.name))
    .flatMap((p) => Array.from({ length: p.images }, (_, k) => ({ name: p.name, n: k + 1 })));
}

/**
 * Up to `n` distinct pairs among the held-out DevTrain people's images for which `has` is
 * true, alternately same person and two people, from a fixed seed: where the fused head is
 * fit, and where View 1 thresholds of matchers trained on DevTrain people are chosen (people
 * those matchers never trained on, and never DevTest's).
 */
export function heldOutPairs(ds: LfwDataset, has: (key: string) => boolean, n: number, seed = 777): LfwPair[] {
  const byPerson = new Map<string, LfwImage[]>();
  for (const img of heldOutImages(ds)) {
    if (!has(imageKey(img))) continue;
    const l = byPerson.get(img.name) ?? [];
    l.push(img);
    byPerson.set(img.name, l);
  }
  const present = [...byPerson.values()];
  const multi = present.filter((l) => l.length >= 2);
  if (multi.length === 0 || present.length < 2) throw new Error('too few held-out DevTrain people with analysed images');
  let state = seed >>> 0;
  const rand = (k: number): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * k);
  };
  const pairs: LfwPair[] = [];
  const seen = new Set<string>();
  for (let tries = 0; pairs.length < n && tries < n * 20; tries++) {
    const same = pairs.length % 2 === 0;
    let a: LfwImage, b: LfwImage;
    if (same) {
      const l = multi[rand(multi.length)]!;
      const i = rand(l.length);
      let j = rand(l.length - 1);
      if (j >= i) j++;
      a = l[i]!;
      b = l[j]!;
    } else {
      const p = rand(present.length);
      let q = rand(present.length - 1);
      if (q >= p) q++;
      a = present[p]![rand(present[p]!.length)]!;
      b = present[q]![rand(present[q]!.length)]!;
    }
    const id = [imageKey(a), imageKey(b)].sort().join('|');
    if (seen.has(id)) continue;
    seen.add(id);
    pairs.push({ a, b, same, fold: 0 });
  }
  return pairs;
}
