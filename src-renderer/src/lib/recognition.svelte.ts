import type { LearningState } from '../../../src-main/core/contract/api.js';
import { call, errorMessage } from './api.js';
import { regroupedSentence } from './recognition-text.js';
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
    return this.busy || (this.state?.running ?? false);
  }

  async load(): Promise<void> {
    const mine = ++this.request;
    try {
      const state = await call('learning.state');
      if (mine === this.request) this.state = state;
    } catch (err) {
      toasts.error(err);
    }
  }

  async improve(): Promise<void> {
    if (this.running) return;
    await this.whileBusy(async () => {
      const { version, regrouped } = await call('learning.run');
      const regroup = regrouped ? ` ${regroupedSentence(regrouped)}` : '';
      this.outcome = { text: `Version ${version.id}: ${version.reason}${regroup}`, kind: version.promoted ? 'used' : 'not-used' };
    });
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
