import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { fileSha256 } from '../../ml/file-sha256.js';

export interface SeedModelKeys {
  /**
   * Names the embedding: `seed500:<version>:<sha256 of the extractor's weights, 12 hex>`, with
   * `:flip` when faces are embedded flip-averaged and `:shift<px>` when shift-averaged; a new
   * model or setting gets a new key.
   */
  key: string;
  /** Names the extractor, the pair head and the pair score together (a fused head is trained on their scores). */
  pairKey: string;
}

/**
 * The keys of the seed model in `dir`, read from its files without loading it (the pipeline's
 * workers and its main thread agree on them without either loading TF.js for it).
 */
export async function seedModelKeys(dir: string): Promise<SeedModelKeys> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'seed.json'), 'utf8')) as {
    extractor: string;
    head: string;
    flipAverage?: boolean;
    shiftAverage?: number;
    pairScore?: unknown;
  };
  const sha = async (part: string, n: number): Promise<string> => (await fileSha256(path.join(dir, part, 'weights.bin'))).slice(0, n);
  const views = `${manifest.flipAverage === true ? ':flip' : ''}${manifest.shiftAverage !== undefined ? `:shift${manifest.shiftAverage}` : ''}`;
  const key = `seed500:${path.basename(path.resolve(dir))}:${await sha(manifest.extractor, 12)}${views}`;
  const score = manifest.pairScore !== undefined ? `+score:${createHash('sha256').update(JSON.stringify(manifest.pairScore)).digest('hex').slice(0, 8)}` : '';
  return { key, pairKey: `${key}+head:${await sha(manifest.head, 8)}${score}` };
}
