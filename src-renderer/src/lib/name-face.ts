import type { ActionSummary, PhotoFace } from '../../../src-main/core/contract/api.js';
import { call } from './api.js';

/** Case- and accent-insensitive form of a name, so that "anna" finds "Anna". */
export function foldName(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase().replace(/\s+/g, ' ').trim();
}

/** Everyone named, for matching a typed name to a person who has it already. */
export async function namedPeople(): Promise<Array<{ id: number; name: string }>> {
  const { people } = await call('people.list', { includeHidden: true });
  return people.flatMap((p) => (p.name !== null ? [{ id: p.id, name: p.name }] : []));
}

/**
 * Gives one face of a photo a name, with the people edits the People screen uses:
 * - the face's person is unnamed: the name is theirs (rename), or, when someone has that name
 *   already, they are that person (merge into them);
 * - the face's person has another name: this face is not them ("not this person"), and its new
 *   person takes the name, or joins the one who has it.
 * Answers the actions written (for the undo toast); none when nothing changes.
 */
export async function nameFace(face: PhotoFace, typed: string): Promise<ActionSummary[]> {
  const name = typed.trim().replace(/\s+/g, ' ');
  if (face.personId === null || name === '' || name === (face.personName ?? '')) return [];
  const existing = (await namedPeople()).find((p) => p.id !== face.personId && foldName(p.name) === foldName(name));
  if (face.personName === null) {
    if (existing) return [(await call('people.merge', { targetId: existing.id, sourceIds: [face.personId] })).action];
    const r = await call('people.rename', { personId: face.personId, name });
    return r.action ? [r.action] : [];
  }
  if (foldName(face.personName) === foldName(name)) {
    // Only the spelling changes: the person keeps this face and takes the new spelling.
    const r = await call('people.rename', { personId: face.personId, name });
    return r.action ? [r.action] : [];
  }
  const out = await call('people.rejectFaces', { personId: face.personId, faceIds: [face.faceId] });
  const newPerson = out.newPersonIds[0]!;
  if (existing) return [out.action, (await call('people.merge', { targetId: existing.id, sourceIds: [newPerson] })).action];
  const r = await call('people.rename', { personId: newPerson, name });
  return r.action ? [out.action, r.action] : [out.action];
}
