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

import { logisticProbability, probabilityLogit, rawLinear, type LogisticFit } from '../../ml/logistic.js';

export const FUSED_FEATURES = ['descriptorDistance', 'descriptorDistanceSquared', 'seedLogit'] as const;

export interface FusedHead extends LogisticFit {
  format: 'facepair-fused';
  version: 1;
  features: readonly string[];
  /** The seed model whose scores it was trained on (SeedEmbedder.key). */
  seedKey: string;
  trainedOn: string;
  /** Whether grouping should use it (set from measured figures: it must beat the descriptor). */
  useForGrouping: boolean;
}

/** The raw features of one pair. */
export function fusedFeatures(descriptorDistance: number, seedProb: number): number[] {
  return [descriptorDistance, descriptorDistance * descriptorDistance, probabilityLogit(seedProb)];
}

/** P(same person) from the fused head. */
export function fusedScore(head: FusedHead, descriptorDistance: number, seedProb: number): number {
  return logisticProbability(head, fusedFeatures(descriptorDistance, seedProb));
}

/** fusedScore with the standardisation folded into the weights: no allocation per pair. */
export function compileFused(head: FusedHead): (descriptorDistance: number, seedProb: number) => number {
  const { bias: c, weights: w } = rawLinear(head);
  const [w0, w1, w2] = [w[0]!, w[1]!, w[2]!];
  return (d: number, prob: number): number => 1 / (1 + Math.exp(-(c + w0 * d + w1 * d * d + w2 * probabilityLogit(prob))));
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
