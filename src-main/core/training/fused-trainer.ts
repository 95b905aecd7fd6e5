/**
 * Trains the fused pair head (fused-head.ts) on View 1's DevTrain people: pairs among
 * the people the seed model held out for validation (so that the seed's scores on them are
 * those of unseen people), half same person, half two people.
 */
import { ensureLfwScanned } from '../evaluation/lfw-faces.js';
import { computeImageFeatures, euclidean } from '../evaluation/lfw-features.js';
import { heldOutImages, heldOutPairs, imageKey, imagePath, lfwDataset, type LfwImage } from '../evaluation/lfw-protocol.js';
import { accuracyAt, auc, bestThreshold } from '../evaluation/pair-metrics.js';
import { FUSED_FEATURES, fitLogistic, fusedFeatures, fusedScore, saveFusedHead, type FusedHead } from '../ml/seed/fused-head.js';
import { defaultSeedModelDir, SeedEmbedder } from '../ml/seed/seed-embedder.js';

export interface TrainFusedOptions {
  data: string;
  cacheDb: string;
  scan: boolean;
  seedDir?: string;
  pairs: number;
  log?: (line: string) => void;
}

export interface TrainFusedResult {
  head: FusedHead;
  trainPairs: number;
  people: number;
  images: number;
  /** On the training pairs (in-sample). */
  trainAccuracy: { descriptor: number; fused: number };
  trainAuc: { descriptor: number; fused: number };
}

export async function trainFused(o: TrainFusedOptions): Promise<TrainFusedResult> {
  const log = o.log ?? ((): void => {});
  const ds = lfwDataset(o.data);
  const faces = await ensureLfwScanned(o.cacheDb, ds.imagesDir, heldOutImages(ds).map(imageKey), { scan: o.scan, log });
  const pairs: Array<[LfwImage, LfwImage, boolean]> = heldOutPairs(ds, (k) => faces.has(k), o.pairs).map((p) => [p.a, p.b, p.same]);
  const present = new Set(pairs.flatMap(([a, b]) => [a.name, b.name]));
  const seed = await SeedEmbedder.load(o.seedDir ?? defaultSeedModelDir());
  const keys = pairs.flatMap(([a, b]) => [imageKey(a), imageKey(b)]);
  const paths = new Map(pairs.flatMap(([a, b]) => [[imageKey(a), imagePath(ds.imagesDir, a)], [imageKey(b), imagePath(ds.imagesDir, b)]] as Array<[string, string]>));
  const f = await computeImageFeatures(keys, faces, (k) => paths.get(k)!, { descriptor: true, seed }, log);
  const ia = Uint32Array.from(pairs, ([a]) => f.index.get(imageKey(a))!);
  const ib = Uint32Array.from(pairs, ([, b]) => f.index.get(imageKey(b))!);
  const prob = seed.scorePairs(seed.project(f.seed!), ia, ib);
  const dist = pairs.map((_, p) => euclidean(f.descriptors!, ia[p]!, ib[p]!, 128));
  const X = pairs.map((_, p) => fusedFeatures(dist[p]!, prob[p]!));
  const y = pairs.map((p) => p[2]);
  const fit = fitLogistic(X, y);
  const head: FusedHead = {
    format: 'facepair-fused',
    version: 1,
    features: [...FUSED_FEATURES],
    ...fit,
    seedKey: seed.pairKey,
    trainedOn: `LFW View 1 DevTrain: ${pairs.length} pairs (half same person) among ${present.size} people held out from the seed model's training (${f.keys.length} images)`,
    useForGrouping: false,
  };
  const dScore = dist.map((d) => -d);
  const fScore = pairs.map((_, p) => fusedScore(head, dist[p]!, prob[p]!));
  seed.dispose();
  return {
    head,
    trainPairs: pairs.length,
    people: present.size,
    images: f.keys.length,
    trainAccuracy: { descriptor: accuracyAt(dScore, y, bestThreshold(dScore, y)), fused: accuracyAt(fScore, y, bestThreshold(fScore, y)) },
    trainAuc: { descriptor: auc(dScore, y), fused: auc(fScore, y) },
  };
}

export { saveFusedHead };
