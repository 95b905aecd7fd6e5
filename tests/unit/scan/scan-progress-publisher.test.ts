import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScanProgressEnd, ScanProgressPoint, ScanProgressRepository } from '../../../src-main/core/db/scan-progress.repository.js';
import { PUBLISH_EVERY_MS, ScanProgressPublisher } from '../../../src-main/core/scan/scan-progress-publisher.js';

// The scan's progress as other processes' windows read it: a few writes a second at most,
// each stage's first and last point at once, the last point of a burst written after it,
// photos counted over the whole library, and a failing write never in the scan's way.

let writes: Array<ScanProgressPoint | ScanProgressEnd | 'begin'>;
let failing: boolean;
const repo = {
  begin: () => writes.push('begin'),
  update: (p: ScanProgressPoint) => {
    if (failing) throw new Error('SQLITE_BUSY: database is locked');
    writes.push({ ...p });
  },
  end: (e: ScanProgressEnd) => writes.push(e),
} as unknown as ScanProgressRepository;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  writes = [];
  failing = false;
});
afterEach(() => vi.useRealTimers());

const analyze = (done: number, total: number) => ({ stage: 'analyze' as const, done, total, faces: done * 2, errors: 0 });

describe('ScanProgressPublisher', () => {
  it('writes a stage at once, a burst of points once, and the burst\'s last point after the interval', () => {
    const p = new ScanProgressPublisher(repo, () => 40);
    p.begin();
    p.onEvent({ stage: 'index', done: 0, total: 0 });
    for (let i = 0; i < 20; i++) p.onEvent({ stage: 'index', done: i, total: 50 });
    // The first point of the stage and the moment the index was complete (0 of 0).
    expect(writes).toEqual(['begin', { stage: 'index', done: 0, total: 0, faces: 0, errors: 0 }]);
    vi.advanceTimersByTime(PUBLISH_EVERY_MS);
    expect(writes.at(-1)).toEqual({ stage: 'index', done: 19, total: 50, faces: 0, errors: 0 });
    expect(writes).toHaveLength(3);

    // Analysis counts the whole library: 40 photos read before, this scan's first at 0.
    p.onEvent(analyze(0, 10));
    p.onEvent(analyze(4, 10));
    p.onEvent(analyze(10, 10));
    expect(writes.slice(3)).toEqual([
      { stage: 'analyze', done: 40, total: 50, faces: 0, errors: 0 },
      { stage: 'analyze', done: 50, total: 50, faces: 20, errors: 0 },
    ]);
    p.onEvent({ stage: 'group' });
    p.end({ outcome: 'finished', photos: 50, faces: 20, people: 3, errors: 0, seconds: 1, message: null });
    expect(writes.slice(5)).toEqual([
      { stage: 'group', done: 0, total: 0, faces: 20, errors: 0 },
      { outcome: 'finished', photos: 50, faces: 20, people: 3, errors: 0, seconds: 1, message: null },
    ]);
    // Nothing written after the end.
    vi.advanceTimersByTime(10 * PUBLISH_EVERY_MS);
    expect(writes).toHaveLength(7);
  });

  it('goes on when a write fails', () => {
    const p = new ScanProgressPublisher(repo, () => 0);
    failing = true;
    expect(() => p.onEvent(analyze(0, 3))).not.toThrow();
    failing = false;
    p.onEvent(analyze(3, 3));
    expect(writes).toEqual([{ stage: 'analyze', done: 3, total: 3, faces: 6, errors: 0 }]);
  });
});
