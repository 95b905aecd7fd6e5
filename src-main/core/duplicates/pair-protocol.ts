import type { HashAt } from './find-duplicates.js';
import type { PairSide, PairVerdict } from './verify-pair.js';

/** What the main thread asks a duplicates thread (pair-check.worker.ts). */
export type PairRequest =
  | { id: number; kind: 'search'; at: Uint32Array; words: Uint32Array; on: HashAt; skip: HashAt | null }
  /** verifyPair of sides[0] and sides[1], sides[2] and sides[3], … */
  | { id: number; kind: 'verify'; sides: PairSide[] };

export type PairReply =
  | { id: number; ok: true; kind: 'search'; keys: Float64Array }
  | { id: number; ok: true; kind: 'verify'; classes: Array<PairVerdict['class']> }
  | { id: number; ok: false; error: string };
