/**
 * Micro-benchmark of the fast pair scorer (projectFaces + scorePairs), no tfjs.
 *
 *   node dist/src-main/core/ml/seed/bench-pairs.js [nFaces] [nPairs]
 *
 * The head weights are drawn like a freshly initialised head (Glorot-uniform
 * kernels, zero biases) and the embeddings like relu outputs (about half zero),
 * from a fixed seed, so runs are comparable.
 */
import { pathToFileURL } from 'node:url';

import { projectFaces, scorePairs, type HeadWeights } from '../../core/embedding/seed/pair-scorer.js';
import { Rng } from '../../core/ml/rng.js';

/** A deterministic pseudo-random generator, so that runs repeat. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** Head weights shaped like buildPairHead's, Glorot-uniform, from `seed`. */
export function randomHeadWeights(seed = 1, embeddingDim = 500, hidden1 = 100, hidden2 = 50): HeadWeights {
  const r = rng(seed);
  const glorot = (fanIn: number, fanOut: number, n: number): Float32Array => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * lim;
    return a;
  };
  const w1 = glorot(2 * embeddingDim, hidden1, 2 * embeddingDim * hidden1);
  return {
    embeddingDim,
    hidden1,
    hidden2,
    wa: w1.slice(0, embeddingDim * hidden1),
    wb: w1.slice(embeddingDim * hidden1),
    b1: glorot(hidden1, hidden1, hidden1).map((v) => v * 0.1),
    w2: glorot(hidden1, hidden2, hidden1 * hidden2),
    b2: glorot(hidden2, hidden2, hidden2).map((v) => v * 0.1),
    w3: glorot(hidden2, 1, hidden2),
    b3: 0,
  };
}

/** Relu-like embeddings (about half exactly zero), n x dim. */
export function randomEmbeddings(n: number, dim = 500, seed = 2): Float32Array {
  const r = rng(seed);
  const e = new Float32Array(n * dim);
  for (let i = 0; i < e.length; i++) {
    const v = r() * 2 - 1;
    e[i] = v > 0 ? v : 0;
  }
  return e;
}

export interface PairBenchResult {
  nFaces: number;
  nPairs: number;
  projectMs: number;
  scoreMs: number;
  pairsPerSecond: number;
  checksum: number;
}

/**
 * Scores `nPairs` random pairs among `nFaces` faces; returns the pair rate of
 * scorePairs (the best of a few runs, after a warm-up) and the projection time.
 */
export function benchPairScoringDetailed(nFaces: number, nPairs: number, runs = 3): PairBenchResult {
  const hw = randomHeadWeights();
  const emb = randomEmbeddings(nFaces, hw.embeddingDim);
  let t0 = performance.now();
  const proj = projectFaces(hw, emb);
  const projectMs = performance.now() - t0;
  const r = rng(3);
  const pi = new Uint32Array(nPairs);
  const pj = new Uint32Array(nPairs);
  for (let p = 0; p < nPairs; p++) {
    pi[p] = Math.floor(r() * nFaces);
    pj[p] = Math.floor(r() * nFaces);
  }
  const out = new Float32Array(nPairs);
  // Warm-up so the JIT has compiled the loop.
  scorePairs(proj, hw, pi.subarray(0, Math.min(nPairs, 20_000)), pj.subarray(0, Math.min(nPairs, 20_000)), out);
  let best = Infinity;
  for (let k = 0; k < runs; k++) {
    t0 = performance.now();
    scorePairs(proj, hw, pi, pj, out);
    best = Math.min(best, performance.now() - t0);
  }
  let checksum = 0;
  for (let p = 0; p < nPairs; p++) checksum += out[p]!;
  return { nFaces, nPairs, projectMs, scoreMs: best, pairsPerSecond: nPairs / (best / 1000), checksum };
}

/** Pairs per second of scorePairs on `nPairs` random pairs among `nFaces` faces. */
export function benchPairScoring(nFaces: number, nPairs: number): number {
  return benchPairScoringDetailed(nFaces, nPairs).pairsPerSecond;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const nFaces = Number(process.argv[2] ?? 2000);
  const nPairs = Number(process.argv[3] ?? 1_000_000);
  const r = benchPairScoringDetailed(nFaces, nPairs);
  console.log(
    `faces ${r.nFaces}: projectFaces ${r.projectMs.toFixed(1)} ms; ` +
      `${r.nPairs} pairs in ${r.scoreMs.toFixed(1)} ms = ${Math.round(r.pairsPerSecond).toLocaleString('en-US')} pairs/s`,
  );
}
