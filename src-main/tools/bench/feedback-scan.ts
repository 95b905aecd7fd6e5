// The scan a simulated user plays on: an existing scan copied (never changed), or the folder scanned.
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';

import { createApp } from '../../core/app.js';
import { cacheDirFor } from '../../core/paths.js';

/** A consistent copy of a scan (write-ahead log included), made through a read-only connection: the scan is never changed. */
export async function copyDatabase(from: string, to: string): Promise<void> {
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    await db.backup(to);
  } finally {
    db.close();
  }
}

/**
 * A copy of `db` (or a new scan of `folder` when none) in `work`, as the installed model sees it:
 * faces without its seed embedding (a scan made before the seed model changed) are embedded from
 * the scan's own face crops, as the app's next scan would do, so the figures are the installed
 * recognition's, not a fallback's. Returns the prepared copy's path.
 */
export async function prepareScan(folder: string, db: string | undefined, work: string, log: (line: string) => void): Promise<string> {
  const scanned = db ? path.resolve(db) : path.join(work, 'scan.db');
  if (!db) {
    log(`scanning ${folder} …`);
    const app = createApp({ dbFile: scanned });
    try {
      await app.scanner.scan(folder);
    } finally {
      app.close();
    }
  } else if (!existsSync(scanned)) {
    throw new Error(`${scanned} does not exist`);
  }
  const prepared = path.join(work, 'prepared.db');
  await copyDatabase(scanned, prepared);
  const crops = path.join(cacheDirFor(scanned), 'faces');
  if (existsSync(crops)) {
    mkdirSync(cacheDirFor(prepared), { recursive: true });
    symlinkSync(crops, path.join(cacheDirFor(prepared), 'faces'), 'dir');
  }
  const preparing = createApp({ dbFile: prepared, mustExist: true });
  try {
    const embedded = await preparing.seedEmbedding.embedPending();
    if (embedded.embedded + embedded.failed > 0) log(`embedded ${embedded.embedded} faces with the installed seed model (${embedded.model}) in the copy${embedded.failed > 0 ? `; ${embedded.failed} without a face crop keep none` : ''}`);
  } finally {
    await preparing.seedEmbedding.dispose();
    preparing.close();
  }
  return prepared;
}

/** Runs `use` with a scratch folder holding the prepared scan (see prepareScan) and a log to stderr; the folder is removed after. */
export async function withPreparedScan<T>(
  name: string,
  folder: string,
  db: string | undefined,
  use: (prepared: string, work: string, log: (line: string) => void) => Promise<T>,
): Promise<T> {
  const work = mkdtempSync(path.join(os.tmpdir(), `facepair-${name}-`));
  const log = (line: string): void => {
    process.stderr.write(line + '\n');
  };
  try {
    return await use(await prepareScan(folder, db, work, log), work, log);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
