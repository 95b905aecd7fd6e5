import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { migrate } from '../../../src-main/core/db/database.js';
import { MIGRATIONS } from '../../../src-main/core/db/migrations.js';
import { tempDir } from '../../support/paths.js';

describe('migration 16: embeddings keyed by (model, face)', () => {
  it('keeps every vector, reads one model in face order from its key, and still cascades', () => {
    const db = new Database(path.join(tempDir('embeddings-by-model'), 'old.db'));
    db.pragma('foreign_keys = ON');
    migrate(db, MIGRATIONS.filter((m) => m.version < 16));
    const now = new Date().toISOString();
    const photo = Number(
      db.prepare("INSERT INTO photos (path, size, mtime_ms, content_hash, status, added_at, updated_at) VALUES ('/a.jpg', 1, 0, 'h', 'done', ?, ?)").run(now, now).lastInsertRowid,
    );
    const face = db.prepare(
      "INSERT INTO faces (photo_id, idx, x, y, w, h, score, shape_error, landmarks, crop_file, aligned_file, created_at) VALUES (?, ?, 0, 0, 1, 1, 1, 0, x'00', 'c', 'a', ?)",
    );
    const faces = [0, 1, 2].map((i) => Number(face.run(photo, i, now).lastInsertRowid));
    const model = db.prepare("INSERT INTO models (key, kind, dims, created_at) VALUES (?, ?, 1, ?)");
    const [m1, m2] = [Number(model.run('d', 'descriptor', now).lastInsertRowid), Number(model.run('s', 'extractor', now).lastInsertRowid)];
    const put = db.prepare('INSERT INTO embeddings (face_id, model_id, vector) VALUES (?, ?, ?)');
    for (const f of faces) for (const m of [m1, m2]) put.run(f, m, Buffer.from([f, m]));
    const before = db.prepare('SELECT face_id, model_id, vector FROM embeddings ORDER BY face_id, model_id').all();

    migrate(db, MIGRATIONS);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.prepare('SELECT face_id, model_id, vector FROM embeddings ORDER BY face_id, model_id').all()).toEqual(before);
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT face_id, vector FROM embeddings WHERE model_id = ? ORDER BY face_id').all(m1) as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join(' ')).toMatch(/PRIMARY KEY \(model_id=\?\)/);
    expect(plan.map((r) => r.detail).join(' ')).not.toMatch(/TEMP B-TREE/);
    db.prepare('DELETE FROM faces WHERE id = ?').run(faces[1]);
    expect(db.prepare('SELECT count(*) AS n FROM embeddings WHERE face_id = ?').get(faces[1])).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM embeddings').get()).toEqual({ n: 4 });
    db.close();
  });
});
