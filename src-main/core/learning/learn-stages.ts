// The stages of one learning run, in order, and how a run is watched and stopped.

export const LEARN_STAGES = ['collecting', 'fitting', 'calibrating', 'evaluating', 'regrouping'] as const;
export type LearnStage = (typeof LEARN_STAGES)[number];

/** What a stage is doing, in words (the window and the command line show it). */
export const LEARN_STAGE_WORDS: Record<LearnStage, string> = {
  collecting: 'Collecting the answers',
  fitting: 'Fitting the pair head',
  calibrating: 'Calibrating the threshold',
  evaluating: 'Checking on the answers set aside',
  regrouping: 'Regrouping and saving',
};

export class LearningCancelledError extends Error {
  constructor() {
    super('Learning was cancelled: nothing was changed');
  }
}

/** How a caller watches a run, stops it, and is asked before it writes. */
export interface LearnControl {
  /** Told as each stage begins. */
  onStage?: (stage: LearnStage) => void;
  /** Asked between stages and once more inside the writing transaction: true stops the run, with nothing written. */
  cancelled?: () => boolean;
  /**
   * Awaited before the run writes (its version, the switch and the regrouping, in one
   * transaction); what it resolves to is called once the write is done or abandoned. A host
   * holds its other edits here, so that the regrouping reads the user's latest decisions.
   */
  beforeWrite?: () => Promise<() => void>;
  /** Called inside the writing transaction, after every write (tests use it to stop a run there). */
  inTransaction?: () => void;
}
