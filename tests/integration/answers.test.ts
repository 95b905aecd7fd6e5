/**
 * The answers themselves, through the API host, on the scan of photos/identities: every
 * answer listed with the action that wrote it, filtered and paged; one answer taken back out
 * of order, its grouping effect reversed only where that is safe, and every decision made
 * after it still there; Undo puts a taken-back answer back.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createApiHost, type ApiHost } from '../../src-main/core/api/api-host.js';
import { createApp, type FacePairApp } from '../../src-main/core/app.js';
import type { AnswerItem } from '../../src-main/core/contract/api.js';
import { apiCalls } from '../support/api-calls.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

const work = tempDir('answers');
let app: FacePairApp;
let host: ApiHost;
const { ok, err } = apiCalls(() => host);

/** Every label as `a-b:same`, sorted. */
const labels = (): string[] => app.labels.list().map((l) => `${l.faceA}-${l.faceB}:${l.same}`).sort();
/** Where every face is and who put it there. */
const placements = (): Map<number, string> => new Map([...app.faces.listAssignments()].map(([id, a]) => [id, `${a.personId}/${a.assignedBy}`]));
const names = (): string[] => app.people.list().flatMap((p) => (p.name ? [`${p.name}:${p.faces.map((f) => f.faceId).sort().join(',')}`] : [])).sort();

/** Every answer the list holds, page by page. */
async function everyAnswer(filter: Record<string, unknown> = {}): Promise<AnswerItem[]> {
  const out: AnswerItem[] = [];
  for (let offset = 0; ; offset += 7) {
    const page = await ok('answers.list', { ...filter, offset, limit: 7 });
    out.push(...page.answers);
    if (page.answers.length < 7) {
      expect(out).toHaveLength(page.total);
      return out;
    }
  }
}

beforeAll(async () => {
  app = createApp({ dbFile: path.join(work, 'library.db') });
  await app.scanner.scan(IDENTITIES);
  host = createApiHost(app, { version: 'test' });
}, 600_000);

afterAll(async () => {
  await host?.dispose();
  app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the answers, each taken back on its own', () => {
  let split: { answer: AnswerItem; movedFace: number; from: number };
  let rejectedFrom: { face: number; person: number };

  it('lists every answer with the action that wrote it, filtered and paged', async () => {
    const people = app.people.list().filter((p) => p.faces.length >= 3);
    expect(people.length).toBeGreaterThanOrEqual(4);
    const [p, x, y, z] = people;
    // 1. A review answer "different" inside one person: one face leaves for a person of its own.
    const [f1, f2] = p!.faces;
    await ok('review.answer', { faceA: f1!.faceId, faceB: f2!.faceId, answer: 'different' });
    const movedFace = [f1!.faceId, f2!.faceId].find((id) => app.faces.find(id)!.personId !== p!.id)!;
    // 2. Decisions after it: a name, a merge, "not this person", another answer.
    await ok('people.rename', { personId: p!.id, name: 'Ann Example' });
    await ok('people.merge', { targetId: x!.id, sourceIds: [y!.id] });
    await ok('people.rejectFaces', { personId: z!.id, faceIds: [z!.faces[0]!.faceId] });
    rejectedFrom = { face: z!.faces[0]!.faceId, person: z!.id };
    await ok('review.answer', { faceA: x!.faces[0]!.faceId, faceB: z!.faces[1]!.faceId, answer: 'different' });

    const all = await everyAnswer();
    expect(all.map((a) => `${a.faceA}-${a.faceB}:${a.same}`).sort()).toEqual(labels());
    // Newest first; each with its action.
    expect([...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)).toEqual(all);
    expect(all.every((a) => a.action !== null)).toBe(true);
    const answer = all.find((a) => a.faceA === Math.min(f1!.faceId, f2!.faceId) && a.faceB === Math.max(f1!.faceId, f2!.faceId))!;
    expect(answer).toMatchObject({ same: false, source: 'review', action: { summary: expect.stringMatching(/^Different people: took a face out of/) } });
    split = { answer, movedFace, from: p!.id };

    // Filters: kind, where it was given, a person's name, days.
    expect((await everyAnswer({ same: true })).every((a) => a.same)).toBe(true);
    expect((await everyAnswer({ same: true })).length + (await everyAnswer({ same: false })).length).toBe(all.length);
    expect((await everyAnswer({ source: 'merge' })).map((a) => a.action!.summary)).toEqual(expect.arrayContaining([expect.stringMatching(/^Merged/)]));
    expect((await everyAnswer({ source: 'not-this-person' })).every((a) => a.action!.summary.startsWith('Took a face out of'))).toBe(true);
    const reviewed = await everyAnswer({ source: 'review' });
    expect(reviewed.map((a) => a.id).sort()).toEqual(all.filter((a) => a.source === 'review').map((a) => a.id).sort());
    expect(new Set(reviewed.map((a) => a.action!.id)).size).toBe(2);
    const ann = await everyAnswer({ person: 'ann ex' });
    expect(ann.map((a) => a.id)).toContain(answer.id);
    expect(ann.every((a) => a.personA?.name === 'Ann Example' || a.personB?.name === 'Ann Example')).toBe(true);
    const today = new Date().toISOString().slice(0, 10);
    expect(await everyAnswer({ from: today, to: today })).toHaveLength(all.length);
    expect(await everyAnswer({ to: '2000-01-01' })).toHaveLength(0);
    expect((await err('answers.list', { from: '2026-13' })).code).toBe('invalid_params');
    expect((await err('answers.list', { from: '2026-12-02', to: '2026-12-01' })).message).toBe('The first day comes after the last one');
    expect((await err('answers.list', { limit: 1000 })).code).toBe('invalid_params');
  });

  it('takes back an early "different" answer: the face goes back, every later decision stays', async () => {
    const beforeLabels = labels();
    const beforePlaces = placements();
    const beforeNames = names();
    // The answer is stored as the face's pairs with the person's faces: they go together.
    const pairs = (await everyAnswer()).filter((a) => a.action?.id === split.answer.action!.id);
    expect(pairs.length).toBeGreaterThan(1);
    expect(pairs.every((a) => a.faceA === split.movedFace || a.faceB === split.movedFace)).toBe(true);
    const { effect } = await ok('answers.undo', { answerId: split.answer.id });
    expect(effect).toBe(`The face is back in Ann Example. The ${pairs.length - 1} other pair${pairs.length === 2 ? '' : 's'} of that face written with it ${pairs.length === 2 ? 'was' : 'were'} taken back too.`);
    const gone = new Set(pairs.map((a) => `${a.faceA}-${a.faceB}:false`));
    expect(labels()).toEqual(beforeLabels.filter((l) => !gone.has(l)));
    expect(app.faces.find(split.movedFace)!.personId).toBe(split.from);
    // Every other face where it was: the merge, "not this person" and the other answer all stand.
    const after = placements();
    for (const [id, where] of beforePlaces) if (id !== split.movedFace) expect([id, after.get(id)]).toEqual([id, where]);
    expect(names().filter((n) => !n.startsWith('Ann Example:'))).toEqual(beforeNames.filter((n) => !n.startsWith('Ann Example:')));
    expect((await err('answers.undo', { answerId: split.answer.id })).code).toBe('not_found');
  });

  it('says what stays where taking back is not safe: a merge, a face a later answer keeps out', async () => {
    const merged = (await everyAnswer({ source: 'merge' }))[0]!;
    const beforeMerge = placements();
    const m = await ok('answers.undo', { answerId: merged.id });
    expect(m.effect).toMatch(/^The merge it came with stays \(merged .+ into .+\): taking it apart now could undo what you decided since\./);
    expect(m.effect).not.toMatch(/#\d/);
    expect(placements()).toEqual(beforeMerge);

    // A later review answer says the face taken out is not that person either.
    const stillThere = app.faces.listForPerson(rejectedFrom.person).find((f) => f.id !== rejectedFrom.face)!;
    await ok('review.answer', { faceA: rejectedFrom.face, faceB: stillThere.id, answer: 'different' });
    const beforeReject = placements();
    const stillRejected = await everyAnswer({ source: 'not-this-person' });
    const r = await ok('answers.undo', { answerId: stillRejected[0]!.id });
    const apartFrom = app.edits.summary(rejectedFrom.person).name ?? 'an unnamed person';
    expect(r.effect.startsWith(`The face stays apart from ${apartFrom}: another answer still says they are different people.`)).toBe(true);
    expect(app.faces.find(rejectedFrom.face)!.personId).not.toBe(rejectedFrom.person);
    expect(placements()).toEqual(beforeReject);
    expect(await everyAnswer({ source: 'not-this-person' })).toEqual([]);
  });

  it('Undo puts taken-back answers back, the face where the answer had put it', async () => {
    const labelsNow = labels().length;
    const recent = (await ok('actions.list', { limit: 4 })).actions;
    expect(recent.map((a) => a.kind)).toEqual(['unanswer', 'review.different', 'unanswer', 'unanswer']);
    for (const a of recent) expect((await ok('actions.undo', { actionId: a.id })).undone?.id).toBe(a.id);
    expect(labels().length).toBeGreaterThan(labelsNow);
    expect(labels()).toContain(`${split.answer.faceA}-${split.answer.faceB}:false`);
    const back = app.faces.find(split.movedFace)!;
    expect(back.personId).not.toBe(split.from);
    expect(app.faces.listForPerson(back.personId!).map((f) => f.id)).toEqual([split.movedFace]);
  });
});
