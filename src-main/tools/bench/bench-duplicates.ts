#!/usr/bin/env node
// npm run bench:duplicates -- [--json] [--originals N] [--no-synthetic] [--listing-only [--full-search] [--search-in auto|threads|here]]: builds a library of
// known duplicates in a temporary folder from the shared photos (exact copies, resized
// re-encodes, 4 % crops, EXIF-rotated copies, PNG and HEIC siblings, brightness and saturation
// edits; as negatives, other photos of the same people, LFW portraits of one person by the
// half-dozen, and near-identical shots), finds its duplicates with FacePair, findimagedupes and
// jdupes in the same run, and prints pairwise precision and recall per class and over classes
// 1-3; then the hash's cost against a scan, and the listing time of 100,000 photos with
// synthetic fingerprints (--listing-only: that figure alone, three times, on a library built
// once, its stored pairs brought up to date first and timed apart, then 1,000 photos added and
// searched as a scan does; --full-search: each listing followed by one by a search of the whole
// library, the design before; --search-in: where that search runs, by default as the product
// decides, see DuplicatesService.searchIn). A benchmark, not a test: it prints figures only.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createApp } from '../../core/app.js';
import { decodePhoto } from '../../core/analysis/decode.js';
import { fingerprintImage } from '../../core/analysis/fingerprint.js';
import { ANALYSIS_MAX_SIDE } from '../../core/analysis/photo-analysis.js';
import { Rng } from '../../core/ml/rng.js';

const DATA = path.resolve(process.env.FACEPAIR_DATASETS ?? path.join(import.meta.dirname, '../../../../../shared/datasets'));
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const originalsAt = args.indexOf('--originals');
const originalsWanted = originalsAt >= 0 ? Number(args[originalsAt + 1]) : 300;
if (!Number.isInteger(originalsWanted) || originalsWanted < 1) {
  process.stderr.write('--originals takes a whole number of photos (at least 1)\n');
  process.exit(2);
}
const synthetic = !args.includes('--no-synthetic');
const listingOnly = args.includes('--listing-only');
/** `--full-search`: also time the listing by a search of the whole library (the design before the stored pairs), alternated with the stored one. */
const fullSearch = args.includes('--full-search');
const searchInAt = args.indexOf('--search-in');
const searchIn = searchInAt >= 0 ? args[searchInAt + 1] : 'auto';
if (searchIn !== 'auto' && searchIn !== 'threads' && searchIn !== 'here') {
  process.stderr.write('--search-in takes auto, threads or here\n');
  process.exit(2);
}
/** `--reuse DIR`: a library this bench built before (kept with --keep); its truth is in the file names. */
const reuse = args.includes('--reuse') ? path.resolve(args[args.indexOf('--reuse') + 1] ?? '') : null;

type Kind = 'original' | 'exact' | 'resized' | 'crop' | 'rotated' | 'png' | 'heic' | 'bright' | 'saturated' | 'burst';
/** The class a copy of this kind forms with its original (null: not a duplicate). */
const KIND_CLASS: Record<Kind, 'exact' | 'same' | 'edited' | null> = {
  original: 'exact', exact: 'exact', resized: 'same', rotated: 'same', png: 'same', heic: 'same',
  crop: 'edited', bright: 'edited', saturated: 'edited', burst: null,
};
const COPY_KINDS: Kind[] = ['exact', 'resized', 'crop', 'rotated', 'png', 'bright', 'saturated', 'heic'];

interface TruthFile {
  file: string;
  origin: number;
  kind: Kind;
}

/** Where each original came from (written beside the library, read back with --reuse). */
type Sources = Record<number, string>;

function log(msg: string): void {
  if (!asJson) process.stderr.write(msg + '\n');
}

/** LFW files that are one photo under two names (its README): either would be a duplicate the truth does not know. */
const LFW_SAME_PHOTO = new Set(['Carlos_Beltran_0001.jpg', 'Raul_Ibanez_0001.jpg', 'Bart_Hendricks_0001.jpg', 'Ricky_Ray_0001.jpg']);

/**
 * The originals: the 79 whole photos of photos/ (people photographed several times, group
 * shots), then LFW's portraits: two fifths of them as the hardest negatives, six photos each of
 * people LFW has 15 or more of (the same face, framing and often the same event: portraits of
 * one person that look alike), the rest three each of people with 4 to 14. LFW's images are
 * all 250×250 crops aligned on the face, so every pair of them looks alike to a hash.
 */
function pickOriginals(rng: Rng): string[] {
  const own = [
    ...readdirSync(path.join(DATA, 'photos/identities'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && /\.jpe?g$/i.test(d.name)).map((d) => path.join(d.parentPath, d.name)),
    ...readdirSync(path.join(DATA, 'photos/groups'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && /\.jpe?g$/i.test(d.name)).map((d) => path.join(d.parentPath, d.name)),
  ].sort().slice(0, originalsWanted);
  const lfw = path.join(DATA, 'lfw/images');
  const counts = new Map<string, number>();
  for (const line of readFileSync(path.join(DATA, 'lfw/lfw-names.txt'), 'utf8').split('\n')) {
    const [name, n] = line.trim().split(/\s+/);
    if (name && n) counts.set(name, Number(n));
  }
  const many = [...counts].filter(([, n]) => n >= 15).map(([p]) => p).sort();
  const several = [...counts].filter(([, n]) => n >= 4 && n < 15).map(([p]) => p).sort();
  const wanted = Math.max(0, originalsWanted - own.length);
  const lookalikes = Math.round((wanted * 0.4) / 6) * 6;
  const chosen: string[] = [];
  const take = (pool: string[], each: number, until: number): void => {
    while (chosen.length < until && pool.length > 0) {
      const person = pool.splice(rng.int(pool.length), 1)[0]!;
      const files = readdirSync(path.join(lfw, person)).filter((f) => !LFW_SAME_PHOTO.has(f)).sort();
      // Spread over the person's photos, not the first few (often one event).
      const picked = Array.from({ length: Math.min(each, files.length) }, (_, k) => files[Math.floor((k * files.length) / each)]!);
      chosen.push(...picked.slice(0, until - chosen.length).map((f) => path.join(lfw, person, f)));
    }
  };
  take(many, 6, lookalikes);
  take(several, 3, wanted);
  return [...own, ...chosen];
}

async function makeCopy(src: string, kind: Kind, dest: string, rng: Rng): Promise<string> {
  const img = sharp(src).rotate();
  const meta = await sharp(src).rotate().toBuffer({ resolveWithObject: true }).then((r) => r.info);
  const w = meta.width, h = meta.height;
  switch (kind) {
    case 'exact':
      execFileSync('cp', ['--preserve=timestamps', src, dest]);
      return dest;
    case 'resized':
      await img.resize(Math.round(w * 0.6)).jpeg({ quality: 70 }).toFile(dest);
      return dest;
    case 'crop': {
      // 4 % off each side, give or take 1 % (the framing of a light crop is never exactly centred).
      const cx = Math.round(w * 0.04), cy = Math.round(h * 0.04), jx = Math.round(w * 0.01), jy = Math.round(h * 0.01);
      const left = cx - jx + rng.int(2 * jx + 1), top = cy - jy + rng.int(2 * jy + 1);
      await img.extract({ left, top, width: w - 2 * cx, height: h - 2 * cy }).jpeg({ quality: 90 }).toFile(dest);
      return dest;
    }
    case 'rotated': {
      // Pixels stored turned a quarter to the left, with the EXIF orientation (6) that turns them upright.
      const turned = await sharp(await img.toBuffer()).rotate(270).toBuffer();
      await sharp(turned).withMetadata({ orientation: 6 }).jpeg({ quality: 92 }).toFile(dest);
      return dest;
    }
    case 'png':
      await img.png().toFile(dest.replace(/\.jpg$/, '.png'));
      return dest.replace(/\.jpg$/, '.png');
    case 'heic': {
      const tmpPng = dest.replace(/\.jpg$/, '.src.png');
      await img.png().toFile(tmpPng);
      const out = dest.replace(/\.jpg$/, '.heic');
      execFileSync('heif-enc', ['-q', '60', '-o', out, tmpPng], { stdio: 'ignore' });
      rmSync(tmpPng);
      return out;
    }
    case 'bright':
      await img.modulate({ brightness: 1.15 }).jpeg({ quality: 90 }).toFile(dest);
      return dest;
    case 'saturated':
      await img.modulate({ saturation: 1.4 }).jpeg({ quality: 90 }).toFile(dest);
      return dest;
    case 'burst': {
      // The next shot of a burst: the scene still, the subject moved a little (the middle of the frame shifted).
      const rw = Math.round(w * 0.4), rh = Math.round(h * 0.5);
      const part = await sharp(await img.toBuffer()).extract({ left: Math.round((w - rw) / 2), top: Math.round((h - rh) / 2), width: rw, height: rh }).toBuffer();
      const left = Math.min(w - rw, Math.round((w - rw) / 2 + w * 0.07)), top = Math.min(h - rh, Math.round((h - rh) / 2 + h * 0.03));
      await sharp(await img.toBuffer()).composite([{ input: part, left, top }]).modulate({ brightness: 1.02 }).jpeg({ quality: 90 }).toFile(dest);
      return dest;
    }
    default:
      throw new Error(`no copy of kind ${kind}`);
  }
}

/** The truth of a library built before: `originals/oNNNN.jpg` and `copies/oNNNN-<kind>.<ext>`. */
function truthFromNames(dir: string): TruthFile[] {
  const truth: TruthFile[] = [];
  for (const sub of ['originals', 'copies']) {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const m = /^o(\d+)(?:-(\w+))?\.\w+$/.exec(name);
      if (!m) continue;
      truth.push({ file: path.join(dir, sub, name), origin: Number(m[1]), kind: (m[2] ?? 'original') as Kind });
    }
  }
  return truth;
}

async function buildLibrary(dir: string): Promise<TruthFile[]> {
  const rng = new Rng(20261202);
  const originals = pickOriginals(rng);
  const truth: TruthFile[] = [];
  mkdirSync(path.join(dir, 'originals'), { recursive: true });
  mkdirSync(path.join(dir, 'copies'), { recursive: true });
  writeFileSync(`${dir}.sources.json`, JSON.stringify(Object.fromEntries(originals.map((src, i) => [i, path.relative(DATA, src)]))));
  for (const [i, src] of originals.entries()) {
    if (i % 50 === 0) log(`  original ${i} of ${originals.length}`);
    const base = `o${String(i).padStart(4, '0')}`;
    const dest = path.join(dir, 'originals', `${base}.jpg`);
    execFileSync('cp', ['--preserve=timestamps', src, dest]);
    truth.push({ file: dest, origin: i, kind: 'original' });
    const kinds = [COPY_KINDS[i % COPY_KINDS.length]!, COPY_KINDS[(i * 3 + 1) % COPY_KINDS.length]!];
    if (i % 6 === 0) kinds.push('burst');
    for (const kind of new Set(kinds)) {
      if (kind === 'heic' && i % 2 === 1) continue; // HEIC encoding is slow: half of them
      try {
        const file = await makeCopy(src, kind, path.join(dir, 'copies', `${base}-${kind}.jpg`), rng);
        truth.push({ file, origin: i, kind });
      } catch (err) {
        log(`  (no ${kind} copy of ${src}: ${(err as Error).message})`);
      }
    }
  }
  return truth;
}

/** The class of a pair by the truth: null when not duplicates. */
function truthClass(a: TruthFile, b: TruthFile): 'exact' | 'same' | 'edited' | null {
  if (a.origin !== b.origin) return null;
  const ca = KIND_CLASS[a.kind], cb = KIND_CLASS[b.kind];
  if (ca === null || cb === null) return null;
  if (ca === 'edited' || cb === 'edited') return 'edited';
  if (ca === 'same' || cb === 'same') return 'same';
  return 'exact';
}

type DupClass = 'exact' | 'same' | 'edited';
const CLASSES: DupClass[] = ['exact', 'same', 'edited'];

/** A tool's group of files it calls duplicates, with the class it gives them (null: the tool has no classes). */
interface ToolGroup {
  class: DupClass | null;
  files: string[];
}

interface Score {
  tool: string;
  /** Over classes 1-3 together: true duplicate pairs among the pairs the tool calls duplicates. */
  precision: number;
  recall: number;
  recallByClass: Record<DupClass, number>;
  /** Among the pairs of the groups the tool labels with a class, the share that are true duplicates (null: it labels none so). */
  precisionByClass: Record<DupClass, number | null>;
  /** Burst pairs called duplicates (they must not be). */
  burstsCalledDuplicates: number;
  predictedPairs: number;
  /** Pairs called duplicates that are not: the originals' sources, for a look. */
  falsePositives: Array<{ a: string; b: string; kinds: [Kind, Kind]; class: DupClass | null }>;
  seconds: number;
}

function score(tool: string, groups: ToolGroup[], truth: TruthFile[], seconds: number, sources: Sources = {}): Score {
  const byFile = new Map(truth.map((t) => [path.resolve(t.file), t]));
  const predicted = new Map<string, DupClass | null>();
  for (const g of groups) {
    const files = g.files.map((f) => path.resolve(f)).filter((f) => byFile.has(f)).sort();
    for (let i = 0; i < files.length; i++) for (let j = i + 1; j < files.length; j++) predicted.set(`${files[i]}\n${files[j]}`, g.class);
  }
  let tp = 0, bursts = 0;
  const labelled = { exact: 0, same: 0, edited: 0 }, labelledTrue = { exact: 0, same: 0, edited: 0 };
  const falsePositives: Score['falsePositives'] = [];
  for (const [key, cls] of predicted) {
    const [a, b] = key.split('\n') as [string, string];
    const ta = byFile.get(a)!, tb = byFile.get(b)!;
    const c = truthClass(ta, tb);
    if (cls) labelled[cls]++;
    if (c) {
      tp++;
      if (cls) labelledTrue[cls]++;
      continue;
    }
    if (ta.origin === tb.origin) bursts++;
    falsePositives.push({ a: sources[ta.origin] ?? String(ta.origin), b: sources[tb.origin] ?? String(tb.origin), kinds: [ta.kind, tb.kind], class: cls });
  }
  const all = { exact: 0, same: 0, edited: 0 }, found = { exact: 0, same: 0, edited: 0 };
  const files = [...byFile.keys()].sort();
  const byOrigin = new Map<number, string[]>();
  for (const f of files) byOrigin.set(byFile.get(f)!.origin, [...(byOrigin.get(byFile.get(f)!.origin) ?? []), f]);
  for (const list of byOrigin.values()) for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) {
    const c = truthClass(byFile.get(list[i]!)!, byFile.get(list[j]!)!);
    if (!c) continue;
    all[c]++;
    if (predicted.has(`${list[i]}\n${list[j]}`)) found[c]++;
  }
  const totalTrue = all.exact + all.same + all.edited;
  return {
    tool,
    precision: predicted.size === 0 ? 0 : tp / predicted.size,
    recall: tp / totalTrue,
    recallByClass: { exact: found.exact / all.exact, same: found.same / all.same, edited: found.edited / all.edited },
    precisionByClass: Object.fromEntries(CLASSES.map((c) => [c, labelled[c] === 0 ? null : labelledTrue[c] / labelled[c]])) as Record<DupClass, number | null>,
    burstsCalledDuplicates: bursts,
    predictedPairs: predicted.size,
    falsePositives,
    seconds,
  };
}

async function runFacePair(dir: string, truth: TruthFile[], sources: Sources): Promise<{ score: Score; hashMsPerPhoto: number; classified: Record<string, Record<string, number>> }> {
  const dbFile = path.join(dir, 'bench.db');
  const app = createApp({ dbFile });
  try {
    const t0 = performance.now();
    await app.library.reconcile(path.join(dir, 'library'));
    let hashMs = 0;
    // What a scan does to each photo, less the face analysis: the upright decode, then the fingerprint.
    for (const row of app.photos.listPending()) {
      try {
        const d = await decodePhoto(row.path, ANALYSIS_MAX_SIDE);
        const t = performance.now();
        const f = fingerprintImage(d.image);
        hashMs += performance.now() - t;
        app.photos.markDone(row.id, { format: d.format, width: d.width, height: d.height, takenAt: d.takenAt, analyzerVersion: 0 });
        app.fingerprints.put(row.id, f);
      } catch (err) {
        app.photos.markError(row.id, (err as Error).message);
      }
    }
    const tList = performance.now();
    const groups = await app.duplicates.list({ withExif: false });
    const listSeconds = (performance.now() - tList) / 1000;
    // The same library by a search of the whole of it (the design before the stored pairs): the same groups.
    app.duplicates.pairsFrom = 'search';
    const searched = await app.duplicates.list({ withExif: false });
    app.duplicates.pairsFrom = 'store';
    log(`  groups from the stored pairs ${JSON.stringify(searched) === JSON.stringify(groups) ? 'the same as' : 'NOT the same as'} a search of the whole library (${searched.length} groups)`);
    const dup = groups.flatMap((g) => (g.class === 'similar' || g.class === 'raw-jpeg' ? [] : [{ class: g.class, files: g.files.map((f) => f.path) }]));
    const s = score('FacePair', dup, truth, (performance.now() - t0) / 1000, sources);
    log(`  FacePair listed ${groups.length} groups in ${listSeconds.toFixed(2)} s`);
    // How each true pair was classified.
    const byFile = new Map(truth.map((t) => [path.resolve(t.file), t]));
    const classified: Record<string, Record<string, number>> = {};
    for (const g of groups) {
      const files = g.files.map((f) => byFile.get(f.path)).filter((t): t is TruthFile => t !== undefined);
      for (let i = 0; i < files.length; i++) for (let j = i + 1; j < files.length; j++) {
        const t = truthClass(files[i]!, files[j]!) ?? (files[i]!.origin === files[j]!.origin ? 'burst' : 'unrelated');
        classified[t] ??= {};
        classified[t][g.class] = (classified[t][g.class] ?? 0) + 1;
      }
    }
    return { score: s, hashMsPerPhoto: hashMs / truth.length, classified };
  } finally {
    app.close();
  }
}

function runFindimagedupes(dir: string, truth: TruthFile[], sources: Sources): Score {
  const t0 = performance.now();
  const out = execFileSync('nice', ['-n', '10', 'findimagedupes', '-R', '-q', '--', path.join(dir, 'library')], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
  // One group a line, paths separated by spaces (the library's names hold none).
  const groups = out.split('\n').filter((l) => l.trim() !== '').map((l) => ({ class: null, files: l.trim().split(' ') }));
  return score('findimagedupes', groups, truth, (performance.now() - t0) / 1000, sources);
}

function runJdupes(dir: string, truth: TruthFile[], sources: Sources): Score {
  const t0 = performance.now();
  let out = '';
  try {
    out = execFileSync('jdupes', ['-r', '-q', path.join(dir, 'library')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  } catch (err) {
    out = (err as { stdout?: string }).stdout ?? '';
  }
  // Byte-identical files only: every group it finds is an exact copy.
  const groups = out
    .split(/\n\s*\n/)
    .map((b) => b.split('\n').filter((l) => l.trim() !== ''))
    .filter((g) => g.length > 1)
    .map((files) => ({ class: 'exact' as const, files }));
  return score('jdupes', groups, truth, (performance.now() - t0) / 1000, sources);
}

/** The hash's cost in a real scan: fingerprint time over the scan's time, on a few photos. */
async function hashShareOfScan(dir: string): Promise<{ photos: number; scanSeconds: number; hashSeconds: number; percent: number }> {
  // A dozen photos: enough for the ratio, and the scan is the slow part of the bench.
  const folder = path.join(dir, 'scan-sample');
  mkdirSync(folder);
  for (const person of ['id01', 'id02', 'id05', 'id07']) {
    for (const f of readdirSync(path.join(DATA, 'photos/identities', person)).sort().slice(0, 3)) execFileSync('cp', [path.join(DATA, 'photos/identities', person, f), path.join(folder, `${person}-${f}`)]);
  }
  const app = createApp({ dbFile: path.join(dir, 'scan.db'), workers: 1 });
  try {
    const summary = await app.scanner.scan(folder);
    let hashMs = 0, n = 0;
    for (const row of app.photos.listUnder(folder + path.sep)) {
      if (row.status !== 'done') continue;
      const d = await decodePhoto(row.path, ANALYSIS_MAX_SIDE);
      const t = performance.now();
      fingerprintImage(d.image);
      hashMs += performance.now() - t;
      n++;
    }
    return { photos: n, scanSeconds: summary.seconds, hashSeconds: hashMs / 1000, percent: (100 * hashMs) / 1000 / summary.seconds };
  } finally {
    app.close();
  }
}

interface SyntheticListing {
  photos: number;
  groups: number;
  /** The first listing's seconds (the stored pairs brought up to date before it, untimed). */
  seconds: number;
  runs: number[];
  searchIn: Array<string | null>;
  /** Bringing the stored pairs of the whole library up to date once (a library scanned by an older build): seconds, and ms a photo. */
  firstUpdate: { seconds: number; msPerPhoto: number; candidates: number };
  /** The listings by a search of the whole library (the design before), alternated with the stored ones; null without --full-search. */
  fullSearch: { runs: number[]; sameGroups: boolean } | null;
  /** A scan's 1,000 new photos searched against the library and stored: ms a photo, and the listing after. */
  added: { photos: number; seconds: number; msPerPhoto: number; candidates: number; listingSeconds: number } | null;
}

type Print = { dct: Uint8Array; gradient: Uint8Array; thumb: Uint8Array; colour: Uint8Array };

/**
 * Listing the duplicates of 100,000 photos with synthetic fingerprints (1 % near copies): the
 * stored pairs brought up to date first (timed apart), then each listing; with `fullSearch`, a
 * search of the whole library (the design before) between them; then 1,000 photos added as a
 * scan adds them, their search timed.
 */
async function syntheticListing(dir: string, count = 100_000, runs = 1, fullSearch = false, added = 0): Promise<SyntheticListing> {
  const app = createApp({ dbFile: path.join(dir, 'synthetic.db') });
  app.duplicates.searchIn = searchIn as 'auto' | 'threads' | 'here';
  try {
    const rng = new Rng(7);
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
    const prints: Print[] = [];
    let made = 0;
    const addPhotos = (n: number, nearOf: (i: number, prev: Print | null) => Print | null): void => {
      app.db.transaction(() => {
        let prev: Print | null = null;
        for (let k = 0; k < n; k++) {
          const i = made++;
          const hash = `${i.toString(16).padStart(16, '0')}`.repeat(4);
          const id = app.photos.insert({ path: `/synthetic/${i}.jpg`, size: 100_000 + i, mtimeMs: 0, contentHash: hash });
          app.photos.markDone(id, { format: 'jpg', width: 4000, height: 3000, takenAt: null, analyzerVersion: 0 });
          const f: Print = nearOf(i, prev) ?? { dct: bytes(8), gradient: bytes(8), thumb: bytes(1024), colour: bytes(192) };
          app.fingerprints.put(id, f);
          prints.push(f);
          prev = f;
        }
      })();
    };
    // Every hundredth photo is a near copy of the one before: a few bits flipped, the same thumbnail.
    const near = (p: Print): Print => ({ dct: p.dct.map((b, k) => (k === 0 ? b ^ 0b101 : b)), gradient: p.gradient.map((b, k) => (k === 7 ? b ^ 1 : b)), thumb: p.thumb, colour: p.colour });
    addPhotos(count, (i, prev) => (prev && i % 100 === 0 ? near(prev) : null));
    const t0 = performance.now();
    const first = app.duplicates.updatePairs();
    const firstSeconds = (performance.now() - t0) / 1000;
    // Each run lists from the database anew, as a new `duplicates` command does.
    const seconds: number[] = [], full: number[] = [];
    const searchedIn: Array<string | null> = [];
    let groups = 0, sameGroups = true;
    for (let r = 0; r < runs; r++) {
      app.duplicates.pairsFrom = 'store';
      let t = performance.now();
      const listed = await app.duplicates.list({ withExif: false });
      seconds.push((performance.now() - t) / 1000);
      searchedIn.push(app.duplicates.lastSearchIn);
      groups = listed.length;
      if (!fullSearch) continue;
      app.duplicates.pairsFrom = 'search';
      t = performance.now();
      const searched = await app.duplicates.list({ withExif: false });
      full.push((performance.now() - t) / 1000);
      sameGroups &&= JSON.stringify(searched) === JSON.stringify(listed);
      app.duplicates.pairsFrom = 'store';
    }
    let addedRun: SyntheticListing['added'] = null;
    if (added > 0) {
      // A scan's new photos: one in ten a near copy of a photo already in the library.
      addPhotos(added, (i) => (i % 10 === 0 ? near(prints[rng.int(count)]!) : null));
      const t = performance.now();
      const update = app.duplicates.updatePairs();
      const s = (performance.now() - t) / 1000;
      const tl = performance.now();
      await app.duplicates.list({ withExif: false });
      addedRun = { photos: update.searched, seconds: s, msPerPhoto: (1000 * s) / added, candidates: update.candidates, listingSeconds: (performance.now() - tl) / 1000 };
    }
    return {
      photos: count, groups, seconds: seconds[0]!, runs: seconds, searchIn: searchedIn,
      firstUpdate: { seconds: firstSeconds, msPerPhoto: (1000 * firstSeconds) / count, candidates: first.candidates },
      fullSearch: fullSearch ? { runs: full, sameGroups } : null,
      added: addedRun,
    };
  } finally {
    app.close();
  }
}

const fmt = (v: number): string => v.toFixed(3);

const cell = (v: number | null): string => (v === null ? '  —  ' : fmt(v));

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facepair-dups-'));
  try {
    if (listingOnly) {
      const loadBefore = os.loadavg()[0]!.toFixed(2);
      const listing = await syntheticListing(dir, 100_000, 3, fullSearch, 1000);
      const load = `load ${loadBefore} before, ${os.loadavg()[0]!.toFixed(2)} after`;
      if (asJson) {
        process.stdout.write(JSON.stringify({ synthetic: listing, loadAverage: os.loadavg() }, null, 2) + '\n');
        return;
      }
      const s2 = (v: number): string => v.toFixed(2);
      const u = listing.firstUpdate;
      process.stdout.write(`stored pairs brought up to date once for ${listing.photos} photos (untimed in the listing): ${s2(u.seconds)} s, ${u.msPerPhoto.toFixed(3)} ms a photo, ${u.candidates} candidates checked\n`);
      process.stdout.write(`listing ${listing.photos} photos with synthetic fingerprints from the stored pairs: ${listing.runs.map(s2).join(' s, ')} s (${listing.groups} groups; ${load})\n`);
      if (listing.fullSearch) process.stdout.write(`  by a search of the whole library (before), alternated: ${listing.fullSearch.runs.map(s2).join(' s, ')} s; same groups: ${listing.fullSearch.sameGroups ? 'yes' : 'NO'}\n`);
      const a = listing.added;
      if (a) {
        process.stdout.write(
          `+${a.photos} photos searched and stored: ${s2(a.seconds)} s, ${a.msPerPhoto.toFixed(3)} ms a photo (${((100 * a.msPerPhoto) / 400).toFixed(2)}-${((100 * a.msPerPhoto) / 150).toFixed(2)} % of a scan's 150-400 ms a photo), ${a.candidates} candidates; listing after: ${s2(a.listingSeconds)} s\n`,
        );
      }
      return;
    }
    if (reuse) {
      execFileSync('cp', ['-a', path.join(reuse, 'library'), path.join(dir, 'library')]);
      execFileSync('cp', ['-a', path.join(reuse, 'library.sources.json'), path.join(dir, 'library.sources.json')]);
    } else log(`building the library in ${dir} …`);
    const truth = reuse ? truthFromNames(path.join(dir, 'library')) : await buildLibrary(path.join(dir, 'library'));
    const sources = JSON.parse(readFileSync(path.join(dir, 'library.sources.json'), 'utf8')) as Sources;
    const fromLfw = new Set(Object.entries(sources).filter(([, s]) => s.startsWith('lfw')).map(([o]) => Number(o))).size;
    log(`  ${truth.length} files from ${new Set(truth.map((t) => t.origin)).size} originals (${fromLfw} of them LFW portraits)`);
    const ours = await runFacePair(dir, truth, sources);
    log('findimagedupes …');
    const fid = runFindimagedupes(dir, truth, sources);
    log('jdupes …');
    const jd = runJdupes(dir, truth, sources);
    log('hash cost in a scan …');
    const share = await hashShareOfScan(dir);
    let listing: Awaited<ReturnType<typeof syntheticListing>> | null = null;
    if (synthetic) {
      log('100,000 synthetic photos …');
      listing = await syntheticListing(dir);
    }
    const result = {
      library: {
        files: truth.length,
        originals: new Set(truth.map((t) => t.origin)).size,
        lfwOriginals: fromLfw,
        kinds: Object.fromEntries(COPY_KINDS.concat(['burst']).map((k) => [k, truth.filter((t) => t.kind === k).length])),
      },
      tools: [ours.score, fid, jd],
      facepairClassified: ours.classified,
      hash: { msPerPhoto: ours.hashMsPerPhoto, ...share },
      synthetic: listing,
    };
    if (asJson) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    process.stdout.write(`library: ${result.library.files} files, ${result.library.originals} originals (${fromLfw} LFW portraits); copies ${JSON.stringify(result.library.kinds)}\n\n`);
    process.stdout.write('pairwise precision / recall; "classes 1-3" counts every true duplicate pair once; a class\'s precision is over the pairs the tool puts in groups of that class\n');
    process.stdout.write('tool            classes 1-3      exact            same             edited           bursts-called-dup  pairs  seconds\n');
    for (const s of result.tools) {
      const pr = (p: number | null, r: number): string => `${cell(p)} / ${fmt(r)}`.padEnd(17);
      process.stdout.write(
        `${s.tool.padEnd(15)} ${pr(s.precision, s.recall)}${CLASSES.map((c) => pr(s.precisionByClass[c], s.recallByClass[c])).join('')}${String(s.burstsCalledDuplicates).padStart(17)}  ${String(s.predictedPairs).padStart(5)}  ${s.seconds.toFixed(1)}\n`,
      );
    }
    process.stdout.write(`\nFacePair's class of each listed pair, by true class: ${JSON.stringify(ours.classified)}\n`);
    for (const s of result.tools) {
      if (s.falsePositives.length === 0) continue;
      process.stdout.write(`${s.tool}: ${s.falsePositives.length} pairs called duplicates that are not${s.falsePositives.length > 12 ? ' (the first 12)' : ''}:\n`);
      for (const f of s.falsePositives.slice(0, 12)) process.stdout.write(`  ${f.a} (${f.kinds[0]})  ~  ${f.b} (${f.kinds[1]})${f.class ? `  as ${f.class}` : ''}\n`);
    }
    process.stdout.write(`hash: ${ours.hashMsPerPhoto.toFixed(2)} ms per photo; in a scan of ${share.photos} photos (${share.scanSeconds.toFixed(1)} s, 1 worker) it is ${share.percent.toFixed(2)} % of the time\n`);
    if (listing) process.stdout.write(`listing ${listing.photos} photos with synthetic fingerprints: ${listing.seconds.toFixed(2)} s (${listing.groups} groups)\n`);
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

await main();
