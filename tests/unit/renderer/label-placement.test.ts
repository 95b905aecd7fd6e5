import { describe, expect, it } from 'vitest';
import { overlaps, placeLabels, type LabelRequest, type Rect } from '../../../src-renderer/src/lib/label-placement.js';
import { rng } from '../../support/seed-library.js';

// Name labels on a photo: none covers another label or a face, the important ones get room first.

const label = (face: Rect, priority = 1, width = 60): LabelRequest => ({ face, width, height: 18, priority });

function checkFree(requests: readonly LabelRequest[], spots: ReadonlyArray<Rect | null>, container: { width: number; height: number }): void {
  const placed = spots.filter((s): s is Rect => s !== null);
  for (const [i, a] of placed.entries()) {
    expect(a.x).toBeGreaterThanOrEqual(0);
    expect(a.y).toBeGreaterThanOrEqual(0);
    expect(a.x + a.w).toBeLessThanOrEqual(container.width);
    expect(a.y + a.h).toBeLessThanOrEqual(container.height);
    for (const b of placed.slice(i + 1)) expect(overlaps(a, b)).toBe(false);
    for (const r of requests) expect(overlaps(a, r.face)).toBe(false);
  }
}

describe('label placement', () => {
  it('puts a lone face’s label just below it, centred', () => {
    const [spot] = placeLabels([label({ x: 100, y: 50, w: 40, h: 40 })], { width: 400, height: 300 });
    expect(spot).toEqual({ x: 90, y: 93, w: 60, h: 18 });
  });

  it('moves a label above its face when the one below is taken by a face', () => {
    const reqs = [label({ x: 100, y: 100, w: 40, h: 40 }), label({ x: 95, y: 142, w: 50, h: 50 }, 0)];
    const [first] = placeLabels(reqs, { width: 400, height: 400 });
    expect(first!.y + first!.h).toBeLessThanOrEqual(100);
  });

  it('never overlaps on a crowded photo, and gives named faces room before unnamed ones', () => {
    const rand = rng(7);
    const container = { width: 800, height: 500 };
    // A group photo: 30 faces in three rows, shoulder to shoulder.
    const requests: LabelRequest[] = Array.from({ length: 30 }, (_, i) => {
      const row = Math.floor(i / 10);
      return label({ x: 20 + (i % 10) * 78 + rand() * 6, y: 60 + row * 140 + rand() * 10, w: 56, h: 64 }, i % 7 === 0 ? 2 : 1, 55 + Math.floor(rand() * 30));
    });
    const spots = placeLabels(requests, container);
    checkFree(requests, spots, container);
    requests.forEach((r, i) => {
      if (r.priority === 2) expect(spots[i], `named face ${i}`).not.toBeNull();
    });
    expect(spots.filter((s) => s !== null).length).toBeGreaterThan(10);
  });
});
