#!/usr/bin/env node
// npm run bench:duplicates -- [--json] [--originals N]: builds a library of known duplicates in a
// temporary folder from the shared photos (exact copies, resized re-encodes, 4 % crops,
// EXIF-rotated copies, PNG and HEIC siblings, brightness and saturation edits; as negatives,
// other photos of the same people and near-identical shots), finds its duplicates with
// FacePair, findimagedupes and jdupes in the same run, and prints pairwise precision and
// recall per class; then the hash's cost against a scan, and the listing time of 100,000
// photos with synthetic fingerprints. A benchmark, not a test: it prints figures only.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
const originalsWanted = Number(args[args.indexOf('--originals') + 1] ?? 0) || 300;
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

function log(msg: string): void {
  if (!asJson) process.stderr.write(msg + '\n');
}

function pickOriginals(rng: Rng): string[] {
  const own = [
    ...readdirSync(path.join(DATA, 'photos/identities'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && /\.jpe?g$/i.test(d.name)).map((d) => path.join(d.parentPath, d.name)),
    ...readdirSync(path.join(DATA, 'photos/groups'), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && /\.jpe?g$/i.test(d.name)).map((d) => path.join(d.parentPath, d.name)),
  ];
  // LFW: three photos each of people with several, so that other photos of one person are negatives.
  const lfw = path.join(DATA, 'lfw/images');
  const people = readdirSync(lfw).filter((p) => readdirSync(path.join(lfw, p)).length >= 4).sort();
  const chosen: string[] = [];
  while (own.length + chosen.length < originalsWanted && people.length > 0) {
    const person = people.splice(rng.int(people.length), 1)[0]!;
    chosen.push(...readdirSync(path.join(lfw, person)).sort().slice(0, 3).map((f) => path.join(lfw, person, f)));
  }
  return [...own, ...chosen].slice(0, Math.max(originalsWanted, own.length));
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
  for (const [i, src] of originals.entries()) {
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

interface Score {
  tool: string;
  precision: number;
  recall: number;
  recallByClass: Record<'exact' | 'same' | 'edited', number>;
  /** Burst pairs called duplicates (they must not be). */
  burstsCalledDuplicates: number;
  predictedPairs: number;
  seconds: number;
}

function score(tool: string, groups: string[][], truth: TruthFile[], seconds: number): Score {
  const byFile = new Map(truth.map((t) => [path.resolve(t.file), t]));
  const predicted = new Set<string>();
  for (const g of groups) {
    const files = g.map((f) => path.resolve(f)).filter((f) => byFile.has(f)).sort();
    for (let i = 0; i < files.length; i++) for (let j = i + 1; j < files.length; j++) predicted.add(`${files[i]}\n${files[j]}`);
  }
  let tp = 0, bursts = 0;
  for (const key of predicted) {
    const [a, b] = key.split('\n') as [string, string];
    const c = truthClass(byFile.get(a)!, byFile.get(b)!);
    if (c) tp++;
    else if (byFile.get(a)!.origin === byFile.get(b)!.origin) bursts++;
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
    burstsCalledDuplicates: bursts,
    predictedPairs: predicted.size,
    seconds,
  };
}

async function runFacePair(dir: string, truth: TruthFile[]): Promise<{ score: Score; hashMsPerPhoto: number; classified: Record<string, Record<string, number>> }> {
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
    const dup = groups.filter((g) => g.class !== 'similar').map((g) => g.files.map((f) => f.path));
    const s = score('FacePair', dup, truth, (performance.now() - t0) / 1000);
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

function runFindimagedupes(dir: string, truth: TruthFile[]): Score {
  const t0 = performance.now();
  const out = execFileSync('nice', ['-n', '10', 'findimagedupes', '-R', '-q', '--', path.join(dir, 'library')], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
  const groups = out.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(' '));
  return score('findimagedupes', groups, truth, (performance.now() - t0) / 1000);
}

function runJdupes(dir: string, truth: TruthFile[]): Score {
  const t0 = performance.now();
  let out = '';
  try {
    out = execFileSync('jdupes', ['-r', '-q', path.join(dir, 'library')], { encoding: 'utf8', maxBuffer: 1 << 26 });
  } catch (err) {
    out = (err as { stdout?: string }).stdout ?? '';
  }
  const groups = out.split(/\n\s*\n/).map((b) => b.split('\n').filter((l) => l.trim() !== '')).filter((g) => g.length > 1);
  return score('jdupes', groups, truth, (performance.now() - t0) / 1000);
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

/** Listing the duplicates of 100,000 photos with synthetic fingerprints (1 % near copies). */
async function syntheticListing(dir: string, count = 100_000): Promise<{ photos: number; groups: number; seconds: number }> {
  const app = createApp({ dbFile: path.join(dir, 'synthetic.db') });
  try {
    const rng = new Rng(7);
    const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.int(256));
    app.db.transaction(() => {
      let prev: { dct: Uint8Array; gradient: Uint8Array; thumb: Uint8Array; colour: Uint8Array } | null = null;
      for (let i = 0; i < count; i++) {
        const hash = `${i.toString(16).padStart(16, '0')}`.repeat(4);
        const id = app.photos.insert({ path: `/synthetic/${i}.jpg`, size: 100_000 + i, mtimeMs: 0, contentHash: hash });
        app.photos.markDone(id, { format: 'jpg', width: 4000, height: 3000, takenAt: null, analyzerVersion: 0 });
        // Every hundredth photo is a near copy of the one before: a few bits flipped, the same thumbnail.
        const f: { dct: Uint8Array; gradient: Uint8Array; thumb: Uint8Array; colour: Uint8Array } = prev && i % 100 === 0
          ? { dct: prev.dct.map((b, k) => (k === 0 ? b ^ 0b101 : b)), gradient: prev.gradient.map((b, k) => (k === 7 ? b ^ 1 : b)), thumb: prev.thumb, colour: prev.colour }
          : { dct: bytes(8), gradient: bytes(8), thumb: bytes(1024), colour: bytes(192) };
        app.fingerprints.put(id, f);
        prev = f;
      }
    })();
    const t0 = performance.now();
    const groups = await app.duplicates.list({ withExif: false });
    return { photos: count, groups: groups.length, seconds: (performance.now() - t0) / 1000 };
  } finally {
    app.close();
  }
}

const fmt = (v: number): string => v.toFixed(3);

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'facepair-dups-'));
  try {
    if (reuse) execFileSync('cp', ['-a', path.join(reuse, 'library'), path.join(dir, 'library')]);
    else log(`building the library in ${dir} …`);
    const truth = reuse ? truthFromNames(path.join(dir, 'library')) : await buildLibrary(path.join(dir, 'library'));
    log(`  ${truth.length} files from ${new Set(truth.map((t) => t.origin)).size} originals`);
    const ours = await runFacePair(dir, truth);
    log('findimagedupes …');
    const fid = runFindimagedupes(dir, truth);
    const jd = runJdupes(dir, truth);
    log('hash cost in a scan …');
    const share = await hashShareOfScan(dir);
    log('100,000 synthetic photos …');
    const synthetic = await syntheticListing(dir);
    const result = {
      library: { files: truth.length, originals: new Set(truth.map((t) => t.origin)).size, kinds: Object.fromEntries(COPY_KINDS.concat(['burst']).map((k) => [k, truth.filter((t) => t.kind === k).length])) },
      tools: [ours.score, fid, jd],
      facepairClassified: ours.classified,
      hash: { msPerPhoto: ours.hashMsPerPhoto, ...share },
      synthetic,
    };
    if (asJson) {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      return;
    }
    process.stdout.write(`library: ${result.library.files} files, ${result.library.originals} originals; copies ${JSON.stringify(result.library.kinds)}\n\n`);
    process.stdout.write('tool            precision  recall  exact   same    edited  bursts-called-dup  seconds\n');
    for (const s of result.tools) {
      process.stdout.write(`${s.tool.padEnd(15)} ${fmt(s.precision).padStart(9)}  ${fmt(s.recall).padStart(6)}  ${fmt(s.recallByClass.exact)}   ${fmt(s.recallByClass.same)}   ${fmt(s.recallByClass.edited)}   ${String(s.burstsCalledDuplicates).padStart(17)}  ${s.seconds.toFixed(1)}\n`);
    }
    process.stdout.write(`\nFacePair's class of each listed pair, by true class: ${JSON.stringify(ours.classified)}\n`);
    process.stdout.write(`hash: ${ours.hashMsPerPhoto.toFixed(2)} ms per photo; in a scan of ${share.photos} photos (${share.scanSeconds.toFixed(1)} s, 1 worker) it is ${share.percent.toFixed(2)} % of the time\n`);
    process.stdout.write(`listing ${synthetic.photos} photos with synthetic fingerprints: ${synthetic.seconds.toFixed(2)} s (${synthetic.groups} groups)\n`);
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  }
}

await main();
