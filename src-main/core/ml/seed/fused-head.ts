/**
 * The production pair head: a logistic regression over features of a face pair that
 * combines the pretrained descriptor (Euclidean distance d and d^2) with the seed model's
 * pair score (its logit, symmetric). Trained on View 1's DevTrain people (pairs among the
 * people the seed held out for validation, so its scores there are those of unseen people);
 * grouping uses it only where its measured View 1 figures beat the descriptor alone.
 * Pure arithmetic: no tfjs.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const FUSED_FEATURES = ['descriptorDistance', 'descriptorDistanceSquared', 'seedLogit'] as const;

export interface FusedHead {
  format: 'facepair-fused';
  version: 1;
  features: readonly string[];
  /** Standardisation of each feature before the weights apply. */
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  /** The seed model whose scores it was trained on (SeedEmbedder.key). */
  seedKey: string;
  trainedOn: string;
  /** Whether grouping should use it (set from measured figures: it must beat the descriptor). */
  useForGrouping: boolean;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export function seedLogit(prob: number): number {
  const p = clamp(prob, 1e-6, 1 - 1e-6);
  return Math.log(p / (1 - p));
}

/** The raw features of one pair. */
export function fusedFeatures(descriptorDistance: number, seedProb: number): number[] {
  return [descriptorDistance, descriptorDistance * descriptorDistance, seedLogit(seedProb)];
}

/** P(same person) from the fused head. */
export function fusedScore(head: FusedHead, descriptorDistance: number, seedProb: number): number {
  const f = fusedFeatures(descriptorDistance, seedProb);
  let z = head.bias;
  for (let k = 0; k < f.length; k++) z += head.weights[k]! * ((f[k]! - head.mean[k]!) / head.std[k]!);
  return 1 / (1 + Math.exp(-z));
}

/** fusedScore with the standardisation folded into the weights: no allocation per pair. */
export function compileFused(head: FusedHead): (descriptorDistance: number, seedProb: number) => number {
  const w = head.weights.map((v, k) => v / head.std[k]!);
  const c = head.bias - w.reduce((s, v, k) => s + v * head.mean[k]!, 0);
  const [w0, w1, w2] = [w[0]!, w[1]!, w[2]!];
  return (d: number, prob: number): number => {
    const p = prob < 1e-6 ? 1e-6 : prob > 1 - 1e-6 ? 1 - 1e-6 : prob;
    const z = c + w0 * d + w1 * d * d + w2 * Math.log(p / (1 - p));
    return 1 / (1 + Math.exp(-z));
  };
}

/**
 * L2-regularised logistic regression by Newton's method (a handful of features).
 * X is n rows of `dims` features; returns standardisation, weights and bias.
 */
export function fitLogistic(X: readonly number[][], y: readonly boolean[], l2 = 1e-3, iterations = 50): Pick<FusedHead, 'mean' | 'std' | 'weights' | 'bias'> {
  const n = X.length;
  if (n === 0) throw new Error('no training pairs');
  const dims = X[0]!.length;
  const mean = Array.from({ length: dims }, (_, k) => X.reduce((s, r) => s + r[k]!, 0) / n);
  const std = Array.from({ length: dims }, (_, k) => Math.sqrt(X.reduce((s, r) => s + (r[k]! - mean[k]!) ** 2, 0) / n) || 1);
  const Z = X.map((r) => [...r.map((v, k) => (v - mean[k]!) / std[k]!), 1]);
  const m = dims + 1;
  let w = new Array<number>(m).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(m).fill(0);
    const H = Array.from({ length: m }, () => new Array<number>(m).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Z[i]!;
      let s = 0;
      for (let k = 0; k < m; k++) s += w[k]! * z[k]!;
      const p = 1 / (1 + Math.exp(-s));
      const r = p - (y[i] ? 1 : 0);
      const c = Math.max(p * (1 - p), 1e-9);
      for (let a = 0; a < m; a++) {
        g[a]! += r * z[a]!;
        for (let b = 0; b < m; b++) H[a]![b]! += c * z[a]! * z[b]!;
      }
    }
    for (let a = 0; a < dims; a++) {
      g[a]! += l2 * n * w[a]!;
      H[a]![a]! += l2 * n;
    }
    const step = solve(H, g);
    w = w.map((v, k) => v - step[k]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { mean, std, weights: w.slice(0, dims), bias: w[dims]! };
}

/** Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const d = M[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / d;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => row[n]! / (row[i]! || 1e-12));
}

export function loadFusedHead(dir: string): FusedHead {
  const head = JSON.parse(readFileSync(path.join(dir, 'fused.json'), 'utf8')) as FusedHead;
  if (head.format !== 'facepair-fused' || head.version !== 1) throw new Error(`${dir}/fused.json: not a FacePair fused head`);
  if (head.features.join(',') !== FUSED_FEATURES.join(',')) throw new Error(`${dir}/fused.json: features ${head.features.join(',')} are not ${FUSED_FEATURES.join(',')}`);
  return head;
}

export async function saveFusedHead(dir: string, head: FusedHead): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'fused.json'), JSON.stringify(head, null, 2) + '\n');
}
