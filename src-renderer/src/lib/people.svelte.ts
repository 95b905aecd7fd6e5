import type { PersonSummary } from '../../../src-main/core/contract/api.js';
import { call } from './api.js';
import { toasts } from './toasts.svelte.js';

/** The people grid: everyone (or the search's matches), hidden people on request. */
class PeopleState {
  people = $state.raw<PersonSummary[]>([]);
  hiddenCount = $state(0);
  query = $state('');
  includeHidden = $state(false);
  loaded = $state(false);
  /** Where the grid was scrolled to, restored when the user comes back from a person. */
  scrollTop = 0;
  private generation = 0;

  async load(): Promise<void> {
    const generation = ++this.generation;
    try {
      const r = await call('people.list', { query: this.query.trim() || undefined, includeHidden: this.includeHidden });
      if (generation !== this.generation) return; // a newer search answered first
      this.people = r.people;
      this.hiddenCount = r.hiddenCount;
      this.loaded = true;
    } catch (err) {
      toasts.error(err);
    }
  }
}

export const people = new PeopleState();
