import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FacesRepository } from '../db/faces.repository.js';
import { LibraryBusyError, type LibraryLock } from '../db/library-lock.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { Db } from '../db/database.js';
import type { LearnedVersion, LearnedVersionRecord, LearnedVersionsRepository } from '../db/learned-versions.repository.js';
import type { SeedEmbeddingService } from '../embedding/seed-embedding.service.js';
import { DEFAULT_GROUPING, type GroupingService, type GroupingSummary } from '../grouping/grouping.service.js';
import { euclidean } from '../ml/distance.js';
import { answeredPairs, splitByPerson, type AnsweredPair, type FaceFacts } from './answer-pairs.js';
import { LearningCancelledError, type LearnControl, type LearnStage } from './learn-stages.js';
import { assertEnoughAnswers, headProbabilities, learnRecognition, NotEnoughAnswersError, recalibrate, weightedEvidence, type GroupAnswer, type LearnOutcome, type PairEvidence, type Recognition } from './library-learner.js';
import type { ReviewGroupAnswer } from './group-answers.js';

export class LearningUnavailableError extends Error {}
export class LearningBusyError extends Error {}

/** Answers about faces no longer in the library (their photo gone, or the face not found again), in a sentence. */
export function ignoredSentence(n: number): string {
  return `${n} answer${n === 1 ? ' is' : 's are'} about faces no longer in the library and ${n === 1 ? 'was' : 'were'} left out.`;
}

export interface LearnResult {
  version: LearnedVersion;
  /** The regrouping of the faces no user decision covers, when the version was put to use. */
  regrouped: GroupingSummary | null;
}

/** The shipped recognition (the seed model's fused head and the product's linkage), or null without one. */
export type ShippedRecognition = () => Promise<{ recognition: Recognition; baseModel: string } | null>;

/**
 * The loop from answers to a better recognition for this library: fits the pair head and the
 * grouping threshold to the user's answers (the extractor stays frozen, the shipped model
 * under models/ is never touched), keeps every version with its figures, puts a version to
 * use only when it measures no worse on answers set aside by person, and then regroups only
 * the faces that no user decision covers.
 */
export class LearningService {
  private running = false;

  constructor(
    private readonly db: Db,
    private readonly faces: FacesRepository,
    private readonly labels: LabelsRepository,
    private readonly embeddings: EmbeddingsRepository,
    private readonly versions: LearnedVersionsRepository,
    private readonly seed: SeedEmbeddingService,
    private readonly grouping: GroupingService,
    private readonly shipped: ShippedRecognition,
    /** Learning regroups the library: it holds the lock, so no scan of another process writes meanwhile. */
    private readonly lock?: LibraryLock,
    /** Where a switch of version (a rollback) is made, off this thread: a worker thread (none: here). */
    private readonly switcher?: (versionId: number | null) => Promise<GroupingSummary>,
    /** The review answers about two people, with their groups when asked (none: the threshold is recalibrated only with the head). */
    private readonly groupAnswers: () => ReviewGroupAnswer[] = () => [],
  ) {}

  /** Runs `job` under the library lock; held by another process's scan or learning run: LearningBusyError. */
  private async locked<T>(job: () => Promise<T>): Promise<T> {
    let held;
    try {
      held = this.lock?.take('learn');
    } catch (err) {
      if (err instanceof LibraryBusyError) throw new LearningBusyError(`Cannot change the recognition now: ${err.message}`);
      throw err;
    }
    try {
      return await job();
    } finally {
      held?.release();
    }
  }

  /** The active learned version, if it was learned on the installed model (else the shipped recognition applies). */
  activeFor(baseModel: string | null): LearnedVersion | null {
    const v = this.versions.active();
    return v !== null && v.baseModel === baseModel ? v : null;
  }

  /** The key of the installed model versions are learned on (null: none installed, learning cannot run). */
  async installedBaseModel(): Promise<string | null> {
    return (await this.shipped())?.baseModel ?? null;
  }

  list(): LearnedVersion[] {
    return this.versions.list();
  }

  /**
   * One learning run: collect the answers, fit, calibrate, check on the answers set aside,
   * and (only when the new version does no worse) switch to it and regroup. The version, the
   * switch and the regrouping are written in one transaction at the very end: a run cancelled
   * or killed before that leaves the library as it was.
   */
  async learn(control: LearnControl = {}): Promise<LearnResult> {
    if (this.running) throw new LearningBusyError('Learning is already running for this library');
    this.running = true;
    const step = (stage: LearnStage): void => {
      if (control.cancelled?.()) throw new LearningCancelledError();
      control.onStage?.(stage);
    };
    try {
      return await this.locked(async () => {
        step('collecting');
        const inUse = await this.inUse();
        if (inUse === null) throw new LearningUnavailableError('There is no trained pair model installed to learn from');
        const { baseModel, active, recognition: current, shipped } = inUse;

        const { facts, pairs, ignored } = this.answers();
        const split = splitByPerson(pairs, facts);
        const [fit, heldOut] = await Promise.all([this.evidence(split.fit), this.evidence(split.heldOut)]);
        let outcome: LearnOutcome;
        try {
          outcome = learnRecognition(fit, heldOut, current, step, shipped);
        } catch (err) {
          if (err instanceof NotEnoughAnswersError && ignored > 0) throw new NotEnoughAnswersError(`${err.message} ${ignoredSentence(ignored)}`);
          throw err;
        }
        // A head no better than the current one: the threshold alone, recalibrated on the
        // answers about two people (split as the pairs are), at the level grouping decides.
        if (!outcome.promoted) {
          const recalibrated = recalibrate(...(await this.groupEvidence(split)), current, shipped, heldOut, DEFAULT_GROUPING.smallGroupMargin);
          if (recalibrated?.promoted) outcome = recalibrated;
        }
        const answers = pairs.filter((p) => p.kind === 'answer');
        const record: LearnedVersionRecord = {
          head: outcome.learned.head,
          linkage: outcome.learned.linkage,
          ...(outcome.learned.smallGroupMargin === undefined ? {} : { smallGroupMargin: outcome.learned.smallGroupMargin }),
          labels: {
            same: answers.filter((p) => p.same).length,
            different: answers.filter((p) => !p.same).length,
            implied: pairs.length - answers.length,
            people: split.people,
            fit: fit.length,
            heldOut: heldOut.length,
            ignored,
          },
          before: { ...outcome.before, version: active?.id ?? null, linkage: current.linkage },
          after: outcome.after,
          roc: outcome.roc,
          reason: outcome.reason,
        };
        step('regrouping');
        const release = (await control.beforeWrite?.()) ?? (() => undefined);
        try {
          const written = () => {
            if (control.cancelled?.()) throw new LearningCancelledError();
            const id = this.versions.add(baseModel, outcome.promoted, record);
            if (outcome.promoted) this.versions.setActive(id);
            control.inTransaction?.();
            // A cancel that came while writing still rolls it all back.
            if (control.cancelled?.()) throw new LearningCancelledError();
            return id;
          };
          let id = 0;
          let regrouped: GroupingSummary | null = null;
          if (outcome.promoted) {
            regrouped = await this.regroup(record, () => {
              id = written();
            });
          } else {
            id = this.db.transaction(written)();
          }
          return { version: this.versions.get(id)!, regrouped };
        } finally {
          release();
        }
      });
    } finally {
      this.running = false;
    }
  }

  /**
   * Refuses at once, in a sentence, a run that would have too few answers (the window and the
   * API ask before starting a run in the background); the run checks again on what it reads.
   */
  assertEnoughAnswers(): void {
    const { pairs, ignored } = this.answers();
    const evidence = weightedEvidence(pairs);
    try {
      assertEnoughAnswers(evidence.same, evidence.different);
    } catch (err) {
      if (ignored > 0) throw new NotEnoughAnswersError(`${(err as Error).message} ${ignoredSentence(ignored)}`);
      throw err;
    }
  }

  /** How much the answers and what they imply say of each kind, as the minimum counts it (weightedEvidence). */
  countsTowardMinimum(): { same: number; different: number } {
    return weightedEvidence(this.answers().pairs);
  }

  /** The pairs the answers give, and how many answers are about faces no longer in the library (left out). */
  private answers(): { facts: Map<number, FaceFacts>; pairs: AnsweredPair[]; ignored: number } {
    const facts = this.faceFacts();
    const labels = this.labels.list();
    const ignored = labels.filter((l) => !facts.has(l.faceA) || !facts.has(l.faceB)).length;
    return { facts, pairs: answeredPairs(labels, facts), ignored };
  }

  /** The answers about two people on each side of the split by person (an answer whose pair neither side holds is left out). */
  private async groupEvidence(split: { fit: AnsweredPair[]; heldOut: AnsweredPair[] }): Promise<[GroupAnswer[], GroupAnswer[]]> {
    const key = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
    const fitKeys = new Set(split.fit.map((p) => key(p.faceA, p.faceB)));
    const heldOutKeys = new Set(split.heldOut.map((p) => key(p.faceA, p.faceB)));
    const fit: GroupAnswer[] = [], heldOut: GroupAnswer[] = [];
    for (const a of this.groupAnswers()) {
      const k = key(a.pair[0], a.pair[1]);
      const side = fitKeys.has(k) ? fit : heldOutKeys.has(k) ? heldOut : null;
      side?.push({ rms: a.rms, scale: 1 / Math.sqrt(a.sizes[0] * a.sizes[1]), same: a.same });
    }
    return [fit, heldOut];
  }

  /** Puts an earlier version back to use (null: the shipped recognition), and regroups what no user decided. */
  async rollback(id: number | null): Promise<GroupingSummary> {
    return this.locked(() => this.rollbackLocked(id));
  }

  private async rollbackLocked(id: number | null): Promise<GroupingSummary> {
    if (id !== null) {
      const v = this.versions.get(id);
      if (!v) throw new LearningUnavailableError(`There is no learned version ${id}`);
      const base = await this.shipped();
      if (v.baseModel !== base?.baseModel) throw new LearningUnavailableError(`Version ${id} was learned on another model (${v.baseModel}) and cannot be used with this one`);
    }
    if (this.switcher) {
      try {
        return await this.switcher(id);
      } catch {
        // The worker failed (its transaction left nothing behind): switched here instead.
      }
    }
    return this.activate(id);
  }

  /**
   * Switches to a version checked by `rollback` and regroups, taking no lock: for the worker
   * thread that makes the switch for the thread holding it.
   */
  switchHeld(id: number | null): Promise<GroupingSummary> {
    return this.activate(id);
  }

  /**
   * Switches the active version and regroups, in one transaction: faces put in a person by the
   * grouping alone, in people the user neither named nor hid, and in no answered pair, are
   * grouped again with the new recognition. Everything a user decided stays.
   */
  private async activate(id: number | null): Promise<GroupingSummary> {
    const record = id === null ? null : this.versions.get(id)!.record;
    return this.regroup(record, () => this.versions.setActive(id));
  }

  /** Regroups with a version's tuning (null: the shipped one), writing `alsoInTransaction` in the same transaction. */
  private regroup(record: LearnedVersionRecord | null, alsoInTransaction: () => void): Promise<GroupingSummary> {
    return this.grouping.groupNewFaces({
      // Grouped with the version's tuning before the transaction that makes it the active one.
      tuning: record && { linkage: record.linkage, head: record.head, smallGroupMargin: record.smallGroupMargin },
      // Planned in a worker thread where the grouping has a planner (a rollback from the window or the command line).
      release: 'undecided',
      alsoInTransaction,
    });
  }

  /** P(same person) of these pairs under the recognition in use (null: no model to score with). */
  async probabilities(pairs: ReadonlyArray<{ faceA: number; faceB: number; same: boolean }>): Promise<{ prob: Float64Array; same: boolean[] } | null> {
    const inUse = await this.inUse();
    if (inUse === null) return null;
    const evidence = await this.evidence(pairs.map((p) => ({ ...p, weight: 1, kind: 'answer' as const })));
    return { prob: headProbabilities(inUse.recognition.head, evidence), same: evidence.map((e) => e.same) };
  }

  /** What grouping runs with: the active learned version's linkage and head, or null for the shipped recognition. */
  async tuning(): Promise<Recognition | null> {
    const inUse = await this.inUse();
    return inUse?.active ? inUse.recognition : null;
  }

  /** The recognition in use: the active version learned on the installed model, else the shipped one; null without a model. */
  private async inUse(): Promise<{ baseModel: string; active: LearnedVersion | null; recognition: Recognition; shipped: Recognition } | null> {
    const base = await this.shipped();
    if (base === null) return null;
    const active = this.activeFor(base.baseModel);
    return { baseModel: base.baseModel, active, recognition: active ? { head: active.record.head, linkage: active.record.linkage, smallGroupMargin: active.record.smallGroupMargin } : base.recognition, shipped: base.recognition };
  }

  private faceFacts(): Map<number, FaceFacts> {
    const assignments = this.faces.listAssignments();
    const photoOf = this.faces.photoOfEach();
    const out = new Map<number, FaceFacts>();
    for (const [id, a] of assignments) {
      const photoId = photoOf.get(id);
      if (photoId !== undefined) out.set(id, { personId: a.personId, assignedBy: a.assignedBy, photoId });
    }
    return out;
  }

  /** Descriptor distance and seed pair score of each pair (pairs of a face without them are left out). */
  private async evidence(pairs: readonly AnsweredPair[]): Promise<PairEvidence[]> {
    if (pairs.length === 0) return [];
    const ids = [...new Set(pairs.flatMap((p) => [p.faceA, p.faceB]))];
    const index = new Map(ids.map((id, i) => [id, i]));
    const descriptors = this.embeddings.vectorsFor(this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS), ids);
    const seed = await this.seed.embeddingsOf(ids);
    if (seed === null) throw new LearningUnavailableError('There is no trained pair model installed to learn from');
    const usable = pairs.filter((p) => descriptors.has(p.faceA) && descriptors.has(p.faceB) && seed.has[index.get(p.faceA)!] && seed.has[index.get(p.faceB)!]);
    const inputs = seed.model.project(seed.vectors);
    const prob = seed.model.scorePairs(inputs, Uint32Array.from(usable, (p) => index.get(p.faceA)!), Uint32Array.from(usable, (p) => index.get(p.faceB)!));
    return usable.map((p, k) => {
      const a = descriptors.get(p.faceA)!, b = descriptors.get(p.faceB)!;
      return { distance: euclidean(a, 0, b, 0, DESCRIPTOR_DIMS), seedProb: prob[k]!, same: p.same, weight: p.weight };
    });
  }
}
