import type { ActionSummary } from '../../../src-main/core/contract/api.js';
import { call } from './api.js';
import { toasts, type Toast } from './toasts.svelte.js';

/** The user's recent edits, newest first, and their undo. */
class ActionsState {
  recent = $state.raw<ActionSummary[]>([]);
  busy = $state(false);

  /** Refreshes can overlap (an answer, then an undo): only the newest one's list is kept. */
  private request = 0;

  async refresh(): Promise<void> {
    const mine = ++this.request;
    try {
      const { actions } = await call('actions.list', { limit: 20 });
      if (mine === this.request) this.recent = actions;
    } catch (err) {
      toasts.error(err);
    }
  }

  /** After an edit: tell the user what happened, with an Undo button (and where to look, when given). */
  async done(action: ActionSummary | null, link?: Toast['link']): Promise<void> {
    if (action) toasts.show(action.summary, { undo: true, link });
    await this.refresh();
  }

  async undo(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      const { undone } = await call('actions.undo', {});
      toasts.show(undone ? `Undone: ${undone.summary}` : 'Nothing to undo');
      await this.refresh();
      return undone !== null;
    } catch (err) {
      toasts.error(err);
      return false;
    } finally {
      this.busy = false;
    }
  }
}

export const actions = new ActionsState();
