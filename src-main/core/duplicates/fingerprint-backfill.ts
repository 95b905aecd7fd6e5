import { decodePhoto } from '../analysis/decode.js';
import { fingerprintImage } from '../analysis/fingerprint.js';
import type { FingerprintsRepository } from '../db/fingerprints.repository.js';

/** Side of the decode for a photo analysed before fingerprints existed: a thumbnail is enough. */
const BACKFILL_SIDE = 256;

export interface BackfillSummary {
  done: number;
  failed: number;
  ms: number;
}

/**
 * Gives a fingerprint to every analysed photo that has none (a library analysed before
 * duplicate finding existed): one small upright decode each, two at a time (sharp works on
 * libuv's threads). A photo that cannot be read now is skipped and tried again next scan.
 */
export async function backfillFingerprints(
  fingerprints: FingerprintsRepository,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void; concurrency?: number } = {},
): Promise<BackfillSummary> {
  const t0 = performance.now();
  const missing = fingerprints.listMissing();
  const summary: BackfillSummary = { done: 0, failed: 0, ms: 0 };
  let next = 0;
  const runOne = async (): Promise<void> => {
    while (next < missing.length && !options.signal?.aborted) {
      const photo = missing[next++]!;
      try {
        const decoded = await decodePhoto(photo.path, BACKFILL_SIDE);
        fingerprints.put(photo.id, fingerprintImage(decoded.image));
        summary.done++;
      } catch {
        summary.failed++;
      }
      options.onProgress?.(summary.done + summary.failed, missing.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, runOne));
  summary.ms = performance.now() - t0;
  return summary;
}
