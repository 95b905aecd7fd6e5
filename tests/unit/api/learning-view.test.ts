import { describe, expect, it } from 'vitest';

import { blockedBecause, countAnswers, versionInfo } from '../../../src-main/core/api/learning-view.js';
import { learnedVersion } from '../../../src-main/core/contract/api.js';
import type { LearnedVersion } from '../../../src-main/core/db/learned-versions.repository.js';

const version = (over: Partial<LearnedVersion> = {}): LearnedVersion => ({
  id: 3,
  createdAt: '2025-01-02T03:04:05.000Z',
  baseModel: 'seed-v6',
  promoted: true,
  active: true,
  record: {
    head: { mean: [0, 0, 0], std: [1, 1, 1], weights: [-1, -1, 1], bias: 0 },
    linkage: 0.55,
    labels: { same: 30, different: 25, implied: 4, people: 9, fit: 40, heldOut: 15 },
    before: { auc: 0.9, falseMerges: 2, missedMerges: 5, version: null, linkage: 0.51 },
    after: { auc: 0.95, falseMerges: 1, missedMerges: 3 },
    reason: 'Used: …',
  },
  ...over,
});

describe("the Recognition screen's view of learning", () => {
  it('counts answers by kind and by where they were given', () => {
    const answers = countAnswers([
      { source: 'merge', same: true, count: 40 },
      { source: 'reject', same: false, count: 20 },
      { source: 'review.different', same: false, count: 7 },
      { source: 'review.same', same: true, count: 9 },
    ]);
    expect(answers).toEqual({
      same: 49,
      different: 27,
      bySource: [
        { source: 'review', same: 9, different: 7 },
        { source: 'merge', same: 40, different: 0 },
        { source: 'not-this-person', same: 0, different: 20 },
      ],
    });
    expect(countAnswers([])).toEqual({ same: 0, different: 0, bySource: [] });
  });

  it('says in one sentence why learning cannot run, and nothing when it can', () => {
    expect(blockedBecause({ same: 31, different: 27 }, 'seed-v6', false, false)).toBeNull();
    expect(blockedBecause({ same: 31, different: 12 }, 'seed-v6', false, false)).toBe(
      'Learning needs at least 20 "same" and 20 "different" answers: answer 8 more "different" in Review.',
    );
    expect(blockedBecause({ same: 0, different: 0 }, 'seed-v6', false, false)).toMatch(/answer 20 more "same" and 20 more "different" in Review/);
    expect(blockedBecause({ same: 31, different: 27 }, null, false, false)).toMatch(/no trained pair model/);
    expect(blockedBecause({ same: 31, different: 27 }, 'seed-v6', true, false)).toMatch(/Wait for the scan/);
    expect(blockedBecause({ same: 31, different: 27 }, 'seed-v6', false, true)).toMatch(/being improved/);
  });

  it("gives a version in the contract's shape: usable on the installed model, a lost AUC as null, no curves for old records", () => {
    const info = versionInfo(version(), 'seed-v6');
    expect(learnedVersion.parse(info)).toEqual(info);
    expect(info).toMatchObject({ id: 3, usable: true, after: { auc: 0.95, linkage: 0.55 }, before: { linkage: 0.51, version: null }, roc: null });
    const old = version({ baseModel: 'seed-v5' });
    (old.record.before as { auc: number | null }).auc = null; // NaN, stored as JSON
    const oldInfo = versionInfo(old, 'seed-v6');
    expect(oldInfo.usable).toBe(false);
    expect(oldInfo.before.auc).toBeNull();
    expect(learnedVersion.parse(oldInfo)).toEqual(oldInfo);
  });
});
