/**
 * Trains the fused pair head (fused-head.ts) on View 1's DevTrain people: pairs among
 * the people the seed model held out for validation (so that the seed's scores on them are
 * those of unseen people), half same person, half two people.
 */
import { euclideanRows } from '../ml/distance.js';
import { accuracyAt, auc, bestThreshold } from '../ml/pair-metrics.js';
import { fitLogistic } from '../ml/logistic.js';
import { FUSED_FEATURES, fusedFeatures, fusedScore, saveFusedHead, type FusedHead } from '../embedding/seed/fused-head.js';
import { heldOutPairFeatures, type HeldOutFitOptions } from './held-out-features.js';

export type TrainFusedOptions = HeldOutFitOptions;

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
  const { seed, features: f, ia, ib, same: y, people, description } = await heldOutPairFeatures({ ...o, descriptor: true });
  const prob = seed.scorePairs(seed.project(f.seed!), ia, ib);
  const dist = Array.from(ia, (a, p) => euclideanRows(f.descriptors!, a, ib[p]!, 128));
  const fit = fitLogistic(dist.map((d, p) => fusedFeatures(d, prob[p]!)), y);
  const head: FusedHead = {
    format: 'facepair-fused',
    version: 1,
    features: [...FUSED_FEATURES],
    ...fit,
    seedKey: seed.pairKey,
    trainedOn: `LFW View 1 DevTrain: ${description}`,
    useForGrouping: false,
  };
  const dScore = dist.map((d) => -d);
  const fScore = dist.map((d, p) => fusedScore(head, d, prob[p]!));
  seed.dispose();
  return {
    head,
    trainPairs: y.length,
    people,
    images: f.keys.length,
    trainAccuracy: { descriptor: accuracyAt(dScore, y, bestThreshold(dScore, y)), fused: accuracyAt(fScore, y, bestThreshold(fScore, y)) },
    trainAuc: { descriptor: auc(dScore, y), fused: auc(fScore, y) },
  };
}

export { saveFusedHead };
