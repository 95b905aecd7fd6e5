import { describe, expect, it } from 'vitest';
import type { LearnedVersionInfo } from '../../../src-main/core/contract/api.js';
import { figuresSentence, plainReason, technicalFigures } from '../../../src-renderer/src/lib/recognition-text.js';

// The Recognition screen's figures as a home user reads them: in words, the AUC named only in
// the maintainer's tooltip, and reasons recorded before they were worded so put into words too.

function version(auc: { before: number | null; after: number | null }, reason: string): LearnedVersionInfo {
  const figures = (x: number | null, falseMerges: number, missedMerges: number) => ({ auc: x, falseMerges, missedMerges });
  return {
    id: 3,
    createdAt: '2025-01-01T00:00:00Z',
    promoted: true,
    active: true,
    usable: true,
    reason,
    labels: { same: 30, different: 30, implied: 4, people: 9, fit: 40, heldOut: 20, ignored: 0 },
    before: { ...figures(auc.before, 2, 9), version: null, linkage: 0.5 },
    after: { ...figures(auc.after, 1, 5), linkage: 0.52 },
    roc: null,
  } as LearnedVersionInfo;
}

describe('the Recognition figures in words', () => {
  it('says how well it tells people apart out of 1, never "AUC"; the tooltip keeps the technical names', () => {
    const v = version({ before: 0.9621, after: 0.9713 }, 'Used: …');
    const words = figuresSentence(v);
    expect(words).toBe(
      'Checked on 20 answered pairs set aside: how well it tells people apart 0.962 → 0.971 out of 1; different people put together 2 → 1; pairs of one person left apart 9 → 5',
    );
    expect(words).not.toMatch(/AUC|NaN|Infinity|undefined/);
    expect(technicalFigures(v)).toMatch(/ROC AUC 0\.962 → 0\.971; false merges 2 → 1; missed merges 9 → 5/);
  });

  it('shows an unknown figure as a dash, not NaN', () => {
    expect(figuresSentence(version({ before: null, after: 0.5 }, ''))).toMatch(/apart – → 0\.500 out of 1/);
  });

  it('words a reason recorded with "AUC" before the wording changed, and leaves a worded one as it is', () => {
    expect(plainReason('Used: on the answers set aside for checking it ranks pairs at least as well (AUC 0.971 against 0.962), keeps 4 more pairs of one person together.')).toBe(
      'Used: on the answers set aside for checking it tells people apart at least as well (0.971 out of 1, against 0.962), keeps 4 more pairs of one person together.',
    );
    expect(plainReason('Not used: on the answers set aside for checking it ranks pairs worse than the current recognition (AUC 0.950 against 0.962).')).not.toMatch(/AUC|ranks pairs/);
    const worded = 'Not used: it gives nearly every pair set aside for checking the same score, so it cannot tell them apart.';
    expect(plainReason(worded)).toBe(worded);
  });
});
