import { SvelteMap } from 'svelte/reactivity';
import type { PhotoFilter, PhotoSummary } from '../../../src-main/core/contract/api.js';
import { call } from './api.js';
import { toasts } from './toasts.svelte.js';

/** Photos are fetched in windows of this many, as the grid scrolls to them. */
const WINDOW = 120;

/**
 * The Photos screen: the whole library by date, newest first, through a people filter. Only
 * the outline (photos per month) is read at once; the photos themselves come a window at a
 * time as the grid shows their places, so that 100,000 photos cost what one screen does.
 */
class PhotosState {
  /** The people every listed photo must show. */
  chosen = $state.raw<Array<{ id: number; name: string }>>([]);
  unnamed = $state(false);
  noFaces = $state(false);
  months = $state.raw<Array<{ month: string; photos: number }>>([]);
  total = $state(0);
  loaded = $state(false);
  /** Positions 0…total-1: the grid's items; the photo at each comes from `at`. */
  positions = $state.raw<number[]>([]);
  readonly at = new SvelteMap<number, PhotoSummary>();
  /** Where the grid was scrolled to, restored when the user comes back from a photo. */
  scrollTop = 0;
  private requested = new Set<number>();
  private generation = 0;

  filter(): PhotoFilter {
    return { withPeople: this.chosen.map((p) => p.id), unnamed: this.unnamed || undefined, noFaces: this.noFaces || undefined };
  }

  /** The positions where a month begins, with the month's name. */
  monthStarts = $derived.by((): Map<number, string> => {
    const out = new Map<number, string>();
    let i = 0;
    for (const m of this.months) {
      out.set(i, monthName(m.month));
      i += m.photos;
    }
    return out;
  });

  /**
   * The first window (with the count) paints the grid; the month outline, which reads every
   * matching photo's date, follows without holding it up.
   */
  async load(): Promise<void> {
    const generation = ++this.generation;
    const filter = this.filter();
    try {
      const r = await call('photos.list', { ...filter, offset: 0, limit: WINDOW });
      if (generation !== this.generation) return;
      this.requested = new Set([0]);
      this.at.clear();
      this.months = [];
      r.photos.forEach((p, i) => this.at.set(i, p));
      this.total = r.total;
      this.positions = Array.from({ length: r.total }, (_, i) => i);
      this.loaded = true;
      const outline = await call('photos.months', filter);
      if (generation === this.generation) this.months = outline.months;
    } catch (err) {
      toasts.error(err);
    }
  }

  /** The grid shows position `index`: fetch its window unless asked already. */
  need(index: number): void {
    const start = Math.floor(index / WINDOW) * WINDOW;
    if (this.requested.has(start)) return;
    this.requested.add(start);
    const generation = this.generation;
    call('photos.list', { ...this.filter(), offset: start, limit: WINDOW })
      .then((r) => {
        if (generation !== this.generation) return;
        r.photos.forEach((p, i) => this.at.set(start + i, p));
      })
      .catch((err: unknown) => {
        this.requested.delete(start);
        toasts.error(err);
      });
  }

  choose(person: { id: number; name: string }): void {
    if (this.chosen.some((p) => p.id === person.id)) return;
    this.chosen = [...this.chosen, person];
    this.scrollTop = 0;
  }

  unchoose(personId: number): void {
    this.chosen = this.chosen.filter((p) => p.id !== personId);
    this.scrollTop = 0;
  }
}

/** "2024-03" → "March 2024" in the user's language. */
export function monthName(month: string): string {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  return new Date(Date.UTC(y, m - 1, 15)).toLocaleDateString(undefined, { year: 'numeric', month: 'long', timeZone: 'UTC' });
}

export const photos = new PhotosState();
