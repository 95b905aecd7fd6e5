/**
 * The pairs the fused head and the seed pair score are fitted on: pairs among the View 1
 * DevTrain people the seed model held out from its training (half same person), so that the
 * seed's scores on them are those of unseen people; with each image's features.
 */
import { ensureLfwScanned } from '../benchmarks/lfw/lfw-faces.js';
import { computeImageFeatures, type ImageFeatures } from '../benchmarks/lfw/lfw-features.js';
import { heldOutImages, heldOutPairs, imageKey, imagePath, lfwDataset, type LfwImage } from '../benchmarks/lfw/lfw-protocol.js';
import { openSeedEmbeddingCache } from '../benchmarks/lfw/seed-embedding-cache.js';
import { defaultSeedModelDir, SeedEmbedder } from '../embedding/seed/seed-embedder.js';
import { SEED_EMBEDDING_DIM } from '../embedding/seed/seed-architecture.js';

/** What a fit on the held-out pairs (fused head, seed pair score) is told. */
export interface HeldOutFitOptions {
  data: string;
  cacheDb: string;
  scan: boolean;
  seedDir?: string;
  pairs: number;
  log?: (line: string) => void;
}

export interface HeldOutPairOptions extends HeldOutFitOptions {
  /** Whether the descriptors are needed too. */
  descriptor: boolean;
}

export interface HeldOutPairFeatures {
  seed: SeedEmbedder;
  features: ImageFeatures;
  /** Pair p is images (ia[p], ib[p]) of `features`. */
  ia: Uint32Array;
  ib: Uint32Array;
  same: boolean[];
  people: number;
  /** "N pairs (half same person) among P people held out from the seed model's training (I images)". */
  description: string;
}

/** The caller owns `seed` (dispose it). */
export async function heldOutPairFeatures(o: HeldOutPairOptions): Promise<HeldOutPairFeatures> {
  const log = o.log ?? ((): void => {});
  const ds = lfwDataset(o.data);
  const faces = await ensureLfwScanned(o.cacheDb, ds.imagesDir, heldOutImages(ds).map(imageKey), { scan: o.scan, log });
  const pairs: Array<[LfwImage, LfwImage, boolean]> = heldOutPairs(ds, (k) => faces.has(k), o.pairs).map((p) => [p.a, p.b, p.same]);
  const people = new Set(pairs.flatMap(([a, b]) => [a.name, b.name]));
  const seed = await SeedEmbedder.load(o.seedDir ?? defaultSeedModelDir());
  const keys = pairs.flatMap(([a, b]) => [imageKey(a), imageKey(b)]);
  const paths = new Map(pairs.flatMap(([a, b]) => [[imageKey(a), imagePath(ds.imagesDir, a)], [imageKey(b), imagePath(ds.imagesDir, b)]] as Array<[string, string]>));
  const seedCache = openSeedEmbeddingCache(o.cacheDb, seed.key, SEED_EMBEDDING_DIM);
  const features = await computeImageFeatures(keys, faces, (k) => paths.get(k)!, { descriptor: o.descriptor, seed, seedCache }, log);
  return {
    seed,
    features,
    ia: Uint32Array.from(pairs, ([a]) => features.index.get(imageKey(a))!),
    ib: Uint32Array.from(pairs, ([, b]) => features.index.get(imageKey(b))!),
    same: pairs.map((p) => p[2]),
    people: people.size,
    description: `${pairs.length} pairs (half same person) among ${people.size} people held out from the seed model's training (${features.keys.length} images)`,
  };
}
