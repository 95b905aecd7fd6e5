import { existsSync } from 'node:fs';
import path from 'node:path';

import { loadFusedHead } from '../embedding/seed/fused-head.js';
import type { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { DEFAULT_GROUPING } from '../grouping/grouping.service.js';
import type { ShippedRecognition } from './learning.service.js';

/**
 * The installed model's recognition: its fused head and the product's linkage threshold, keyed
 * by the seed model's pair key. Read once per app, as the model's keys are (grouping and the
 * review ask for it at every look).
 */
export function shippedRecognition(seed: SeedEmbeddingService): ShippedRecognition {
  let read: ReturnType<ShippedRecognition> | undefined;
  return () =>
    (read ??= (async () => {
      const keys = await seed.modelKeys();
      if (keys === null || !existsSync(path.join(seed.modelDir, 'fused.json'))) return null;
      const head = loadFusedHead(seed.modelDir);
      if (head.seedKey !== keys.pairKey) return null;
      return { recognition: { head, linkage: DEFAULT_GROUPING.linkage, smallGroupMargin: DEFAULT_GROUPING.smallGroupMargin }, baseModel: keys.pairKey };
    })());
}
