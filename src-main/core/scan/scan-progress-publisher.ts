import type { ScanProgressEnd, ScanProgressPoint, ScanProgressRepository } from '../db/scan-progress.repository.js';
import type { ScanEvent } from './scan-pipeline.js';

/** At most one progress write in this many milliseconds (a stage's first and last point are written at once). */
export const PUBLISH_EVERY_MS = 300;

/**
 * Publishes a running scan's progress into the library (scan_progress) for the windows of
 * other processes: throttled, each write one short statement, and never in the scan's way (a
 * write that fails, e.g. on a busy database, is skipped: the next one says more). Analysis
 * counts the photos of the whole library, as the window's own scan shows them.
 */
export class ScanProgressPublisher {
  private point: ScanProgressPoint = { stage: 'index', done: 0, total: 0, faces: 0, errors: 0 };
  private lastWrite = 0;
  private trailing?: NodeJS.Timeout;
  /** Photos analysed before this scan's analysis (it counts from zero). */
  private offset: number | null = null;

  constructor(
    private readonly repo: ScanProgressRepository,
    /** Photos read or failed so far in the whole library. */
    private readonly analysedCount: () => number,
  ) {}

  begin(): void {
    this.safely(() => this.repo.begin());
    this.lastWrite = performance.now();
  }

  /** The pipeline's event, as the other windows see it. */
  onEvent(e: ScanEvent): void {
    const before = this.point;
    let next: ScanProgressPoint;
    if (e.stage === 'group') next = { ...before, stage: 'group', done: 0, total: 0 };
    else if (e.stage === 'analyze') {
      this.offset ??= this.safely(() => this.analysedCount() - e.done) ?? 0;
      next = { stage: 'analyze', done: this.offset + e.done, total: this.offset + e.total, faces: e.faces, errors: e.errors };
    } else next = { ...before, stage: e.stage, done: e.done, total: e.total };
    this.point = next;
    const now = performance.now();
    if (next.stage !== before.stage || next.done === next.total || now - this.lastWrite >= PUBLISH_EVERY_MS) this.write();
    else this.trailing ??= setTimeout(() => this.write(), PUBLISH_EVERY_MS - (now - this.lastWrite)).unref();
  }

  end(e: ScanProgressEnd): void {
    this.cancelTrailing();
    this.safely(() => this.repo.end(e));
  }

  private write(): void {
    this.cancelTrailing();
    this.lastWrite = performance.now();
    const point = this.point;
    this.safely(() => this.repo.update(point));
  }

  private cancelTrailing(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = undefined;
  }

  private safely<T>(write: () => T): T | null {
    try {
      return write();
    } catch {
      return null;
    }
  }
}
