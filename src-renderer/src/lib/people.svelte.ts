import type { PersonSummary } from '../../../src-main/core/contract/api.js';
import { call } from './api.js';
import { toasts } from './toasts.svelte.js';

const MIN_FACES_KEY = 'facepair.people.minFaces';
/** Unnamed people with fewer faces than this are "Others" (Immich's default is 3; ours 2). */
export const DEFAULT_MIN_FACES = 2;
export const MIN_FACES_CHOICES = [2, 3, 5, 10] as const;

function storedMinFaces(): number {
  const n = Number(localStorage.getItem(MIN_FACES_KEY));
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : DEFAULT_MIN_FACES;
}

/**
 * The people grid: everyone with at least `minFaces` faces (and everyone named), or, on the
 * "Others" tab, the unnamed people with fewer; a search by name looks at everyone.
 */
class PeopleState {
  people = $state.raw<PersonSummary[]>([]);
  hiddenCount = $state(0);
  othersCount = $state(0);
  query = $state('');
  includeHidden = $state(false);
  others = $state(false);
  minFaces = $state(storedMinFaces());
  loaded = $state(false);
  /** Where the grid was scrolled to, restored when the user comes back from a person. */
  scrollTop = 0;
  private generation = 0;

  setMinFaces(n: number): void {
    this.minFaces = n;
    localStorage.setItem(MIN_FACES_KEY, String(n));
  }

  async load(): Promise<void> {
    const generation = ++this.generation;
    try {
      const r = await call('people.list', {
        query: this.query.trim() || undefined,
        includeHidden: this.includeHidden,
        minFaces: this.minFaces,
        others: this.others,
      });
      if (generation !== this.generation) return; // a newer search answered first
      this.people = r.people;
      this.hiddenCount = r.hiddenCount;
      this.othersCount = r.othersCount;
      this.loaded = true;
    } catch (err) {
      toasts.error(err);
    }
  }
}

export const people = new PeopleState();
