// The Recognition screen's view of the learning service: answers counted, versions in the
// contract's shape, and whether "Improve recognition" can run.
import type { FacePairApp } from '../app.js';
import type { AnswerItem, LearnedVersionInfo, LearningJobInfo, LearningState } from '../contract/api.js';
import type { AnswerRow, LabelCount } from '../db/labels.repository.js';
import type { LearnedVersion } from '../db/learned-versions.repository.js';
import type { GroupingSummary } from '../grouping/grouping.service.js';
import type { LearningJobState } from '../learning/learning-job.js';
import { MIN_DIFFERENT, MIN_SAME } from '../learning/library-learner.js';

type AnswerSource = LearningState['answers']['bySource'][number]['source'];

/** Where a label came from, by the kind of the action that wrote it. */
export function answerSource(labelSource: string): AnswerSource {
  // A suggestion on a person's page answered in place is a review question asked there.
  if (labelSource.startsWith('review.') || labelSource.startsWith('suggestion.')) return 'review';
  if (labelSource === 'merge') return 'merge';
  if (labelSource === 'reject') return 'not-this-person';
  if (labelSource === 'import.xmp') return 'xmp-tags';
  return 'other';
}

export function answerItem(r: AnswerRow): AnswerItem {
  return {
    id: r.id,
    faceA: r.faceA,
    faceB: r.faceB,
    same: r.same,
    source: answerSource(r.source),
    createdAt: r.createdAt,
    action: r.actionId !== null && r.actionSummary !== null ? { id: r.actionId, summary: r.actionSummary } : null,
    personA: r.personA !== null ? { id: r.personA, name: r.nameA } : null,
    personB: r.personB !== null ? { id: r.personB, name: r.nameB } : null,
  };
}

export function countAnswers(counts: readonly LabelCount[]): LearningState['answers'] {
  const order: AnswerSource[] = ['review', 'merge', 'not-this-person', 'xmp-tags', 'other'];
  const bySource = order.map((source) => ({ source, same: 0, different: 0 }));
  for (const c of counts) {
    const row = bySource[order.indexOf(answerSource(c.source))]!;
    if (c.same) row.same += c.count;
    else row.different += c.count;
  }
  const total = (kind: 'same' | 'different'): number => bySource.reduce((t, r) => t + r[kind], 0);
  return { same: total('same'), different: total('different'), bySource: bySource.filter((r) => r.same + r.different > 0) };
}

// A figure stored as NaN comes back from JSON as null.
const finiteOrNull = (x: number | null): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function versionInfo(v: LearnedVersion, installedBaseModel: string | null): LearnedVersionInfo {
  const r = v.record;
  return {
    id: v.id,
    createdAt: v.createdAt,
    promoted: v.promoted,
    active: v.active,
    usable: v.baseModel === installedBaseModel,
    reason: r.reason,
    labels: { ...r.labels, ignored: r.labels.ignored ?? 0 },
    before: { ...r.before, auc: finiteOrNull(r.before.auc) },
    after: { ...r.after, auc: finiteOrNull(r.after.auc), linkage: r.linkage },
    roc: r.roc ?? null,
  };
}

export function regroupingInfo(g: GroupingSummary): { faces: number; newPeople: number; joinedExisting: number } {
  return { faces: g.newFaces, newPeople: g.newPeople, joinedExisting: g.joinedExisting };
}

/** Why "Improve recognition" cannot run now, in one sentence; null when it can. */
export function blockedBecause(answers: { same: number; different: number }, installedBaseModel: string | null, scanRunning: boolean, running: boolean): string | null {
  if (installedBaseModel === null) return 'There is no trained pair model installed to learn from.';
  if (running) return 'Recognition is being improved right now.';
  if (scanRunning) return 'Wait for the scan to finish: it is still grouping faces.';
  if (answers.same < MIN_SAME || answers.different < MIN_DIFFERENT) {
    const missing = [
      answers.same < MIN_SAME ? `${MIN_SAME - answers.same} more "same"` : null,
      answers.different < MIN_DIFFERENT ? `${MIN_DIFFERENT - answers.different} more "different"` : null,
    ].filter((x) => x !== null);
    return `Learning needs at least ${MIN_SAME} "same" and ${MIN_DIFFERENT} "different" answers: answer ${missing.join(' and ')} in Review.`;
  }
  return null;
}

export function learningJobInfo(s: LearningJobState): LearningJobInfo {
  return { ...s, last: s.last && { ...s.last, regrouped: s.last.regrouped && regroupingInfo(s.last.regrouped) } };
}

export async function learningState(app: FacePairApp, status: { scanRunning: boolean; running: boolean; job: LearningJobInfo }): Promise<LearningState> {
  const installed = await app.learning.installedBaseModel();
  const answers = countAnswers(app.labels.countBySource());
  const versions = app.learning
    .list()
    .reverse()
    .map((v) => versionInfo(v, installed));
  return {
    answers,
    minimum: { same: MIN_SAME, different: MIN_DIFFERENT },
    running: status.running,
    job: status.job,
    // The minimum counts as `learn` does: two faces of one photo add a weak "different".
    blockedBecause: blockedBecause(app.learning.countsTowardMinimum(), installed, status.scanRunning, status.running),
    // A version learned on another model does not apply: the shipped model is in use.
    active: versions.find((v) => v.active && v.usable) ?? null,
    versions,
  };
}
