import type { LearningJobInfo, LearningState } from '../../../src-main/core/contract/api.js';
import { call, errorMessage } from './api.js';
import { plainReason, regroupedSentence } from './recognition-text.js';
import { toasts } from './toasts.svelte.js';

/** What the last "Improve recognition" or switch of version did, in a sentence. */
export interface RecognitionOutcome {
  text: string;
  kind: 'used' | 'not-used' | 'switched' | 'error';
}

/** The Recognition screen: the answers, the version in use, every learned version, and learning itself. */
class RecognitionState {
  state = $state.raw<LearningState | null>(null);
  /** This window's own learning or switch is on its way. */
  busy = $state(false);
  outcome = $state<RecognitionOutcome | null>(null);
  private request = 0;

  get running(): boolean {
    return this.busy || (this.state?.running ?? false) || this.learning;
  }

  /** Improve recognition is on its way (in this window or another). */
  get learning(): boolean {
    return (this.job?.status ?? 'idle') !== 'idle';
  }

  /** The background run's stage now (from learning.state, then its progress events). */
  job = $state.raw<LearningJobInfo | null>(null);

  async load(): Promise<void> {
    const mine = ++this.request;
    try {
      const state = await call('learning.state');
      if (mine === this.request) {
        this.state = state;
        this.job = state.job;
      }
    } catch (err) {
      toasts.error(err);
    }
  }

  /** A progress event of the background run; its end says how it went. */
  onProgress(job: LearningJobInfo): void {
    const wasRunning = this.learning;
    this.job = job;
    if (!wasRunning || job.status !== 'idle' || !job.last) return;
    const last = job.last;
    if (last.outcome === 'finished') {
      const regroup = last.regrouped ? ` ${regroupedSentence(last.regrouped)}` : '';
      this.outcome = { text: `Version ${last.versionId}: ${plainReason(last.message)}${regroup}`, kind: last.promoted ? 'used' : 'not-used' };
    } else {
      this.outcome = { text: last.message, kind: last.outcome === 'cancelled' ? 'not-used' : 'error' };
    }
    void this.load();
  }

  /** Starts Improve recognition in the background (its progress comes as events). */
  async improve(): Promise<void> {
    if (this.running) return;
    this.outcome = null;
    try {
      this.job = await call('learning.run');
    } catch (err) {
      this.outcome = { text: errorMessage(err), kind: 'error' };
      await this.load();
    }
  }

  async cancel(): Promise<void> {
    try {
      this.job = await call('learning.cancel');
    } catch (err) {
      toasts.error(err);
    }
  }

  /** Puts a learned version to use (null: the shipped model). */
  async use(versionId: number | null): Promise<void> {
    if (this.running) return;
    await this.whileBusy(async () => {
      const { regrouped } = await call('learning.rollback', { versionId });
      const now = versionId === null ? 'The shipped model is in use again.' : `Version ${versionId} is in use.`;
      this.outcome = { text: `${now} ${regroupedSentence(regrouped)}`, kind: 'switched' };
    });
  }

  private async whileBusy(fn: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.outcome = null;
    try {
      await fn();
    } catch (err) {
      this.outcome = { text: errorMessage(err), kind: 'error' };
    } finally {
      this.busy = false;
      await this.load();
    }
  }
}

export const recognition = new RecognitionState();
