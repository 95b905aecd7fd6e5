import type { ReviewPair } from '../../../src-main/core/contract/api.js';
import { actions } from './actions.svelte.js';
import { call } from './api.js';
import { toasts } from './toasts.svelte.js';

/** The review: one unsure pair at a time; each answer is stored and applied at once. */
class ReviewState {
  pair = $state<ReviewPair | null>(null);
  remaining = $state(0);
  loaded = $state(false);
  busy = $state(false);
  answered = $state(0);

  /** Only the newest request's pair is shown: an older answer that arrives late is stale. */
  private request = 0;

  async next(): Promise<void> {
    const mine = ++this.request;
    try {
      const r = await call('review.next');
      if (mine !== this.request) return;
      this.pair = r.pair;
      this.remaining = r.remaining;
      this.loaded = true;
    } catch (err) {
      toasts.error(err);
    }
  }

  async answer(answer: 'same' | 'different' | 'skip'): Promise<void> {
    const pair = this.pair;
    if (!pair || this.busy) return;
    this.busy = true;
    try {
      await call('review.answer', { faceA: pair.a.faceId, faceB: pair.b.faceId, answer });
      this.answered++;
      // The header's undo list need not hold up the next question: the keys work again as
      // soon as the next pair is shown (a fast reviewer's key press is not lost).
      void actions.refresh();
      await this.next();
    } catch (err) {
      toasts.error(err);
    } finally {
      this.busy = false;
    }
  }

  async undo(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (await actions.undo()) this.answered = Math.max(0, this.answered - 1);
      await this.next();
    } finally {
      this.busy = false;
    }
  }
}

export const review = new ReviewState();
