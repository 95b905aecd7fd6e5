import { decodePhoto } from '../../src-main/core/analysis/decode.js';
import { fingerprintImage } from '../../src-main/core/analysis/fingerprint.js';
import { ANALYSIS_MAX_SIDE } from '../../src-main/core/analysis/photo-analysis.js';
import type { FacePairApp } from '../../src-main/core/app.js';

/**
 * Adds a folder to the library and indexes it as a scan does for the duplicates (the upright
 * decode and its fingerprint, by the product's own code), without the face analysis: the
 * duplicates need none, and the tests stay fast.
 */
export async function indexWithoutFaces(app: FacePairApp, folder: string): Promise<void> {
  await app.folders.add(folder);
  await app.library.reconcile(folder);
  for (const row of app.photos.listPending()) {
    const d = await decodePhoto(row.path, ANALYSIS_MAX_SIDE);
    app.photos.markDone(row.id, { format: d.format, width: d.width, height: d.height, takenAt: d.takenAt, analyzerVersion: 0 });
    app.fingerprints.put(row.id, fingerprintImage(d.image));
  }
}
