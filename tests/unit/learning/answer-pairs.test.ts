import { describe, expect, it } from 'vitest';

import { answeredPairs, SAME_PHOTO_WEIGHT, splitByPerson, type FaceFacts } from '../../../src-main/core/learning/answer-pairs.js';

const face = (personId: number | null, assignedBy: FaceFacts['assignedBy'], photoId: number): FaceFacts => ({ personId, assignedBy, photoId });

describe("the pairs a library's answers give", () => {
  const faces = new Map<number, FaceFacts>([
    [1, face(10, 'user', 100)],
    [2, face(10, 'user', 101)],
    [3, face(10, 'auto', 102)],
    [4, face(20, 'auto', 103)],
    [5, face(20, 'auto', 103)], // on the same photo as face 4
    [6, face(30, 'auto', 104)],
    [7, face(30, 'auto', 105)],
  ]);

  it('takes the answers, what they imply, and weak same-photo pairs, but never the automatic grouping', () => {
    const pairs = answeredPairs([{ faceA: 3, faceB: 4, same: false }], faces);
    const find = (a: number, b: number) => pairs.find((p) => p.faceA === a && p.faceB === b);
    expect(find(3, 4)).toMatchObject({ same: false, weight: 1, kind: 'answer' });
    expect(find(1, 2)).toMatchObject({ same: true, kind: 'implied' }); // both placed by the user in person 10
    expect(find(4, 5)).toMatchObject({ same: false, weight: SAME_PHOTO_WEIGHT, kind: 'same-photo' });
    expect(find(1, 3)).toBeUndefined(); // face 3 is in person 10 only because grouping put it there
    expect(find(6, 7)).toBeUndefined();
    expect(pairs).toHaveLength(3);
  });

  it('skips labels of faces that are gone', () => {
    expect(answeredPairs([{ faceA: 3, faceB: 99, same: true }], faces).filter((p) => p.kind === 'answer')).toEqual([]);
  });

  it('splits by person: no person has faces on both sides, and a rerun splits alike', () => {
    const many = new Map<number, FaceFacts>();
    const labels: Array<{ faceA: number; faceB: number; same: boolean }> = [];
    for (let p = 0; p < 60; p++) {
      for (let k = 0; k < 3; k++) many.set(p * 10 + k, face(p, 'auto', p * 10 + k));
      labels.push({ faceA: p * 10, faceB: p * 10 + 1, same: true }, { faceA: p * 10 + 2, faceB: ((p + 1) % 60) * 10, same: false });
    }
    const pairs = answeredPairs(labels, many);
    const split = splitByPerson(pairs, many);
    const personOf = (f: number): number => many.get(f)!.personId!;
    const side = new Map<number, string>();
    for (const [name, part] of [['fit', split.fit], ['held-out', split.heldOut]] as const) {
      for (const p of part) {
        for (const f of [p.faceA, p.faceB]) {
          expect(side.get(personOf(f)) ?? name).toBe(name);
          side.set(personOf(f), name);
        }
      }
    }
    expect(split.fit.length).toBeGreaterThan(split.heldOut.length);
    expect(split.heldOut.length).toBeGreaterThan(0);
    expect(splitByPerson(pairs, many)).toEqual(split);
  });
});
