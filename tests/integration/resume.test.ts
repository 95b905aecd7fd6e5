import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { seedModelExists } from '../../src-main/core/embedding/seed/seed-embedder.js';
import { runCliJson, startCli } from '../support/cli.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

function count(dbFile: string, sql: string): number {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('a scan killed in the middle', () => {
  it('resumes on the next run with nothing duplicated and nothing lost', async () => {
    const db = path.join(tempDir('resume'), 'library.db');
    const child = startCli(['scan', IDENTITIES, '--db', db]);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill it hard once some photos, but not all, are analysed.
    const deadline = Date.now() + 120_000;
    let done = 0;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      try {
        done = count(db, "SELECT count(*) AS n FROM photos WHERE status = 'done'");
      } catch {
        continue; // not created yet
      }
      if (done >= 12) break;
    }
    child.kill('SIGKILL');
    await exited;
    const doneAtKill = count(db, "SELECT count(*) AS n FROM photos WHERE status = 'done'");
    expect(doneAtKill).toBeGreaterThanOrEqual(12);
    expect(doneAtKill).toBeLessThan(61);

    const resumed = runCliJson<{ analysis: { done: number }; photos: number; faces: number }>(['scan', IDENTITIES, '--db', db]);
    // Only what was left is analysed again.
    expect(resumed.analysis.done).toBe(61 - doneAtKill);
    expect(resumed.photos).toBe(61);
    expect(count(db, "SELECT count(*) AS n FROM photos WHERE status = 'done'")).toBe(61);
    expect(count(db, 'SELECT count(*) AS n FROM (SELECT photo_id, idx FROM faces GROUP BY photo_id, idx HAVING count(*) > 1)')).toBe(0);
    expect(count(db, 'SELECT count(*) AS n FROM faces WHERE person_id IS NULL')).toBe(0);
    const faces = count(db, 'SELECT count(*) AS n FROM faces');
    const perKind = (kind: string): number =>
      count(db, `SELECT count(*) AS n FROM embeddings e JOIN models m ON m.id = e.model_id WHERE m.kind = '${kind}'`);
    expect(perKind('descriptor')).toBe(faces);
    // With a trained seed model installed, every face also has its 500-d embedding, once.
    expect(perKind('extractor')).toBe(seedModelExists() ? faces : 0);
  });
});
