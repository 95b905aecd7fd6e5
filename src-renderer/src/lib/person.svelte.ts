import { SvelteSet } from 'svelte/reactivity';
import type { ActionSummary, ApiResult, PersonFace, PersonSummary } from '../../../src-main/core/contract/api.js';
import { actions } from './actions.svelte.js';
import { ApiCallError, call } from './api.js';
import { href } from './router.svelte.js';
import { toasts, type Toast } from './toasts.svelte.js';

export type AlikePerson = ApiResult<'people.alike'>['people'][number];

/** How many "Is this also…?" suggestions a person's page shows at once. */
const SUGGESTIONS = 3;

/** One person: their faces, the selection, and the edits. */
export class PersonState {
  person = $state<PersonSummary | null>(null);
  faces = $state.raw<PersonFace[]>([]);
  selected = new SvelteSet<number>();
  /** Set when the person does not exist (any more). */
  missing = $state(false);
  busy = $state(false);
  /** The few people likely to be this one too, answerable in place. */
  suggestions = $state.raw<AlikePerson[]>([]);
  /** A rename that found the name taken: the person who has it (the page asks "Same person?"). */
  sameName = $state<{ person: PersonSummary; name: string } | null>(null);
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
      void this.loadSuggestions();
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

  async loadSuggestions(): Promise<void> {
    try {
      const r = await call('people.alike', { personId: this.personId, limit: 10 });
      this.suggestions = r.people.filter((p) => p.likely && !p.person.hidden).slice(0, SUGGESTIONS);
    } catch {
      this.suggestions = [];
    }
  }

  private link: Toast['link'] = null;

  private async edit(fn: () => Promise<ActionSummary | null>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.link = null;
    try {
      const action = await fn();
      await actions.done(action, this.link);
      return true;
    } catch (err) {
      toasts.error(err);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Names the person. A name someone else has already is not used at once: `sameName` is set
   * and the page asks whether they are one person (`sameNameOk` after the user said no).
   */
  rename(name: string, sameNameOk = false): Promise<boolean> {
    return this.edit(async () => {
      const r = await call('people.rename', { personId: this.personId, name, sameNameOk });
      this.person = r.person;
      if (r.sameName) this.sameName = { person: r.sameName, name };
      return r.action;
    });
  }

  /** "Same person?" answered yes: this person joins the one who has the name; the page follows them. */
  mergeIntoNamesake(): Promise<boolean> {
    const target = this.sameName?.person;
    this.sameName = null;
    if (!target) return Promise.resolve(false);
    return this.edit(async () => {
      const r = await call('people.merge', { targetId: target.id, sourceIds: [this.personId] });
      location.hash = href({ name: 'person', personId: target.id });
      return r.action;
    });
  }

  /** "Not a face" for the given faces (the selection, or the only face). */
  markNotFaces(faceIds: number[] = [...this.selected]): Promise<boolean> {
    if (faceIds.length === 0) return Promise.resolve(false);
    return this.edit(async () => {
      const r = await call('people.markNotFaces', { personId: this.personId, faceIds });
      this.clear();
      if (r.person) {
        this.person = r.person;
        await this.load();
      } else {
        // Nothing left of the person: back to the list they were opened from (the toast
        // there says what happened, with Undo), as Google Photos does after a removal.
        this.missing = true;
        location.hash = href({ name: 'people' });
      }
      return r.action;
    });
  }

  /** A suggestion answered: yes merges the other person into this one, no keeps them apart. */
  answerSuggestion(other: AlikePerson, same: boolean): Promise<boolean> {
    this.suggestions = this.suggestions.filter((s) => s.person.id !== other.person.id);
    if (same) return this.mergeFrom(other.person.id);
    return this.edit(async () => (await call('people.tellApart', { personId: this.personId, otherId: other.person.id })).action);
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
      if (r.newPersonIds.length === 1) this.link = { href: href({ name: 'person', personId: r.newPersonIds[0]! }), text: 'Open' };
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
