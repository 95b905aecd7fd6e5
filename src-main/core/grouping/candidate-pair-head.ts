import { trace } from '../trace.js';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { compileFused, loadFusedHead } from '../embedding/seed/fused-head.js';
import type { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { euclideanRows } from '../ml/distance.js';
import type { LogisticFit } from '../ml/logistic.js';
import type { PairProbabilities } from './candidate-veto.js';

/**
 * Makes the pair scorer for one grouping run over these faces (n x dims descriptors), or
 * null: the descriptor alone decides. `head`: a learned head over the same features to use
 * instead of the installed one.
 */
export interface CandidatePairHead {
  scorerFor(faceIds: readonly number[], descriptors: Float32Array, dims: number, head?: LogisticFit | null): Promise<PairProbabilities | null>;
}

/**
 * The production pair head for grouping's candidate pairs: the fused head (descriptor
 * distance and seed pair score) of the installed seed model, used only when it is marked
 * `useForGrouping` (its View 1 figures beat the descriptor alone). A face without a seed
 * embedding gets NaN (no opinion).
 */
export class FusedCandidatePairHead implements CandidatePairHead {
  constructor(private readonly seed: SeedEmbeddingService) {}

  async scorerFor(faceIds: readonly number[], descriptors: Float32Array, dims: number, learned: LogisticFit | null = null): Promise<PairProbabilities | null> {
    if (!existsSync(path.join(this.seed.modelDir, 'fused.json'))) return null;
    // The pair score read without TF.js: grouping never runs the extractor.
    const scorer = await this.seed.pairScorer();
    if (scorer === null) return null;
    const installed = loadFusedHead(this.seed.modelDir);
    if (installed.seedKey !== scorer.pairKey) return null;
    // A learned head (fitted with the installed one as its prior, and promoted only when it measured no worse) is used as such.
    if (learned === null && !installed.useForGrouping) return null;
    const head = learned === null ? installed : { ...installed, mean: learned.mean, std: learned.std, weights: learned.weights, bias: learned.bias };
    // Each face's projections, from the library's cache of them (a learned head changes only
    // the fused head's weights applied after them, never the projections).
    trace(`pair head: ${faceIds.length} faces`);
    const embedded = await this.seed.pairInputsCached(faceIds);
    trace('pair head: rows read');
    if (embedded === null) return null;
    const { scorer: model, inputs, has } = embedded;
    const fused = compileFused(head);
    return (i, j) => {
      const prob = model.scorePairs(inputs, Uint32Array.from(i), Uint32Array.from(j));
      for (let p = 0; p < prob.length; p++) {
        const a = i[p]!, b = j[p]!;
        if (!has[a] || !has[b]) {
          prob[p] = NaN;
          continue;
        }
        prob[p] = fused(euclideanRows(descriptors, a, b, dims), prob[p]!);
      }
      return prob;
    };
  }
}
