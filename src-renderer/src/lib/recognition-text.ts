// The Recognition screen's figures in plain words.
import type { LearnedVersionInfo, LearningJobInfo, LearningState } from '../../../src-main/core/contract/api.js';
import { plural } from './format.js';

type Answers = LearningState['answers'];
type Source = Answers['bySource'][number]['source'];

const SOURCE_NAMES: Record<Source, string> = {
  review: 'Review',
  merge: 'merges',
  'not-this-person': '"Not this person"',
  'xmp-tags': 'names from XMP tags',
  other: 'other',
};

/** "31 same, 27 different". */
export function answerCounts(a: { same: number; different: number }): string {
  return `${a.same.toLocaleString()} same, ${a.different.toLocaleString()} different`;
}

/** "Review: 10 same, 12 different · merges: 20 same, 0 different". */
export function answerSources(a: Answers): string {
  return a.bySource.map((s) => `${SOURCE_NAMES[s.source]}: ${answerCounts(s)}`).join(' · ');
}

const score = (x: number | null): string => (x === null ? '–' : x.toFixed(3));

/**
 * "Checked on 40 answered pairs set aside: how well it tells people apart 0.962 → 0.971 out of 1;
 * different people put together 2 → 1; pairs of one person left apart 9 → 5". In words: the
 * figure's technical name (AUC) is in `technicalFigures`, for a tooltip.
 */
export function figuresSentence(v: LearnedVersionInfo): string {
  const { before, after } = v;
  return (
    `Checked on ${plural(v.labels.heldOut, 'answered pair')} set aside: how well it tells people apart ${score(before.auc)} → ${score(after.auc)} out of 1; ` +
    `different people put together ${before.falseMerges} → ${after.falseMerges}; pairs of one person left apart ${before.missedMerges} → ${after.missedMerges}`
  );
}

/** The same figures as a maintainer names them. */
export function technicalFigures(v: LearnedVersionInfo): string {
  const { before, after } = v;
  return `Held-out pairs: ${v.labels.heldOut}. ROC AUC ${score(before.auc)} → ${score(after.auc)}; false merges ${before.falseMerges} → ${after.falseMerges}; missed merges ${before.missedMerges} → ${after.missedMerges}.`;
}

/** A version's reason in words: versions learned before it was worded so said "AUC x against y". */
export function plainReason(reason: string): string {
  return reason
    .replace(/ranks pairs worse than/, 'tells people apart less well than')
    .replace(/ranks pairs at least as well/, 'tells people apart at least as well')
    .replace(/\(AUC (\d\.\d+) against (\d\.\d+)\)/g, '($1 out of 1, against $2)');
}

/** What the version learned from. */
export function learnedFrom(v: LearnedVersionInfo): string {
  const l = v.labels;
  return `Learned from ${answerCounts(l)} answers (and ${plural(l.implied, 'pair')} they imply) about ${plural(l.people, 'person', 'people')}.`;
}

export function regroupedSentence(r: { faces: number; newPeople: number; joinedExisting: number }): string {
  if (r.faces === 0) return 'No face needed grouping again.';
  return `${plural(r.faces, 'face')} no decision of yours covers ${r.faces === 1 ? 'was' : 'were'} grouped again: ${plural(r.newPeople, 'new person', 'new people')}, ${r.joinedExisting.toLocaleString()} joined known people.`;
}

/** The badge of a version in the list. */
export function versionStatus(v: LearnedVersionInfo): string {
  if (!v.usable) return 'Learned on another model';
  if (v.active) return 'In use';
  return v.promoted ? 'Was in use' : 'Not used';
}

/** What a learning run's stage is doing. */
export const STAGE_WORDS: Record<NonNullable<LearningJobInfo['stage']>, string> = {
  collecting: 'Collecting your answers',
  fitting: 'Fitting the pair head',
  calibrating: 'Calibrating the threshold',
  evaluating: 'Checking on the answers set aside',
  regrouping: 'Regrouping and saving',
};

/** "Step 2 of 5: Fitting the pair head…", or "Cancelling…". */
export function jobSentence(job: LearningJobInfo): string {
  if (job.status === 'cancelling') return 'Cancelling: nothing will be changed…';
  if (job.stage === null) return 'Starting…';
  return `Step ${job.step} of ${job.steps}: ${STAGE_WORDS[job.stage]}…`;
}
