/**
 * Candidate-pair scoring rate of the production path: the trained seed model's head through
 * the fast scorer, both orders (symmetric), with the root cosine of the embeddings where the
 * model has a pair score, plus the fused head (descriptor distance + seed logit). Random relu-like embeddings and unit-ish descriptors, fixed seeds.
 *
 *   node dist/src-main/core/ml/seed/bench-candidates.js [modelDir] [nFaces] [nPairs]
 */
import { pathToFileURL } from 'node:url';

import { compileFused, loadFusedHead, type FusedHead } from '../../core/embedding/seed/fused-head.js';
import { randomEmbeddings } from './bench-pairs.js';
import { defaultSeedModelDir, SeedEmbedder } from '../../core/embedding/seed/seed-embedder.js';
import { euclideanRows } from '../../core/ml/distance.js';

export interface CandidateBench {
  nFaces: number;
  nPairs: number;
  projectMs: number;
  /** The seed model's pair scores (symmetric head, with the root cosine where it has a pair score). */
  seedPairsPerSecond: number;
  /** The seed model's pair scores + descriptor distance + fused head. */
  fusedPairsPerSecond: number;
  /** What the seed model scores pairs by. */
  seedScore: 'head' | 'head + root cosine';
}

export async function benchCandidates(modelDir = defaultSeedModelDir(), nFaces = 5000, nPairs = 1_000_000): Promise<CandidateBench> {
  const seed = await SeedEmbedder.load(modelDir);
  let fused: FusedHead;
  try {
    fused = loadFusedHead(modelDir);
  } catch {
    fused = { format: 'facepair-fused', version: 1, features: [], mean: [0, 0, 0], std: [1, 1, 1], weights: [-1, -1, 1], bias: 0, seedKey: seed.key, trainedOn: 'bench', useForGrouping: false };
  }
  const emb = randomEmbeddings(nFaces, 500);
  const desc = randomEmbeddings(nFaces, 128);
  let t0 = performance.now();
  const proj = seed.project(emb);
  const projectMs = performance.now() - t0;
  let a = 12345;
  const next = (): number => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a % nFaces;
  };
  const pi = Uint32Array.from({ length: nPairs }, next);
  const pj = Uint32Array.from({ length: nPairs }, next);
  seed.scorePairs(proj, pi.subarray(0, 10_000), pj.subarray(0, 10_000));
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    t0 = performance.now();
    seed.scorePairs(proj, pi, pj);
    best = Math.min(best, performance.now() - t0);
  }
  const seedPairsPerSecond = nPairs / (best / 1000);
  const score = compileFused(fused);
  let bestF = Infinity;
  const out = new Float32Array(nPairs);
  for (let r = 0; r < 3; r++) {
    t0 = performance.now();
    const p = seed.scorePairs(proj, pi, pj);
    for (let k = 0; k < nPairs; k++) out[k] = score(euclideanRows(desc, pi[k]!, pj[k]!, 128), p[k]!);
    bestF = Math.min(bestF, performance.now() - t0);
  }
  seed.dispose();
  return { nFaces, nPairs, projectMs, seedPairsPerSecond, fusedPairsPerSecond: nPairs / (bestF / 1000), seedScore: seed.pairScore !== undefined ? 'head + root cosine' : 'head' };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchCandidates(process.argv[2] ?? defaultSeedModelDir(), Number(process.argv[3] ?? 5000), Number(process.argv[4] ?? 1_000_000));
  console.log(
    `faces ${r.nFaces}: projections ${r.projectMs.toFixed(0)} ms; ${r.nPairs} candidate pairs: ` +
      `seed ${r.seedScore} (head both orders) ${Math.round(r.seedPairsPerSecond).toLocaleString('en-US')} pairs/s, ` +
      `fused (seed + descriptor distance) ${Math.round(r.fusedPairsPerSecond).toLocaleString('en-US')} pairs/s`,
  );
}
