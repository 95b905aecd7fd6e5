/**
 * `learn` on libraries it cannot learn from: one with no answers at all, and one whose answers
 * are about faces no longer in the library (a photo gone, a face a re-analysis did not find
 * again): those answers are left out and counted in the message, on the command line and
 * through the API.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createApiHost } from '../../src-main/core/api/api-host.js';
import { createApp } from '../../src-main/core/app.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/paths.js';

const work = tempDir('learning-bad-input');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A library of `photos` photos with two faces each, in the given statuses; returns the face ids per photo. */
function library(file: string, statuses: Array<'done' | 'gone'>): number[][] {
  const app = createApp({ dbFile: file });
  try {
    const now = new Date().toISOString();
    const photo = app.db.prepare(`INSERT INTO photos (path, size, mtime_ms, content_hash, status, added_at, updated_at, width, height) VALUES (?, 1, 1, ?, ?, ?, ?, 100, 100)`);
    const face = app.db.prepare(
      `INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at) VALUES (?, ?, 0, 0, 10, 10, 0.9, 0, x'00', 'c.jpg', 'a.jpg', ?)`,
    );
    return statuses.map((status, i) => {
      const photoId = Number(photo.run(`/photos/${i}.jpg`, `hash${i}`, status, now, now).lastInsertRowid);
      return [0, 1].map((idx) => Number(face.run(photoId, idx, now).lastInsertRowid));
    });
  } finally {
    app.close();
  }
}

describe('learn on a library it cannot learn from', () => {
  it('no answers at all: a clear refusal, no version', () => {
    const file = path.join(work, 'empty.db');
    library(file, []);
    const r = runCli(['learn', '--db', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('facepair: Learning needs at least 20 "same" and 20 "different" answers; this library has 0 and 0. Answer more pairs in Review.\n');
    expect(runCli(['learn', '--list', '--db', file]).stdout).toMatch(/No learned version yet/);
  });

  it('answers about faces no longer in the library: left out, and counted in the message', async () => {
    const file = path.join(work, 'gone.db');
    const [present, gone, lost] = library(file, ['done', 'gone', 'done']);
    const app = createApp({ dbFile: file, mustExist: true });
    try {
      app.db.prepare('UPDATE faces SET lost_at = ? WHERE id = ?').run(new Date().toISOString(), lost![0]!);
      // One answer between present faces; three that touch a face of the gone photo or a lost face.
      app.labels.record(present![0]!, present![1]!, false, 'review.different');
      app.labels.record(present![0]!, gone![0]!, true, 'review.same');
      app.labels.record(gone![0]!, gone![1]!, false, 'review.different');
      app.labels.record(present![1]!, lost![0]!, false, 'reject');
      const message = 'Learning needs at least 20 "same" and 20 "different" answers; this library has 0 and 1. Answer more pairs in Review. 3 answers are about faces no longer in the library and were left out.';

      const host = createApiHost(app, { version: 'test' });
      try {
        expect(await host.call('learning.run', {})).toEqual({ ok: false, error: { code: 'conflict', message } });
        expect(host.learning.running).toBe(false);
      } finally {
        await host.dispose();
      }
      const r = runCli(['learn', '--db', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`facepair: ${message}\n`);
      expect(app.learnedVersions.list()).toEqual([]);
      // Nothing was removed: the answers stay, should the photo come back.
      expect(app.labels.list()).toHaveLength(4);
    } finally {
      app.close();
    }
  });
});
