import type { ActionsRepository } from '../db/actions.repository.js';
import type { Db } from '../db/database.js';
import type { EmbeddingsRepository } from '../db/embeddings.repository.js';
import type { FaceInfo, FacesRepository } from '../db/faces.repository.js';
import type { LabelRow, LabelsRepository } from '../db/labels.repository.js';
import type { PeopleRepository, PersonRow, PersonSummaryRow } from '../db/people.repository.js';
import { ApiError, conflict, fail, notFound } from '../contract/errors.js';
import { DESCRIPTOR_DIMS, DESCRIPTOR_MODEL_KEY } from '../analysis/descriptor.js';
import { euclidean } from '../ml/distance.js';
import { rmsDistance, type DescriptorSums } from '../grouping/merge-distance.js';
import { foldName } from './fold-name.js';
import { cutBetween, leavingSide, sidesWithout, spanningTree } from './group-split.js';

/** Labels written per moved face: a sample of the faces it is now with (or was taken from). */
export const LABELS_PER_FACE = 20;

type AssignedBy = 'auto' | 'user' | null;

/** A face without a descriptor is linked last in its person's spanning tree. */
const UNKNOWN_DISTANCE = 1e6;

/** What an action changed, kept in its payload so that undo can put everything back. */
export interface UndoRecord {
  /** People whose name, hidden flag or cover the action changed: their values before. */
  people: Array<Pick<PersonRow, 'id' | 'name' | 'hidden' | 'cover_face_id'>>;
  /** People the action deleted (merged away): re-created by undo. */
  deleted: PersonRow[];
  /** People the action created: deleted by undo once empty again. */
  created: number[];
  /** Faces moved: from (with how they were assigned) and to. */
  moves: Array<{ faceId: number; from: number | null; fromBy: AssignedBy; to: number | null }>;
  /** Labels rows the action replaced. */
  labels: LabelRow[];
  /** The face pair a review answer was about. */
  pair?: [number, number];
  /**
   * A review answer about two people: their groups as grouping compared them when it was asked
   * (root mean square distance over all pairs of their faces, and their sizes). Learning
   * calibrates the grouping's threshold on these, the quantity it decides by.
   */
  groups?: { rms: number; sizes: [number, number] };
  /** Faces the action marked "not a face": marked as faces again by undo. */
  notFaces?: number[];
}

export interface ActionResult {
  id: number;
  kind: string;
  summary: string;
  createdAt: string;
}

/** An edit's answer: the person after it, and the action (null when nothing changed). */
export interface Edited {
  person: PersonSummaryRow;
  action: ActionResult | null;
}

const emptyRecord = (): UndoRecord => ({ people: [], deleted: [], created: [], moves: [], labels: [] });

/**
 * The user's edits of people: rename, hide, choose the cover, merge, "not this person", and the
 * review's answers. Each is one transaction that also writes an action (for undo) and, for
 * decisions about faces, labelled face pairs: the grouping honours them and they are the
 * training set of the pair model.
 */
export class PeopleService {
  constructor(
    private readonly db: Db,
    private readonly people: PeopleRepository,
    private readonly faces: FacesRepository,
    private readonly embeddings: EmbeddingsRepository,
    private readonly labels: LabelsRepository,
    private readonly actions: ActionsRepository,
  ) {}

  // ---- reading -------------------------------------------------------------------------

  /** A person with at least one face on a present photo. */
  summary(personId: number): PersonSummaryRow {
    return this.people.summary(personId) ?? fail(notFound(`Person #${personId}`));
  }

  // ---- edits ---------------------------------------------------------------------------

  /** Another person (hidden ones included) whose name is this one, case and accents aside. */
  namesake(personId: number, name: string): PersonSummaryRow | null {
    const folded = foldName(name);
    if (folded === '') return null;
    const found = this.people.named().find((p) => p.id !== personId && foldName(p.name) === folded);
    return found ? (this.people.summary(found.id) ?? null) : null;
  }

  /**
   * Names a person. A name another person already has is not taken unless `sameNameOk`: the
   * answer then names that person in `sameName` (the window asks "Same person?") and changes nothing.
   */
  rename(personId: number, name: string, sameNameOk = true): Edited & { sameName: PersonSummaryRow | null } {
    const before = this.summary(personId);
    const newName = name === '' ? null : name;
    if (newName === before.name) return { person: before, action: null, sameName: null };
    const namesake = newName !== null && !sameNameOk ? this.namesake(personId, newName) : null;
    if (namesake) return { person: before, action: null, sameName: namesake };
    const summary = newName === null ? `Removed the name ${before.name}` : before.name ? `Renamed ${before.name} to ${newName}` : `Named ${newName}`;
    const action = this.act('rename', summary, (rec) => {
      this.rememberPerson(rec, personId);
      this.people.update(personId, { name: newName });
    });
    return { person: this.summary(personId), action, sameName: null };
  }

  setHidden(personId: number, hidden: boolean): Edited {
    const before = this.summary(personId);
    if (before.hidden === hidden) return { person: before, action: null };
    const action = this.act(hidden ? 'hide' : 'show', `${hidden ? 'Hid' : 'Showed'} ${displayName(before)}`, (rec) => {
      this.rememberPerson(rec, personId);
      this.people.update(personId, { hidden });
    });
    return { person: this.summary(personId), action };
  }

  setCover(personId: number, faceId: number): Edited {
    const before = this.summary(personId);
    const face = this.faces.find(faceId);
    if (!face || face.personId !== personId) throw new ApiError('invalid_params', `That face is not one of ${displayName(before)}'s faces`);
    if (before.coverFaceId === faceId && this.people.find(personId)?.cover_face_id === faceId) return { person: before, action: null };
    const action = this.act('cover', `Chose the cover of ${displayName(before)}`, (rec) => {
      this.rememberPerson(rec, personId);
      this.people.update(personId, { coverFaceId: faceId });
    });
    return { person: this.summary(personId), action };
  }

  /** Moves every face of the sources into the target, with "same" labels; the sources are deleted. */
  merge(targetId: number, sourceIds: readonly number[], kind = 'merge'): { person: PersonSummaryRow; action: ActionResult } {
    const sources = [...new Set(sourceIds)];
    if (sources.includes(targetId)) throw new ApiError('invalid_params', 'A person cannot be merged with itself');
    const target = this.summary(targetId);
    const sourceRows = sources.map((id) => this.people.find(id) ?? fail(notFound(`Person #${id}`)));
    const sizes = sourceRows.map((r) => ({ name: r.name, photos: this.people.summary(r.id)?.photos ?? 0 }));
    const action = this.act(kind, `Merged ${mergeWords(sizes, target)}`, (rec, actionId) => {
      this.mergeInto(rec, actionId, targetId, sources, kind);
    });
    return { person: this.summary(targetId), action };
  }

  /**
   * "Not this person": each face leaves for a new person of its own, with "different" labels
   * to the faces of the person it most resembles, so no grouping puts it back.
   */
  rejectFaces(personId: number, faceIds: readonly number[]): { person: PersonSummaryRow | null; newPersonIds: number[]; action: ActionResult } {
    const person = this.summary(personId);
    const ids = [...new Set(faceIds)];
    for (const id of ids) {
      const face = this.faces.find(id);
      if (!face || face.personId !== personId) throw new ApiError('invalid_params', `That face is not one of ${displayName(person)}'s faces`);
    }
    const newPersonIds: number[] = [];
    const n = ids.length;
    const went = n === 1 ? 'it is now an unnamed person of its own' : 'each is now an unnamed person of its own';
    const action = this.act('reject', `Took ${n === 1 ? 'a face' : `${n} faces`} out of ${displayName(person)}: ${went}`, (rec, actionId) => {
      newPersonIds.push(...this.takeOut(rec, actionId, personId, ids, 'reject'));
    });
    return { person: this.people.summary(personId) ?? null, newPersonIds, action };
  }

  /**
   * "Not a face": the detections leave their person for nobody and are marked, so that no
   * grouping, review or re-scan brings them back; undo marks them as faces again.
   */
  markNotFaces(personId: number, faceIds: readonly number[]): { person: PersonSummaryRow | null; action: ActionResult } {
    const person = this.summary(personId);
    const ids = [...new Set(faceIds)];
    const faces = ids.map((id) => {
      const face = this.faces.find(id);
      if (!face || face.personId !== personId) throw new ApiError('invalid_params', `That face is not one of ${displayName(person)}'s faces`);
      return face;
    });
    const n = ids.length;
    // Every face of the person: the person goes from the lists, and the sentence says so.
    const all = n === person.faces;
    const what = all ? (n === 1 ? 'the only picture' : `all ${n} pictures`) : n === 1 ? 'a picture' : `${n} pictures`;
    const text = `Marked ${what} of ${displayName(person)} as not a face${all ? ': that person is no longer listed' : ''}`;
    const action = this.act('not-a-face', text, (rec) => {
      this.rememberPerson(rec, personId);
      const at = new Date().toISOString();
      for (const face of faces) {
        this.move(rec, face, null);
        this.faces.setNotFace(face.id, at);
      }
      rec.notFaces = ids;
      const cover = this.people.find(personId)?.cover_face_id;
      if (cover !== undefined && cover !== null && ids.includes(cover)) this.people.update(personId, { coverFaceId: null });
    });
    return { person: this.people.summary(personId) ?? null, action };
  }

  /**
   * "Not the same person" about two people (a suggestion answered No): "different" labels
   * between their closest faces, so that neither grouping nor a suggestion puts them together.
   */
  tellApart(personId: number, otherId: number): ActionResult {
    if (personId === otherId) throw new ApiError('invalid_params', 'A person cannot be told apart from itself');
    const a = this.summary(personId);
    const b = this.summary(otherId);
    const facesA = this.faces.listForPerson(personId).map((f) => f.id);
    const facesB = this.faces.listForPerson(otherId).map((f) => f.id);
    const vectors = this.vectors([...facesA, ...facesB]);
    const pairs: Array<{ x: number; y: number; d: number }> = [];
    for (const x of facesA) {
      const vx = vectors.get(x);
      for (const y of facesB) {
        const vy = vectors.get(y);
        pairs.push({ x, y, d: vx && vy ? euclidean(vx, 0, vy, 0, vx.length) : Infinity });
      }
    }
    pairs.sort((p, q) => p.d - q.d);
    return this.act('suggestion.different', `${displayName(b, true)} is not ${displayName(a)}`, (rec, actionId) => {
      for (const { x, y } of pairs.slice(0, LABELS_PER_FACE)) this.label(rec, actionId, x, y, false, 'suggestion.different');
    });
  }

  /**
   * A review answer about two faces. "same": their people merge (the smaller into the larger,
   * a named one kept); "different": the label, and when both faces are in one person the face
   * that fits it worse leaves; "skip": remembered so that the pair comes last.
   */
  answerReview(faceA: number, faceB: number, answer: 'same' | 'different' | 'skip'): ActionResult {
    if (faceA === faceB) throw new ApiError('invalid_params', 'A review pair needs two different faces');
    const a = this.faces.find(faceA) ?? fail(notFound(`Face #${faceA}`));
    const b = this.faces.find(faceB) ?? fail(notFound(`Face #${faceB}`));
    const kind = `review.${answer}`;
    const pair: [number, number] = [a.id, b.id];
    if (answer === 'skip') {
      return this.act(kind, `Skipped a pair of faces`, (rec) => {
        rec.pair = pair;
      });
    }
    const pa = a.personId !== null ? this.people.summary(a.personId) : undefined;
    const pb = b.personId !== null ? this.people.summary(b.personId) : undefined;
    const groups = pa && pb && pa.id !== pb.id ? this.groupsOf(pa.id, pb.id) : undefined;
    if (answer === 'same') {
      if (a.photoId === b.photoId) throw new ApiError('invalid_params', 'Two faces of one photo are two people');
      const merging = pa && pb && pa.id !== pb.id;
      const [target, source] = merging ? chooseTarget(pa, pb) : [pa, pb];
      const text = merging ? `Same person: merged ${mergeWords([source!], target!)}` : `Same person: two faces of ${pa ? displayName(pa) : 'one person'}`;
      return this.act(kind, text, (rec, actionId) => {
        rec.pair = pair;
        if (groups) rec.groups = groups;
        this.label(rec, actionId, a.id, b.id, true, kind);
        if (merging) this.mergeInto(rec, actionId, target!.id, [source!.id], kind);
      });
    }
    const split = pa && pb && pa.id === pb.id;
    // The faces that leave: the side of the group's weakest link between the two (one face when the link is a lone face's).
    const leaving = split ? this.sideApart(pa.id, a, b) : [];
    const text = !split
      ? 'Different people'
      : leaving.length === 1
        ? `Different people: took a face out of ${displayName(pa)}; it is now an unnamed person of its own`
        : `Different people: took ${leaving.length} faces out of ${displayName(pa)}; they are now an unnamed person of their own`;
    return this.act(kind, text, (rec, actionId) => {
      rec.pair = pair;
      if (groups) rec.groups = groups;
      this.label(rec, actionId, a.id, b.id, false, kind);
      if (split) this.takeOutTogether(rec, actionId, pa.id, leaving, kind);
    });
  }

  /**
   * Names that another photo tool gave, confirmed as the user's own decisions (one action, so
   * one undo): each face joins the person of that name (the one with most faces when several
   * carry it; a new one when none does), with "same" labels to that person's faces, and
   * "different" labels between faces of one photo given different names. `alsoInTransaction`
   * runs in the same transaction, with the action's id.
   */
  confirmNames(
    entries: ReadonlyArray<{ faceId: number; name: string }>,
    summary: string,
    alsoInTransaction?: (actionId: number) => void,
  ): ActionResult {
    const key = (name: string): string => name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase();
    return this.act('import.xmp', summary, (rec, actionId) => {
      const personOf = new Map<string, number>();
      for (const p of [...this.people.listNamed()].reverse()) personOf.set(key(p.name), p.id);
      const placed: Array<{ faceId: number; photoId: number; personId: number }> = [];
      for (const entry of entries) {
        const face = this.faces.find(entry.faceId) ?? fail(notFound(`Face #${entry.faceId}`));
        let personId = personOf.get(key(entry.name));
        if (personId === undefined) {
          personId = this.people.create();
          rec.people.push({ id: personId, name: null, hidden: 0, cover_face_id: null });
          rec.created.push(personId);
          this.people.update(personId, { name: entry.name.trim() });
          personOf.set(key(entry.name), personId);
        } else {
          this.rememberPerson(rec, personId);
        }
        if (face.personId !== personId) {
          const others = this.faces.listForPerson(personId).map((f) => f.id).filter((id) => id !== face.id);
          const vectors = this.vectors([face.id, ...others]);
          for (const t of this.sample(face.id, others, vectors, 'farthest')) this.label(rec, actionId, face.id, t, true, 'import.xmp');
          if (face.personId !== null) this.rememberPerson(rec, face.personId);
          this.move(rec, face, personId);
        } else if (face.assignedBy !== 'user') {
          this.move(rec, face, personId);
        }
        placed.push({ faceId: face.id, photoId: face.photoId, personId });
      }
      for (const a of placed) {
        for (const b of placed) {
          if (a.faceId < b.faceId && a.photoId === b.photoId && a.personId !== b.personId) this.label(rec, actionId, a.faceId, b.faceId, false, 'import.xmp');
        }
      }
      alsoInTransaction?.(actionId);
    });
  }

  // ---- undo ----------------------------------------------------------------------------

  private readonly undoSteps = new Map<string, (payload: unknown) => string | null>();

  /**
   * A step another service runs before the undo of its actions of `kind` reverts their face
   * moves and labels (the duplicates' trash puts files back); it answers a note for the user.
   */
  registerUndoStep(kind: string, step: (payload: unknown) => string | null): void {
    this.undoSteps.set(kind, step);
  }

  listActions(limit: number): ActionResult[] {
    return this.actions.listOpen(limit).map(toActionResult);
  }

  /** Undoes the newest open action (which `actionId`, when given, must be). */
  undo(actionId?: number): ActionResult | null {
    const newest = this.actions.listOpen(1)[0];
    if (!newest) {
      if (actionId !== undefined) throw conflict('There is nothing left to undo');
      return null;
    }
    if (actionId !== undefined && newest.id !== actionId) {
      const asked = this.actions.find(actionId);
      throw conflict(!asked ? `Action #${actionId} does not exist` : asked.undone_at !== null ? 'That action was already undone' : 'Undo the newer actions first');
    }
    const rec = JSON.parse(newest.payload) as UndoRecord;
    const note = this.undoSteps.get(newest.kind)?.(rec) ?? null;
    this.db.transaction(() => {
      this.labels.revertAction(newest.id, rec.labels);
      const idOf = new Map<number, number>();
      for (const row of rec.deleted) idOf.set(row.id, this.people.restore(row));
      // A person the action emptied may have been tidied away since (a scan deletes empty unnamed
      // people): it comes back, so that its faces return to it rather than to nobody.
      const now = new Date().toISOString();
      for (const p of rec.people) {
        if (idOf.has(p.id) || this.people.find(p.id) || !rec.moves.some((m) => m.from === p.id)) continue;
        idOf.set(p.id, this.people.restore({ id: p.id, name: p.name, hidden: p.hidden, created_at: now, updated_at: now }));
      }
      const mapId = (id: number | null): number | null => (id === null ? null : (idOf.get(id) ?? id));
      for (const m of [...rec.moves].reverse()) {
        const face = this.faces.find(m.faceId);
        if (!face || face.personId !== m.to) continue; // changed since by a rescan: leave it
        const from = mapId(m.from);
        this.faces.assign(m.faceId, from !== null && this.people.find(from) ? from : null, from === null ? null : m.fromBy);
      }
      for (const p of [...rec.people, ...rec.deleted]) {
        const id = mapId(p.id)!;
        if (!this.people.find(id)) continue;
        const cover = p.cover_face_id !== null && this.faces.find(p.cover_face_id) ? p.cover_face_id : null;
        this.people.update(id, { name: p.name, hidden: p.hidden === 1, coverFaceId: cover });
      }
      for (const id of rec.notFaces ?? []) this.faces.setNotFace(id, null);
      for (const id of rec.created) this.people.deleteIfEmpty(id);
      this.actions.markUndone(newest.id);
    })();
    const result = toActionResult(newest);
    return note ? { ...result, summary: `${result.summary}. ${note}` } : result;
  }

  /**
   * Takes back one answer, whenever it was given, as an action of its own (so that Undo puts
   * it back). An answer that took a face out of a person is stored as that face's pairs with
   * the person's faces: those pairs go together, and the face goes back when nothing decided
   * since rests on where it is (it is still alone where the answer put it, and no other
   * answer keeps it out). Any other answer is its one pair; a merge stays (taking it apart
   * could undo later decisions). `effect` says in words what changed and what stays.
   */
  undoAnswer(labelId: number): { action: ActionResult; effect: string } {
    const label = this.labels.findById(labelId) ?? fail(notFound(`Answer #${labelId}`));
    const origin = label.action_id !== null ? this.actions.find(label.action_id) : undefined;
    const originRec = origin && origin.undone_at === null ? (JSON.parse(origin.payload) as UndoRecord) : null;
    const kind = label.same === 1 ? 'same person' : 'different people';
    // The face this answer took out of a person, if it did.
    const move =
      label.same === 0 && originRec
        ? originRec.moves.find((m) => (m.faceId === label.face_a || m.faceId === label.face_b) && m.to !== null && m.from !== null && originRec.created.includes(m.to))
        : undefined;
    const taken = move && origin ? this.labels.ofActionAbout(origin.id, move.faceId).filter((l) => l.same === 0) : [label];
    let effect = 'Nothing else changed.';
    const action = this.act('unanswer', `Took back an answer: "${kind}"`, (rec) => {
      rec.pair = [label.face_a, label.face_b];
      for (const l of taken) {
        const { id, ...row } = l;
        rec.labels.push(row);
        this.labels.remove(id);
      }
      const also = taken.length > 1 ? ` The ${taken.length - 1} other pair${taken.length === 2 ? '' : 's'} of that face written with it ${taken.length === 2 ? 'was' : 'were'} taken back too.` : '';
      if (move) effect = this.putBackTakenOut(rec, move) + also;
      else if (label.same === 1 && originRec && originRec.deleted.length > 0 && origin) {
        effect = `The merge it came with stays (${lowerFirst(origin.summary)}): taking it apart now could undo what you decided since. Use "Not this person" on faces that are not that person.`;
      }
    });
    return { action, effect };
  }

  /** After the answer that took a face out of a person is taken back: the face goes back, when that is safe. */
  private putBackTakenOut(rec: UndoRecord, move: UndoRecord['moves'][number]): string {
    const face = this.faces.find(move.faceId);
    const from = move.from !== null ? this.people.find(move.from) : undefined;
    const alone = move.to !== null ? this.people.find(move.to) : undefined;
    if (!face || face.personId !== move.to || !alone) return 'The face stays where it is now: it was moved again since.';
    if (!from) return 'The face stays in a person of its own: the person it was taken out of is no longer there.';
    if (alone.name !== null || alone.hidden === 1 || this.faces.listAllOfPerson(alone.id).some((f) => f.id !== face.id)) {
      return `The face stays in ${displayName(alone)}: you named, hid or added faces to that person since.`;
    }
    const still = this.labels.differentWithPerson(face.id, from.id);
    if (still > 0) {
      return `The face stays apart from ${displayName(from)}: ${still === 1 ? 'another answer still says' : `${still} other answers still say`} they are different people.`;
    }
    rec.moves.push({ faceId: face.id, from: alone.id, fromBy: face.assignedBy, to: from.id });
    this.faces.assign(face.id, from.id, move.fromBy ?? 'user');
    rec.deleted.push(alone);
    this.people.delete(alone.id);
    return `The face is back in ${displayName(from)}.`;
  }

  /** Face pairs the user skipped in the review (and did not undo). */
  skippedPairs(): Array<[number, number]> {
    return this.actions.listOpenOfKind('review.skip').flatMap((row) => {
      const rec = JSON.parse(row.payload) as UndoRecord;
      return rec.pair ? [rec.pair] : [];
    });
  }

  /** The face pairs of the newest `count` edits that were review answers or skips (not undone), oldest first. */
  recentReviewPairs(count: number): Array<[number, number]> {
    return this.actions
      .listOpen(count)
      .filter((row) => row.kind.startsWith('review.'))
      .flatMap((row) => {
        const rec = JSON.parse(row.payload) as UndoRecord;
        return rec.pair ? [rec.pair] : [];
      })
      .reverse();
  }

  // ---- internals -----------------------------------------------------------------------

  /** Runs one edit in a transaction, with its action row. */
  private act(kind: string, summary: string, fn: (rec: UndoRecord, actionId: number) => void): ActionResult {
    return this.db.transaction(() => {
      const id = this.actions.begin(kind, summary);
      const rec = emptyRecord();
      fn(rec, id);
      this.actions.setPayload(id, rec);
      return toActionResult(this.actions.find(id)!);
    })();
  }

  private rememberPerson(rec: UndoRecord, personId: number): void {
    if (rec.people.some((p) => p.id === personId)) return;
    const row = this.people.find(personId);
    if (row) rec.people.push({ id: row.id, name: row.name, hidden: row.hidden, cover_face_id: row.cover_face_id });
  }

  private label(rec: UndoRecord, actionId: number, faceA: number, faceB: number, same: boolean, source: string): void {
    const replaced = this.labels.record(faceA, faceB, same, source, actionId);
    if (replaced && replaced.action_id !== actionId) rec.labels.push(replaced);
  }

  private move(rec: UndoRecord, face: { id: number; personId: number | null; assignedBy: AssignedBy }, to: number | null): void {
    rec.moves.push({ faceId: face.id, from: face.personId, fromBy: face.assignedBy, to });
    this.faces.assign(face.id, to, to === null ? null : 'user');
  }

  /** Two people's groups as average-linkage grouping measures them (faces without a descriptor left out; none: undefined). */
  private groupsOf(personA: number, personB: number): { rms: number; sizes: [number, number] } | undefined {
    const facesA = this.faces.listForPerson(personA).map((f) => f.id);
    const facesB = this.faces.listForPerson(personB).map((f) => f.id);
    const vectors = this.vectors([...facesA, ...facesB]);
    const sums = (ids: readonly number[]): DescriptorSums | null => {
      const vs = ids.flatMap((id) => (vectors.has(id) ? [vectors.get(id)!] : []));
      if (vs.length === 0) return null;
      const sum = new Float64Array(vs[0]!.length);
      let sumSq = 0;
      for (const v of vs) {
        for (let d = 0; d < v.length; d++) {
          sum[d] = sum[d]! + v[d]!;
          sumSq += v[d]! * v[d]!;
        }
      }
      return { size: vs.length, sum, sumSq };
    };
    const [sa, sb] = [sums(facesA), sums(facesB)];
    return sa && sb ? { rms: rmsDistance(sa, sb), sizes: [sa.size, sb.size] } : undefined;
  }

  private vectors(faceIds: readonly number[]): Map<number, Float32Array> {
    return this.embeddings.vectorsFor(this.faces.modelId(DESCRIPTOR_MODEL_KEY, 'descriptor', DESCRIPTOR_DIMS), faceIds);
  }

  /**
   * Up to LABELS_PER_FACE of `others`, ordered by distance to `face`: the nearest first (the
   * hardest "different" examples) or the farthest first (the hardest "same" ones).
   */
  private sample(face: number, others: readonly number[], vectors: Map<number, Float32Array>, order: 'nearest' | 'farthest'): number[] {
    const v = vectors.get(face);
    if (!v || others.length <= LABELS_PER_FACE) return others.slice(0, LABELS_PER_FACE);
    const scored = others.map((o) => ({ o, d: vectors.has(o) ? euclidean(v, 0, vectors.get(o)!, 0, v.length) : Infinity }));
    scored.sort((x, y) => (order === 'nearest' ? x.d - y.d : y.d - x.d));
    return scored.slice(0, LABELS_PER_FACE).map((s) => s.o);
  }

  private mergeInto(rec: UndoRecord, actionId: number, targetId: number, sourceIds: readonly number[], source: string): void {
    this.rememberPerson(rec, targetId);
    const target = this.people.find(targetId)!;
    const targetFaces = this.faces.listForPerson(targetId).map((f) => f.id);
    let name = target.name;
    for (const sourceId of sourceIds) {
      const row = this.people.find(sourceId)!;
      const moving = this.faces.listAllOfPerson(sourceId);
      const present = this.faces.listForPerson(sourceId).map((f) => f.id);
      const vectors = this.vectors([...targetFaces, ...present]);
      for (const f of present) {
        for (const t of this.sample(f, targetFaces, vectors, 'farthest')) this.label(rec, actionId, f, t, true, source);
      }
      for (const f of moving) this.move(rec, f, targetId);
      name ??= row.name;
      rec.deleted.push(row);
      this.people.delete(sourceId);
    }
    if (name !== target.name) this.people.update(targetId, { name });
  }

  /** Moves faces out of a person, each to a new person, with "different" labels to the rest. */
  private takeOut(rec: UndoRecord, actionId: number, personId: number, faceIds: readonly number[], source: string): number[] {
    this.rememberPerson(rec, personId);
    const leaving = new Set(faceIds);
    const staying = this.faces.listForPerson(personId).map((f) => f.id).filter((id) => !leaving.has(id));
    const vectors = this.vectors([...faceIds, ...staying]);
    const created: number[] = [];
    for (const faceId of faceIds) {
      for (const other of this.sample(faceId, staying, vectors, 'nearest')) this.label(rec, actionId, faceId, other, false, source);
      const newPerson = this.people.create();
      rec.created.push(newPerson);
      created.push(newPerson);
      this.move(rec, this.faces.find(faceId)!, newPerson);
    }
    const cover = this.people.find(personId)?.cover_face_id;
    if (cover !== undefined && cover !== null && leaving.has(cover)) this.people.update(personId, { coverFaceId: null });
    return created;
  }

  /**
   * "a and b are different people", both in one person: the person is cut in two where its
   * faces' spanning tree (group-split.ts) is weakest between a and b, and the faces on the side
   * that leaves are answered (those the user placed stay). When every link between the two was
   * decided by the user, only the face that fits the person worse leaves.
   */
  private sideApart(personId: number, a: FaceInfo, b: FaceInfo): number[] {
    const members = this.faces.listForPerson(personId).sort((x, y) => x.id - y.id);
    const at = new Map(members.map((f, k) => [f.id, k]));
    const ia = at.get(a.id), ib = at.get(b.id);
    if (ia === undefined || ib === undefined) return [this.worseFit(personId, a, b)];
    const vectors = this.vectors(members.map((f) => f.id));
    const sameLabelled = new Set<string>();
    for (const f of members) {
      for (const l of this.labels.listForFace(f.id)) if (l.same === 1) sameLabelled.add(`${l.face_a}:${l.face_b}`);
    }
    const byUser = members.map((f) => f.assignedBy === 'user');
    const tree = spanningTree(members.length, (i, j) => {
      const x = members[i]!.id, y = members[j]!.id;
      if ((byUser[i] && byUser[j]) || sameLabelled.has(x < y ? `${x}:${y}` : `${y}:${x}`)) return 0;
      const vx = vectors.get(x), vy = vectors.get(y);
      return vx && vy ? euclidean(vx, 0, vy, 0, vx.length) : UNKNOWN_DISTANCE;
    });
    const cut = cutBetween(members.length, tree, ia, ib);
    if (cut === null) return [this.worseFit(personId, a, b)];
    const side = sidesWithout(members.length, tree, cut);
    const leaves = leavingSide(members.map((f, k) => ({ id: f.id, byUser: byUser[k]! })), side);
    return members.filter((_, k) => side[k] === leaves).map((f) => f.id);
  }

  /** Moves faces out of a person together, into one new person, with "different" labels to the faces that stay. */
  private takeOutTogether(rec: UndoRecord, actionId: number, personId: number, faceIds: readonly number[], source: string): void {
    this.rememberPerson(rec, personId);
    const leaving = new Set(faceIds);
    const staying = this.faces.listForPerson(personId).map((f) => f.id).filter((id) => !leaving.has(id));
    const vectors = this.vectors([...faceIds, ...staying]);
    const newPerson = this.people.create();
    rec.created.push(newPerson);
    for (const faceId of faceIds) {
      for (const other of this.sample(faceId, staying, vectors, 'nearest')) this.label(rec, actionId, faceId, other, false, source);
      this.move(rec, this.faces.find(faceId)!, newPerson);
    }
    const cover = this.people.find(personId)?.cover_face_id;
    if (cover !== undefined && cover !== null && leaving.has(cover)) this.people.update(personId, { coverFaceId: null });
  }

  /** Of two faces of one person, the one farther on average from the person's other faces. */
  private worseFit(personId: number, a: FaceInfo, b: FaceInfo): number {
    const others = this.faces.listForPerson(personId).map((f) => f.id).filter((id) => id !== a.id && id !== b.id);
    const vectors = this.vectors([a.id, b.id, ...others]);
    const mean = (id: number): number => {
      const v = vectors.get(id);
      const ds = others.flatMap((o) => (v && vectors.has(o) ? [euclidean(v, 0, vectors.get(o)!, 0, v.length)] : []));
      return ds.length > 0 ? ds.reduce((s, d) => s + d, 0) / ds.length : 0;
    };
    // With no other face to compare with, the newer face (higher id) leaves.
    if (others.length === 0) return Math.max(a.id, b.id);
    return mean(a.id) > mean(b.id) ? a.id : b.id;
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function plural(n: number, one: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : `${one}s`}`;
}

/**
 * "an unnamed person (2 photos) into the unnamed person with 5 photos", "Sam (3 photos) into
 * Angelina Jolie": the sizes tell unnamed people apart in a toast or the Recent list.
 */
function mergeWords(sources: ReadonlyArray<{ name: string | null; photos: number }>, target: { name: string | null; photos: number }): string {
  const photos = sources.reduce((n, s) => n + s.photos, 0);
  return `${listNames(sources)} (${plural(photos, 'photo')}) into ${target.name ?? `the unnamed person with ${plural(target.photos, 'photo')}`}`;
}

/** A person in an action's sentence: the name, else "an unnamed person" (never an internal id). */
function displayName(p: { name: string | null }, startOfSentence = false): string {
  return p.name ? p.name : startOfSentence ? 'An unnamed person' : 'an unnamed person';
}

/** People in a sentence: their names, the unnamed ones counted. */
function listNames(rows: ReadonlyArray<{ name: string | null }>): string {
  const named = rows.flatMap((r) => (r.name ? [r.name] : []));
  const unnamed = rows.length - named.length;
  const parts = [...named, ...(unnamed === 0 ? [] : [unnamed === 1 ? 'an unnamed person' : `${unnamed} unnamed people`])];
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)!}`;
}

/** The person kept when two merge: a named one, else the one with more faces. */
function chooseTarget(a: PersonSummaryRow, b: PersonSummaryRow): [PersonSummaryRow, PersonSummaryRow] {
  if ((a.name === null) !== (b.name === null)) return a.name !== null ? [a, b] : [b, a];
  return a.faces >= b.faces ? [a, b] : [b, a];
}

function toActionResult(row: { id: number; kind: string; summary: string; created_at: string }): ActionResult {
  return { id: row.id, kind: row.kind, summary: row.summary, createdAt: row.created_at };
}
