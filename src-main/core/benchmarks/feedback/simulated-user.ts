/**
 * A user who answers FacePair's questions truthfully from known identities, to measure what
 * each answer buys: after each number of answers, the grouping's pairwise and BCubed
 * figures, and how well the recognition in use ranked the answered pairs it had not learned
 * from yet.
 */
import path from 'node:path';

import type { FacePairApp } from '../../app.js';
import { NotEnoughAnswersError } from '../../learning/library-learner.js';
import { auc } from '../../ml/pair-metrics.js';
import { Rng } from '../../ml/rng.js';
import { centralFaces, evaluateFolderGrouping } from '../grouping-evaluation.js';

/** constraints: answers applied as hard decisions; learning: and relearned every few answers; random: random candidate pairs instead of the queue's order. */
export const FEEDBACK_STRATEGIES = ['constraints', 'learning', 'random'] as const;
export type FeedbackStrategy = (typeof FEEDBACK_STRATEGIES)[number];

export interface FeedbackPoint {
  answers: number;
  pairwise: { precision: number; recall: number };
  bcubed: { precision: number; recall: number; f: number };
  /** AUC of the recognition in use on the answered pairs it had not learned from (null: too few of either kind). */
  unseenAuc: number | null;
  /** Learned versions put to use so far (the learning strategy). */
  promoted: number;
}

export interface SimulationOptions {
  strategy: FeedbackStrategy;
  /** Answer counts at which the grouping is scored (0 included for the start). */
  checkpoints: readonly number[];
  learnEvery?: number;
  seed?: number;
}

/**
 * Each face's true identity: the photo's person for its most central face; any other face on
 * the photo is somebody else (a stranger in the background), unlike every other face.
 */
export function faceIdentities(app: FacePairApp, folder: string, truthOf: (photoPath: string) => string | undefined): Map<number, string> {
  const root = path.resolve(folder) + path.sep;
  const faces = app.faces.listWithPhotos().filter((f) => f.path.startsWith(root));
  const central = centralFaces(faces);
  const out = new Map<number, string>();
  for (const f of faces) {
    const who = central.get(f.photoId)?.id === f.id ? truthOf(f.path) : undefined;
    out.set(f.id, who ?? `stranger:${f.id}`);
  }
  return out;
}

export async function simulateUser(
  app: FacePairApp,
  folder: string,
  truthOf: (photoPath: string) => string | undefined,
  options: SimulationOptions,
  log: (line: string) => void = () => {},
): Promise<FeedbackPoint[]> {
  const identity = faceIdentities(app, folder, truthOf);
  const rng = new Rng(options.seed ?? 1);
  const learnEvery = options.learnEvery ?? 25;
  const checkpoints = [...new Set(options.checkpoints)].sort((a, b) => a - b);
  const answered: Array<{ faceA: number; faceB: number; same: boolean }> = [];
  let unseenFrom = 0, promoted = 0;
  // Questions about one group's weakest link, and how many of them cut the group.
  let inside = 0, cuts = 0;
  const points: FeedbackPoint[] = [];

  const score = async (): Promise<FeedbackPoint> => {
    const g = await evaluateFolderGrouping(app, folder, truthOf);
    const unseen = answered.slice(unseenFrom);
    const scored = unseen.length > 0 ? await app.learning.probabilities(unseen) : null;
    const both = scored !== null && scored.same.some((s) => s) && scored.same.some((s) => !s);
    return {
      answers: answered.length,
      pairwise: { precision: g.pairwisePrecision, recall: g.pairwiseRecall },
      bcubed: { precision: g.bcubedPrecision, recall: g.bcubedRecall, f: g.bcubedF },
      unseenAuc: both ? auc(scored.prob, scored.same) : null,
      promoted,
    };
  };

  for (const target of checkpoints) {
    while (answered.length < target) {
      const queue = await app.review.candidates();
      if (queue.length === 0) break;
      const pick = options.strategy === 'random' ? queue[Math.floor(rng.next() * queue.length)]! : queue[0]!;
      const same = identity.get(pick.faceA) === identity.get(pick.faceB);
      app.edits.answerReview(pick.faceA, pick.faceB, same ? 'same' : 'different');
      answered.push({ faceA: pick.faceA, faceB: pick.faceB, same });
      if (pick.samePerson) {
        inside++;
        if (!same) cuts++;
      }
      if (options.strategy === 'learning' && answered.length % learnEvery === 0) {
        try {
          const r = await app.learning.learn();
          if (r.version.promoted) {
            promoted++;
            unseenFrom = answered.length;
          }
          log(`  ${answered.length} answers: version ${r.version.id} ${r.version.promoted ? 'used' : 'not used'} (linkage ${r.version.record.linkage.toFixed(3)}): ${r.version.record.reason}`);
        } catch (err) {
          if (!(err instanceof NotEnoughAnswersError)) throw err;
          log(`  ${answered.length} answers: ${err.message}`);
        }
      }
    }
    const point = await score();
    points.push(point);
    log(`${options.strategy} ${point.answers} answers: pairwise P ${point.pairwise.precision.toFixed(4)} R ${point.pairwise.recall.toFixed(4)}, BCubed P ${point.bcubed.precision.toFixed(4)} R ${point.bcubed.recall.toFixed(4)} F ${point.bcubed.f.toFixed(4)}; ${inside} about one group's weakest link, ${cuts} of them cut it`);
    if (answered.length < target) break; // the queue ran dry
  }
  return points;
}
