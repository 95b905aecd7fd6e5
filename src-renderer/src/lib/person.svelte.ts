import { SvelteSet } from 'svelte/reactivity';
import type { ActionSummary, PersonFace, PersonSummary } from '../../../src-main/core/contract/api.js';
import { actions } from './actions.svelte.js';
import { ApiCallError, call } from './api.js';
import { toasts } from './toasts.svelte.js';

/** One person: their faces, the selection, and the edits. */
export class PersonState {
  person = $state<PersonSummary | null>(null);
  faces = $state.raw<PersonFace[]>([]);
  selected = new SvelteSet<number>();
  /** Set when the person does not exist (any more). */
  missing = $state(false);
  busy = $state(false);
  private anchor: number | null = null;

  constructor(readonly personId: number) {}

  async load(): Promise<void> {
    try {
      const r = await call('people.get', { personId: this.personId });
      this.person = r.person;
      this.faces = r.faces;
      this.missing = false;
      const present = new Set(r.faces.map((f) => f.faceId));
      for (const id of [...this.selected]) if (!present.has(id)) this.selected.delete(id);
    } catch (err) {
      if (err instanceof ApiCallError && err.code === 'not_found') this.missing = true;
      else toasts.error(err);
    }
  }

  /** Click: toggle one face; shift-click: select the range from the last clicked face. */
  toggle(faceId: number, range = false): void {
    if (range && this.anchor !== null) {
      const ids = this.faces.map((f) => f.faceId);
      const [a, b] = [ids.indexOf(this.anchor), ids.indexOf(faceId)].sort((x, y) => x - y);
      if (a! >= 0) for (const id of ids.slice(a, b! + 1)) this.selected.add(id);
    } else if (this.selected.has(faceId)) {
      this.selected.delete(faceId);
    } else {
      this.selected.add(faceId);
    }
    this.anchor = faceId;
  }

  selectAll(): void {
    for (const f of this.faces) this.selected.add(f.faceId);
  }

  clear(): void {
    this.selected.clear();
    this.anchor = null;
  }

  private async edit(fn: () => Promise<ActionSummary | null>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      await actions.done(await fn());
      return true;
    } catch (err) {
      toasts.error(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  rename(name: string): Promise<boolean> {
    return this.edit(async () => {
      const r = await call('people.rename', { personId: this.personId, name });
      this.person = r.person;
      return r.action;
    });
  }

  toggleHidden(): Promise<boolean> {
    const hidden = !(this.person?.hidden ?? false);
    return this.edit(async () => {
      const r = await call('people.setHidden', { personId: this.personId, hidden });
      this.person = r.person;
      return r.action;
    });
  }

  useAsCover(faceId: number): Promise<boolean> {
    return this.edit(async () => {
      const r = await call('people.setCover', { personId: this.personId, faceId });
      this.person = r.person;
      return r.action;
    });
  }

  /** "Not this person" for the selected faces. */
  rejectSelected(): Promise<boolean> {
    const faceIds = [...this.selected];
    if (faceIds.length === 0) return Promise.resolve(false);
    return this.edit(async () => {
      const r = await call('people.rejectFaces', { personId: this.personId, faceIds });
      this.clear();
      if (r.person) this.person = r.person;
      else this.missing = true;
      await this.load();
      return r.action;
    });
  }

  /** Moves the other person's faces into this one. */
  mergeFrom(otherId: number): Promise<boolean> {
    return this.edit(async () => {
      const r = await call('people.merge', { targetId: this.personId, sourceIds: [otherId] });
      this.person = r.person;
      await this.load();
      return r.action;
    });
  }
}
