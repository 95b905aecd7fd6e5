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

const auc = (x: number | null): string => (x === null ? '–' : x.toFixed(3));

/** "On 40 answered pairs set aside: ranks pairs AUC 0.962 → 0.971; wrong merges 2 → 1; missed merges 9 → 5". */
export function figuresSentence(v: LearnedVersionInfo): string {
  const { before, after } = v;
  return (
    `On ${plural(v.labels.heldOut, 'answered pair')} set aside for checking: ranks pairs AUC ${auc(before.auc)} → ${auc(after.auc)}; ` +
    `wrong merges ${before.falseMerges} → ${after.falseMerges}; missed merges ${before.missedMerges} → ${after.missedMerges}`
  );
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
