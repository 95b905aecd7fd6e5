import { describe, expect, it } from 'vitest';

import type { ActionRow, ActionsRepository } from '../../../src-main/core/db/actions.repository.js';
import { reviewGroupAnswers } from '../../../src-main/core/learning/group-answers.js';

const row = (id: number, kind: string, payload: string): ActionRow => ({ id, kind, summary: '', payload, created_at: '', undone_at: null });

describe('the review answers about two people, as learning reads them', () => {
  it("reads each answer's pair and its groups as asked, and skips answers without them or with a damaged record", () => {
    const rows: Record<string, ActionRow[]> = {
      'review.same': [
        row(1, 'review.same', JSON.stringify({ pair: [3, 9], groups: { rms: 0.52, sizes: [4, 1] } })),
        row(2, 'review.same', JSON.stringify({ pair: [5, 6] })), // about two faces of one person, or recorded before groups were
        row(3, 'review.same', '{not json'),
      ],
      'review.different': [
        row(4, 'review.different', JSON.stringify({ pair: [7, 8], groups: { rms: 0.61, sizes: [2, 3] } })),
        row(5, 'review.different', JSON.stringify({ pair: [7, 8], groups: { rms: -1, sizes: [2, 3] } })),
        row(6, 'review.different', JSON.stringify({ pair: [7], groups: { rms: 0.6, sizes: [2, 3] } })),
      ],
    };
    const actions = { listOpenOfKind: (kind: string) => rows[kind] ?? [] } as unknown as ActionsRepository;
    expect(reviewGroupAnswers(actions)).toEqual([
      { pair: [3, 9], same: true, rms: 0.52, sizes: [4, 1] },
      { pair: [7, 8], same: false, rms: 0.61, sizes: [2, 3] },
    ]);
  });
});
