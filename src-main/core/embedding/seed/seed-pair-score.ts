/**
 * The seed model's pair score (seed.json `pairScore`): the study's pair head combined with
 * the cosine similarity of the two faces' 500-d embeddings, by a logistic regression fitted
 * on pairs of the DevTrain people held out from the model's training (`facepair
 * train-seed-score`). Features of a pair:
 * - headLogit: the logit of the head's probability, both orders averaged (as scorePairs);
 * - rootCosine: the cosine of the embeddings' element-wise square roots. The embeddings are
 *   relu outputs (non-negative, a quarter of them zero); the root is a parameter-free power
 *   normalisation that keeps a few large units from dominating the angle.
 * The head sees concat(a, b) through 100 relu units and ranks pairs of unseen people worse
 * than the plain angle between a and b does; the two disagree often enough that the sum
 * ranks better than either (MODEL_CARD.md has the figures). Pure arithmetic: no tfjs.
 */
import { probabilityLogit, rawLinear, type LogisticFit } from '../../ml/logistic.js';
import { rowDots } from './row-dots.js';

export const SEED_PAIR_SCORE_FEATURES = ['headLogit', 'rootCosine'] as const;

export interface SeedPairScore extends LogisticFit {
  features: readonly string[];
  /** What it was fitted on (people, pairs). */
  trainedOn: string;
}

/** Each row's element-wise square root scaled to unit length (a zero row stays zero). */
export function rootNormalised(embeddings: Float32Array, dim: number): Float32Array {
  if (embeddings.length % dim !== 0) throw new Error(`embeddings length ${embeddings.length} is not a multiple of ${dim}`);
  const out = new Float32Array(embeddings.length);
  for (let o = 0; o < embeddings.length; o += dim) {
    let ss = 0;
    for (let k = 0; k < dim; k++) {
      const v = embeddings[o + k]!;
      if (v < 0) throw new Error(`embedding value ${v} < 0: the root cosine needs relu embeddings`);
      ss += v;
    }
    const scale = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let k = 0; k < dim; k++) out[o + k] = Math.sqrt(embeddings[o + k]!) * scale;
  }
  return out;
}

/** Cosines of pairs of rows (i[p], j[p]) of unit rows: their dot products (wasm SIMD where available). */
export function rowCosines(unit: Float32Array, dim: number, i: Uint32Array, j: Uint32Array): Float32Array {
  return rowDots(unit, dim, i, j);
}

/** The raw features of one pair. */
export function seedPairFeatures(headProb: number, rootCosine: number): number[] {
  return [probabilityLogit(headProb), rootCosine];
}

/** P(same person) from the head's probability and the root cosine, standardisation folded in. */
export function compileSeedPairScore(score: SeedPairScore): (headProb: number, rootCosine: number) => number {
  const { bias, weights } = rawLinear(score);
  const [wh, wc] = [weights[0]!, weights[1]!];
  return (headProb, rootCosine) => 1 / (1 + Math.exp(-(bias + wh * probabilityLogit(headProb) + wc * rootCosine)));
}

const finiteArray = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The seed.json `pairScore` entry checked, or an error that says what is wrong with it. */
export function parseSeedPairScore(v: unknown, where: string): SeedPairScore {
  const n = SEED_PAIR_SCORE_FEATURES.length;
  const s = v as Partial<SeedPairScore> | null;
  if (typeof s !== 'object' || s === null) throw new Error(`${where}: pairScore must be an object`);
  if (!Array.isArray(s.features) || s.features.join(',') !== SEED_PAIR_SCORE_FEATURES.join(',')) {
    throw new Error(`${where}: pairScore.features must be ${JSON.stringify(SEED_PAIR_SCORE_FEATURES)}`);
  }
  for (const k of ['mean', 'std', 'weights'] as const) {
    if (!finiteArray(s[k], n)) throw new Error(`${where}: pairScore.${k} must be ${n} finite numbers`);
  }
  if (!s.std!.every((x) => x > 0)) throw new Error(`${where}: pairScore.std must be positive`);
  if (typeof s.bias !== 'number' || !Number.isFinite(s.bias)) throw new Error(`${where}: pairScore.bias must be a finite number`);
  return { features: [...SEED_PAIR_SCORE_FEATURES], mean: s.mean!, std: s.std!, weights: s.weights!, bias: s.bias, trainedOn: typeof s.trainedOn === 'string' ? s.trainedOn : '' };
}
