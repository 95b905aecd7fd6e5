/**
 * Exports the best weights of a training run: to `best/` in the work folder, then to the
 * output folder (replacing the model parts there, keeping what else it holds).
 */
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

import { saveSeedModel } from '../../embedding/seed/seed-model-files.js';
import type { Tf } from '../../ml/runtime.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;

export interface BestModelExport {
  tf: Tf;
  workDir: string;
  outDir: string;
  extractor: LayersModel;
  head: LayersModel;
  /** The distillation head, where it is trained. */
  distill?: LayersModel;
}

export async function exportBest(x: BestModelExport): Promise<void> {
  const tmp = path.join(x.workDir, 'best.tmp');
  await rm(tmp, { recursive: true, force: true });
  await saveSeedModel(tmp, { extractor: x.extractor, head: x.head, ...(x.distill !== undefined ? { distill: x.distill } : {}) }, x.tf);
  const best = path.join(x.workDir, 'best');
  await rm(best, { recursive: true, force: true });
  await rename(tmp, best);
  await mkdir(x.outDir, { recursive: true });
  for (const part of ['extractor', 'head', 'distill']) await rm(path.join(x.outDir, part), { recursive: true, force: true });
  await cp(best, x.outDir, { recursive: true });
}
