import { createHash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import type { TrainingPair } from '../../../src-main/core/learning/label-import.js';
import { Rng } from '../../../src-main/core/ml/rng.js';
import { sampleExtraPairs, splitExtraPairs } from '../../../src-main/core/training/seed/extra-labels.js';

const crop = (s: string): string => createHash('sha256').update(s).digest('hex');

/** 12 people of one library, 4 faces each: "same" answers along each person, a few "different" ones between neighbours. */
function library(withPeople: boolean): TrainingPair[] {
  const pairs: TrainingPair[] = [];
  const face = (p: number, f: number): string => crop(`${p}/${f}`);
  const pair = (a: [number, number], b: [number, number], same: boolean): TrainingPair => {
    const [x, y] = [face(...a), face(...b)];
    const [ia, ib] = withPeople ? [`lib:p${a[0]}`, `lib:p${b[0]}`] : [null, null];
    return x < y ? { a: x, b: y, same, kind: 'answer', weight: 1, identityA: ia, identityB: ib, sources: [{ import: 1, source: 'review', labelledAt: null }] } : { a: y, b: x, same, kind: 'answer', weight: 1, identityA: ib, identityB: ia, sources: [{ import: 1, source: 'review', labelledAt: null }] };
  };
  for (let p = 0; p < 12; p++) {
    for (let f = 1; f < 4; f++) pairs.push(pair([p, 0], [p, f], true));
    if (p % 3 === 0) pairs.push(pair([p, 1], [p + 1, 2], false));
  }
  return pairs;
}

describe('the split of imported labels', () => {
  it('puts no crop and no person on both sides, and is the same on every run', () => {
    const pairs = library(true);
    const s = splitExtraPairs(pairs);
    expect(s.splitBy).toBe('identity');
    expect(s.heldOut.length).toBeGreaterThan(0);
    expect(s.fit.length).toBeGreaterThan(0);
    const side = (part: TrainingPair[]): Set<string> => new Set(part.flatMap((p) => [p.a, p.b, p.identityA!, p.identityB!]));
    const fit = side(s.fit), held = side(s.heldOut);
    expect([...held].filter((x) => fit.has(x))).toEqual([]);
    expect(s.fit.length + s.heldOut.length + s.dropped).toBe(pairs.length);
    expect(s.heldOutUnits.length).toBeGreaterThanOrEqual(2);
    expect(splitExtraPairs(pairs)).toEqual(s);
  });

  it('without people in the export, splits by crops linked by "same" answers', () => {
    const s = splitExtraPairs(library(false));
    expect(s.splitBy).toBe('crop');
    const crops = (part: TrainingPair[]): Set<string> => new Set(part.flatMap((p) => [p.a, p.b]));
    const fit = crops(s.fit);
    expect([...crops(s.heldOut)].filter((c) => fit.has(c))).toEqual([]);
    expect(s.fitUnits).toEqual([]);
  });

  it('draws half "same" and half "different" pairs, across two people when the answers hold too few', () => {
    const fit = [{ a: 0, b: 1, same: true, weight: 1 }];
    const pairs = sampleExtraPairs({ fit, fitUnits: [[0, 1], [2, 3]] }, new Rng(3), 40, 100);
    expect(pairs.filter((p) => p[2])).toHaveLength(20);
    for (const [a, b, same] of pairs) {
      expect(a.person).toBe(-1);
      if (!same) expect(Math.floor((a.i - 100) / 2)).not.toBe(Math.floor((b.i - 100) / 2));
    }
  });
});
