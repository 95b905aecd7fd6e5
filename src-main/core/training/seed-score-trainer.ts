/**
 * `facepair train-seed-score`: fits the seed model's pair score (seed-pair-score.ts) on
 * pairs of the DevTrain people the model held out from its training. The head's scores
 * come from the head alone, so a model that already has a pair score is refitted, not
 * fitted on its own output.
 */
import { auc } from '../ml/pair-metrics.js';
import { fitLogistic, logisticProbability } from '../ml/logistic.js';
import { SEED_EMBEDDING_DIM } from '../embedding/seed/seed-architecture.js';
import { rootNormalised, rowCosines, SEED_PAIR_SCORE_FEATURES, seedPairFeatures, type SeedPairScore } from '../embedding/seed/seed-pair-score.js';
import { heldOutPairFeatures, type HeldOutFitOptions } from './held-out-features.js';

export type TrainSeedScoreOptions = HeldOutFitOptions;

export interface TrainSeedScoreResult {
  score: SeedPairScore;
  pairs: number;
  people: number;
  images: number;
  /** AUC on the fitting pairs (in-sample; 2 weights and a bias) of each feature alone and of the score. */
  fitAuc: { head: number; rootCosine: number; score: number };
}

export async function trainSeedScore(o: TrainSeedScoreOptions): Promise<TrainSeedScoreResult> {
  const { seed, features: f, ia, ib, same, people, description } = await heldOutPairFeatures({ ...o, descriptor: false });
  const head = seed.headScorePairs(seed.project(f.seed!), ia, ib);
  const cos = rowCosines(rootNormalised(f.seed!, SEED_EMBEDDING_DIM), SEED_EMBEDDING_DIM, ia, ib);
  const X = Array.from(head, (h, p) => seedPairFeatures(h, cos[p]!));
  const fit = fitLogistic(X, same);
  const score: SeedPairScore = { features: [...SEED_PAIR_SCORE_FEATURES], ...fit, trainedOn: `LFW View 1 DevTrain: ${description}` };
  const fitted = X.map((x) => logisticProbability(fit, x));
  seed.dispose();
  return { score, pairs: same.length, people, images: f.keys.length, fitAuc: { head: auc(head, same), rootCosine: auc(cos, same), score: auc(fitted, same) } };
}
