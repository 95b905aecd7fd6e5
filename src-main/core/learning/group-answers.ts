// The review answers about two people, with their groups as grouping compared them when asked.
import type { ActionsRepository } from '../db/actions.repository.js';

export interface ReviewGroupAnswer {
  pair: [number, number];
  same: boolean;
  /** Root mean square distance over all pairs of the two people's faces, and their sizes, when asked. */
  rms: number;
  sizes: [number, number];
}

/** Every review answer not undone that was about two people (answers from before these were recorded have none). */
export function reviewGroupAnswers(actions: ActionsRepository): ReviewGroupAnswer[] {
  const out: ReviewGroupAnswer[] = [];
  for (const [kind, same] of [['review.same', true], ['review.different', false]] as const) {
    for (const row of actions.listOpenOfKind(kind)) {
      let payload: unknown;
      try {
        payload = JSON.parse(row.payload);
      } catch {
        continue;
      }
      const p = payload as { pair?: unknown; groups?: { rms?: unknown; sizes?: unknown } };
      const pair = p.pair, rms = p.groups?.rms, sizes = p.groups?.sizes;
      const isPair = (x: unknown): x is [number, number] => Array.isArray(x) && x.length === 2 && x.every((v) => Number.isInteger(v) && v > 0);
      if (!isPair(pair) || !isPair(sizes) || typeof rms !== 'number' || !Number.isFinite(rms) || rms < 0) continue;
      out.push({ pair, same, rms, sizes });
    }
  }
  return out;
}
