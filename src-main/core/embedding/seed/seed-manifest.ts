/**
 * A saved seed model's manifest, `seed.json`: where its parts are and how it embeds and
 * scores faces; and the edits of its settings that leave the weights as they are.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { MAX_SHIFT_AVERAGE, type EmbeddingViews } from './embedding-views.js';
import { parseSeedPairScore, type SeedPairScore } from './seed-pair-score.js';

export const SEED_MANIFEST = 'seed.json';

export interface SeedManifest {
  format: 'facepair-seed';
  version: 1;
  inputSize: number;
  embeddingDim: number;
  extractor: string;
  head: string;
  /** Optional: the linear map 500-d -> descriptor space learnt by distillation. */
  distill?: string;
  /** Optional: embed each face as the mean of its crop's and its mirror image's embeddings. */
  flipAverage?: boolean;
  /** Optional: pixels; embed each face as the mean over its crop and four copies moved this far diagonally. */
  shiftAverage?: number;
  /** Optional: the pair score fitted over the head and the embeddings (seed-pair-score.ts). */
  pairScore?: SeedPairScore;
}

/**
 * Sets a saved model's embedding views in seed.json (its weights stay as they are). New views
 * remove the pair score: it was fitted on embeddings of the old ones.
 */
export async function setEmbeddingViews(dir: string, views: EmbeddingViews): Promise<void> {
  if (!(Number.isInteger(views.shiftAverage) && views.shiftAverage >= 0 && views.shiftAverage <= MAX_SHIFT_AVERAGE)) {
    throw new Error(`shiftAverage must be a whole number of pixels from 0 to ${MAX_SHIFT_AVERAGE} (got ${views.shiftAverage})`);
  }
  const file = path.join(dir, SEED_MANIFEST);
  const manifest = JSON.parse(await readFile(file, 'utf8')) as SeedManifest;
  if (views.flipAverage !== (manifest.flipAverage === true) || views.shiftAverage !== (manifest.shiftAverage ?? 0)) delete manifest.pairScore;
  if (views.flipAverage) manifest.flipAverage = true;
  else delete manifest.flipAverage;
  if (views.shiftAverage > 0) manifest.shiftAverage = views.shiftAverage;
  else delete manifest.shiftAverage;
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
}

/** Sets a saved model's pair score in seed.json, or removes it (null: pairs are scored by the head alone). */
export async function setPairScore(dir: string, score: SeedPairScore | null): Promise<void> {
  const file = path.join(dir, SEED_MANIFEST);
  const manifest = JSON.parse(await readFile(file, 'utf8')) as SeedManifest;
  if (score === null) delete manifest.pairScore;
  else manifest.pairScore = parseSeedPairScore(score, 'the new pair score');
  await writeFile(file, JSON.stringify(manifest, null, 2) + '\n');
}

/** Sets or clears a saved model's `flipAverage`, keeping its other settings. */
export async function setFlipAverage(dir: string, on: boolean): Promise<void> {
  const manifest = JSON.parse(await readFile(path.join(dir, SEED_MANIFEST), 'utf8')) as SeedManifest;
  await setEmbeddingViews(dir, { flipAverage: on, shiftAverage: manifest.shiftAverage ?? 0 });
}
