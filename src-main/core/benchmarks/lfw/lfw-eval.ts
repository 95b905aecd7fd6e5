/**
 * `facepair eval lfw`: a pair matcher measured on LFW's protocol.
 *
 * - View 2 (pairs.txt): mean accuracy and standard error over the 10 folds, each fold's
 *   threshold chosen on the other nine; every pair counts.
 * - View 1 (pairsDevTest.txt): accuracy at a threshold chosen on DevTrain data, standard
 *   error sqrt(acc (1 - acc) / pairs): on pairsDevTrain.txt for the descriptor; for the
 *   matchers trained on DevTrain people (seed, fused), on 2,000 pairs of the DevTrain people
 *   held out from their training (on their training people they are overconfident). Those
 *   matchers are reported here: DevTrain's people are disjoint from DevTest's.
 * - Each image is represented by its most central detected face; where none was found, by
 *   the central region (counted in `misses`).
 * - AUC over all test pairs; a ROC curve and a confusion matrix as PNG images.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { fusedScore, loadFusedHead, type FusedHead } from '../../embedding/seed/fused-head.js';
import { defaultSeedModelDir, SeedEmbedder } from '../../embedding/seed/seed-embedder.js';
import { SEED_EMBEDDING_DIM } from '../../embedding/seed/seed-architecture.js';
import { ensureLfwScanned } from './lfw-faces.js';
import { euclideanRows } from '../../ml/distance.js';
import { computeImageFeatures, type ImageFeatures } from './lfw-features.js';
import { devTrainPairs, heldOutImages, heldOutPairs, imageKey, imagePath, lfwDataset, testPairs, type LfwPair, type LfwProtocol } from './lfw-protocol.js';
import { accuracyAt, auc, bestThreshold, confusionAt, crossFoldAccuracy, rocCurve, type Confusion } from '../../ml/pair-metrics.js';
import { replaceCardSection } from '../model-card.js';
import { openSeedEmbeddingCache } from './seed-embedding-cache.js';
import { confusionSvg, rocSvg, writePng } from '../plots.js';

/** `seed`: the seed model's pair score (its head alone where it has none); `seed-head`: the study's pair head alone. */
export type LfwMatcher = 'seed' | 'seed-head' | 'descriptor' | 'fused';
export const LFW_MATCHERS: readonly LfwMatcher[] = ['seed', 'seed-head', 'descriptor', 'fused'];

/** Pairs of held-out DevTrain people on which View 1 thresholds of seed and fused are chosen. */
export const HELD_OUT_THRESHOLD_PAIRS = 2000;

export interface LfwEvalOptions {
  data: string;
  cacheDb: string;
  protocol: LfwProtocol;
  matcher: LfwMatcher;
  /** Scan LFW into the cache when images are missing. */
  scan: boolean;
  seedDir?: string;
  /** Where the PNGs go (null: none). */
  figuresDir?: string | null;
  /** Evaluate only these test pairs (tests use slices); default: the protocol's. */
  pairs?: LfwPair[];
  /** View 1 threshold pairs (default pairsDevTrain.txt). */
  thresholdPairs?: LfwPair[];
  /** Keep seed embeddings beside the scan's cache for later runs (default true). */
  embeddingCache?: boolean;
  log?: (line: string) => void;
}

/** The figures `--json` prints, exactly these keys. */
export interface LfwEvalFigures {
  matcher: LfwMatcher;
  protocol: LfwProtocol;
  accuracy: number;
  stderr: number;
  auc: number;
  pairs: number;
  misses: number;
}

export interface LfwEvalResult extends LfwEvalFigures {
  thresholds: number[];
  foldAccuracies: number[] | null;
  confusion: Confusion;
  figures: { roc: string; confusion: string } | null;
  model: string | null;
  date: string;
}

/** Scores of pairs (higher = same person) for one matcher from per-image features. */
export function pairScores(
  matcher: LfwMatcher,
  pairs: readonly LfwPair[],
  f: ImageFeatures,
  seed: SeedEmbedder | null,
  fused: FusedHead | null,
): Float64Array {
  const ia = Uint32Array.from(pairs, (p) => f.index.get(imageKey(p.a))!);
  const ib = Uint32Array.from(pairs, (p) => f.index.get(imageKey(p.b))!);
  const out = new Float64Array(pairs.length);
  let seedProb: Float32Array | null = null;
  if (matcher !== 'descriptor') {
    if (seed === null || f.seed === null) throw new Error('the seed matcher needs the seed model');
    const inputs = seed.project(f.seed);
    seedProb = matcher === 'seed-head' ? seed.headScorePairs(inputs, ia, ib) : seed.scorePairs(inputs, ia, ib);
  }
  for (let p = 0; p < pairs.length; p++) {
    if (matcher === 'seed' || matcher === 'seed-head') out[p] = seedProb![p]!;
    else {
      const d = euclideanRows(f.descriptors!, ia[p]!, ib[p]!, 128);
      out[p] = matcher === 'descriptor' ? -d : fusedScore(fused!, d, seedProb![p]!);
    }
  }
  return out;
}

export async function evaluateLfw(o: LfwEvalOptions): Promise<LfwEvalResult> {
  const log = o.log ?? ((): void => {});
  const ds = lfwDataset(o.data);
  const pairs = o.pairs ?? testPairs(ds, o.protocol);
  // View 1 thresholds: on pairsDevTrain for the descriptor; for matchers trained on DevTrain
  // people (seed, fused), on pairs of the DevTrain people held out from their training.
  const trainedOnLfw = o.matcher !== 'descriptor';
  const heldOut = o.protocol === 'view1' && trainedOnLfw && o.thresholdPairs === undefined;
  const fixedThreshold = o.protocol === 'view1' && !heldOut ? (o.thresholdPairs ?? devTrainPairs(ds)) : [];
  const wanted = [...pairs, ...fixedThreshold].flatMap((p) => [imageKey(p.a), imageKey(p.b)]);
  if (heldOut) wanted.push(...heldOutImages(ds).map(imageKey));
  const faces = await ensureLfwScanned(o.cacheDb, ds.imagesDir, wanted, { scan: o.scan, log });
  const thresholdPairs = heldOut ? heldOutPairs(ds, (k) => faces.has(k), HELD_OUT_THRESHOLD_PAIRS) : fixedThreshold;
  const all = [...pairs, ...thresholdPairs];
  const keys = all.flatMap((p) => [imageKey(p.a), imageKey(p.b)]);

  const seedDir = o.seedDir ?? defaultSeedModelDir();
  const seed = o.matcher === 'descriptor' ? null : await SeedEmbedder.load(seedDir);
  const fused = o.matcher === 'fused' ? loadFusedHead(seedDir) : null;
  if (fused !== null && seed !== null && fused.seedKey !== seed.pairKey) {
    throw new Error(`${seedDir}/fused.json was trained on seed model ${fused.seedKey}, not ${seed.pairKey}: run \`facepair train-fused\``);
  }
  if (o.matcher !== 'descriptor' && o.protocol === 'view2') {
    log('note: the seed model was trained on LFW DevTrain people, who also appear in View 2: report it on View 1');
  }
  const keyToPath = new Map(all.flatMap((p) => [[imageKey(p.a), imagePath(ds.imagesDir, p.a)], [imageKey(p.b), imagePath(ds.imagesDir, p.b)]] as Array<[string, string]>));
  const seedCache = seed !== null && o.embeddingCache !== false ? openSeedEmbeddingCache(o.cacheDb, seed.key, SEED_EMBEDDING_DIM) : undefined;
  const features = await computeImageFeatures(keys, faces, (k) => keyToPath.get(k)!, { descriptor: o.matcher === 'descriptor' || o.matcher === 'fused', seed, seedCache }, log);

  const scores = pairScores(o.matcher, pairs, features, seed, fused);
  const same = pairs.map((p) => p.same);
  const testKeys = new Set(pairs.flatMap((p) => [imageKey(p.a), imageKey(p.b)]));
  const misses = [...testKeys].filter((k) => features.misses.has(k)).length;

  let accuracy: number, stderr: number, thresholds: number[], foldAccuracies: number[] | null, confusion: Confusion;
  if (o.protocol === 'view2') {
    const folds = crossFoldAccuracy(scores, same, pairs.map((p) => p.fold));
    ({ accuracy, stderr, thresholds, foldAccuracies } = folds);
    const foldIndex = [...new Set(pairs.map((p) => p.fold))].sort((a, b) => a - b);
    const perPair = pairs.map((p) => thresholds[foldIndex.indexOf(p.fold)]!);
    confusion = confusionAt(scores, same, perPair);
  } else {
    const tScores = pairScores(o.matcher, thresholdPairs, features, seed, fused);
    const t = bestThreshold(tScores, thresholdPairs.map((p) => p.same));
    accuracy = accuracyAt(scores, same, t);
    stderr = Math.sqrt((accuracy * (1 - accuracy)) / pairs.length);
    thresholds = [t];
    foldAccuracies = null;
    confusion = confusionAt(scores, same, t);
  }
  const a = auc(scores, same);
  seed?.dispose();

  let figures: LfwEvalResult['figures'] = null;
  if (o.figuresDir) {
    const base = path.join(o.figuresDir, `${o.matcher}-${o.protocol}`);
    const label = { seed: seed?.pairScore !== undefined ? 'seed model (pair head + root cosine)' : 'seed model (500-d + pair head)', 'seed-head': 'seed pair head alone', descriptor: 'face-api 128-d descriptor', fused: 'fused head (descriptor + seed)' }[o.matcher];
    const proto = o.protocol === 'view2' ? 'LFW View 2, 6000 pairs, 10 folds' : `LFW View 1 DevTest, ${pairs.length} pairs`;
    figures = { roc: `${base}-roc.png`, confusion: `${base}-confusion.png` };
    await writePng(rocSvg(`ROC: ${label}, ${proto}`, [{ label, points: rocCurve(scores, same), auc: a }]), figures.roc);
    await writePng(confusionSvg(`${label}, ${proto}`, confusion), figures.confusion);
  }
  return {
    matcher: o.matcher,
    protocol: o.protocol,
    accuracy,
    stderr,
    auc: a,
    pairs: pairs.length,
    misses,
    thresholds,
    foldAccuracies,
    confusion,
    figures,
    model: seed?.key ?? null,
    date: new Date().toISOString(),
  };
}

export function figuresOf(r: LfwEvalResult): LfwEvalFigures {
  return { matcher: r.matcher, protocol: r.protocol, accuracy: r.accuracy, stderr: r.stderr, auc: r.auc, pairs: r.pairs, misses: r.misses };
}

// ---------------------------------------------------------------------------
// Model card figures: models/seed/<v>/figures.json and the card's figures section


export async function recordFigures(modelDir: string, r: LfwEvalResult, command: string): Promise<void> {
  const file = path.join(modelDir, 'figures.json');
  const all = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>) : {};
  all[`${r.matcher}/${r.protocol}`] = {
    ...figuresOf(r),
    thresholds: r.thresholds,
    foldAccuracies: r.foldAccuracies,
    confusion: r.confusion,
    model: r.model,
    figures: r.figures && { roc: path.relative(modelDir, r.figures.roc), confusion: path.relative(modelDir, r.figures.confusion) },
    date: r.date,
    command,
  };
  await writeFile(file, JSON.stringify(all, null, 2) + '\n');
  const rows = Object.values(all as Record<string, LfwEvalFigures & { date: string; command: string; figures: { roc: string; confusion: string } | null }>)
    .sort((x, y) => (x.protocol + x.matcher).localeCompare(y.protocol + y.matcher))
    .map(
      (x) =>
        `| ${x.matcher} | ${x.protocol} | ${x.accuracy.toFixed(4)} ± ${x.stderr.toFixed(4)} | ${x.auc.toFixed(4)} | ${x.pairs} | ${x.misses} | ${x.figures ? `[ROC](${x.figures.roc}), [confusion](${x.figures.confusion})` : '-'} | ${x.date.slice(0, 10)} |`,
    );
  const cmds = Object.values(all as Record<string, { command: string }>).map((x) => `    ${x.command}`);
  const section = [
    '| matcher | protocol | accuracy ± s.e. | AUC | pairs | misses | figures | measured |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Reproduce with:',
    '',
    ...[...new Set(cmds)].sort(),
  ].join('\n');
  await replaceCardSection(path.join(modelDir, 'MODEL_CARD.md'), 'figures', section);
}
