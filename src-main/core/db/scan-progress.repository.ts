import type Database from 'better-sqlite3';
import os from 'node:os';
import { commandLine } from './library-lock.js';
import type { Db } from './database.js';

export type ScanProgressStage = 'index' | 'analyze' | 'embed' | 'group';

/** Where a scan is: its stage, and the stage's count of items (files checked, photos read, faces embedded). */
export interface ScanProgressPoint {
  stage: ScanProgressStage;
  done: number;
  total: number;
  faces: number;
  errors: number;
}

/** How a scan ended, with the library's totals then. */
export interface ScanProgressEnd {
  outcome: 'finished' | 'cancelled' | 'failed';
  photos: number;
  faces: number;
  people: number;
  errors: number;
  seconds: number;
  message: string | null;
}

/** The latest scan of the library, by any process, as it published itself. */
export interface ScanProgressRow extends ScanProgressPoint {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
  updatedAt: string;
  /** Null while it runs (or when its process was killed: then it no longer holds the lock). */
  end: (ScanProgressEnd & { finishedAt: string }) | null;
}

type Row = {
  pid: number;
  host: string;
  command: string;
  started_at: string;
  updated_at: string;
  stage: string | null;
  done: number;
  total: number;
  faces: number;
  errors: number;
  finished_at: string | null;
  outcome: string | null;
  photos_total: number | null;
  faces_total: number | null;
  people_total: number | null;
  errors_total: number | null;
  seconds: number | null;
  message: string | null;
};

const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
const STAGES = new Set<string>(['index', 'analyze', 'embed', 'group']);
const OUTCOMES = new Set<string>(['finished', 'cancelled', 'failed']);

/**
 * The scan_progress row (migration 13): the scanning process writes its progress there, each
 * write one short statement, so that other processes (a window open while the command line
 * scans) can show it; they only read it.
 */
export class ScanProgressRepository {
  private readonly db: Db;
  private statements?: Record<'begin' | 'update' | 'end', Database.Statement<unknown[]>> & { select: Database.Statement<[], Row> };

  constructor(db: Db) {
    this.db = db;
  }

  /** Prepared on first use: a read-only library of an older schema has no such table and is simply never scanned. */
  private get stmts(): NonNullable<ScanProgressRepository['statements']> {
    this.statements ??= {
      begin: this.db.prepare(
        `INSERT OR REPLACE INTO scan_progress (id, pid, host, command, started_at, updated_at, stage, done, total, faces, errors)
         VALUES (1, ?, ?, ?, ${NOW}, ${NOW}, 'index', 0, 0, 0, 0)`,
      ),
      update: this.db.prepare(
        `UPDATE scan_progress SET stage = ?, done = ?, total = ?, faces = ?, errors = ?, updated_at = ${NOW}
         WHERE id = 1 AND pid = ? AND host = ? AND finished_at IS NULL`,
      ),
      end: this.db.prepare(
        `UPDATE scan_progress SET stage = NULL, finished_at = ${NOW}, updated_at = ${NOW}, outcome = ?, photos_total = ?, faces_total = ?,
           people_total = ?, errors_total = ?, seconds = ?, message = ?
         WHERE id = 1 AND pid = ? AND host = ? AND finished_at IS NULL`,
      ),
      select: this.db.prepare<[], Row>(
        `SELECT pid, host, command, started_at, updated_at, stage, done, total, faces, errors, finished_at, outcome,
                photos_total, faces_total, people_total, errors_total, seconds, message
         FROM scan_progress WHERE id = 1`,
      ),
    };
    return this.statements;
  }

  /** This process starts a scan (it holds the library lock): the row is its own from now on. */
  begin(): void {
    this.stmts.begin.run(process.pid, os.hostname(), commandLine());
  }

  update(p: ScanProgressPoint): void {
    this.stmts.update.run(p.stage, p.done, p.total, p.faces, p.errors, process.pid, os.hostname());
  }

  end(e: ScanProgressEnd): void {
    this.stmts.end.run(e.outcome, e.photos, e.faces, e.people, e.errors, e.seconds, e.message, process.pid, os.hostname());
  }

  /** The latest scan's row; null when none was ever published (or the schema predates it). */
  read(): ScanProgressRow | null {
    let r: Row | undefined;
    try {
      r = this.stmts.select.get();
    } catch {
      return null;
    }
    if (!r) return null;
    const finished = r.finished_at !== null && r.outcome !== null && OUTCOMES.has(r.outcome);
    return {
      pid: r.pid,
      host: r.host,
      command: r.command,
      startedAt: r.started_at,
      updatedAt: r.updated_at,
      stage: r.stage !== null && STAGES.has(r.stage) ? (r.stage as ScanProgressStage) : 'index',
      done: r.done,
      total: r.total,
      faces: r.faces,
      errors: r.errors,
      end: finished
        ? {
            finishedAt: r.finished_at!,
            outcome: r.outcome as ScanProgressEnd['outcome'],
            photos: r.photos_total ?? 0,
            faces: r.faces_total ?? 0,
            people: r.people_total ?? 0,
            errors: r.errors_total ?? 0,
            seconds: r.seconds ?? 0,
            message: r.message,
          }
        : null,
    };
  }
}
