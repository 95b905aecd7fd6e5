export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// Numbered, append-only. Each runs in one transaction that also sets PRAGMA user_version.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'library, faces, embeddings, people, labels',
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        content_hash TEXT NOT NULL,
        format TEXT,
        width INTEGER,
        height INTEGER,
        taken_at TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'error', 'gone')),
        error TEXT,
        analyzer_version INTEGER,
        added_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX photos_by_hash ON photos(content_hash);
      CREATE INDEX photos_by_status ON photos(status);

      CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        name TEXT,
        hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
        cover_face_id INTEGER REFERENCES faces(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE faces (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        x REAL NOT NULL,
        y REAL NOT NULL,
        w REAL NOT NULL,
        h REAL NOT NULL,
        score REAL NOT NULL,
        shape_error REAL NOT NULL,
        landmarks BLOB NOT NULL,
        crop_file TEXT NOT NULL,
        aligned_file TEXT NOT NULL,
        person_id INTEGER REFERENCES people(id) ON DELETE SET NULL,
        assigned_by TEXT CHECK (assigned_by IN ('auto', 'user')),
        created_at TEXT NOT NULL,
        UNIQUE (photo_id, idx)
      ) STRICT;
      CREATE INDEX faces_by_person ON faces(person_id);

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('descriptor', 'extractor', 'pair-head')),
        dims INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE embeddings (
        face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        vector BLOB NOT NULL,
        PRIMARY KEY (face_id, model_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX embeddings_by_model ON embeddings(model_id);

      -- Every user decision about a pair of faces: the training set and a hard constraint.
      CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        face_a INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        face_b INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        same INTEGER NOT NULL CHECK (same IN (0, 1)),
        source TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK (face_a < face_b),
        UNIQUE (face_a, face_b)
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'action log for undo; labels know the action that wrote them',
    sql: `
      -- The user's edits, newest last: what the window's undo reverses. \`payload\` is JSON that
      -- holds the state before the action (people, face assignments, overwritten labels).
      CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL,
        undone_at TEXT
      ) STRICT;
      CREATE INDEX actions_open ON actions(undone_at, id);

      ALTER TABLE labels ADD COLUMN action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL;
      CREATE INDEX labels_by_action ON labels(action_id);
      CREATE INDEX labels_by_face_b ON labels(face_b);
    `,
  },
  {
    version: 3,
    name: 'versions of the recognition learned from this library\'s answers',
    sql: `
      -- Each run of \`facepair learn\`: what it fitted and how it measured (JSON in \`record\`).
      -- At most one is active; none active means the shipped model as it is.
      CREATE TABLE learned_versions (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        base_model TEXT NOT NULL,
        promoted INTEGER NOT NULL CHECK (promoted IN (0, 1)),
        active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
        record TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX learned_versions_one_active ON learned_versions(active) WHERE active = 1;
    `,
  },
  {
    version: 4,
    name: 'faces with user decisions that a re-analysis did not find again are kept, marked lost',
    sql: `
      -- When a re-analysis of the face's photo no longer found it; NULL for a face found now.
      -- A lost face keeps its person and labels but takes no part in grouping, review or counts.
      ALTER TABLE faces ADD COLUMN lost_at TEXT;
    `,
  },
  {
    version: 9,
    name: 'faces the user said are not faces',
    sql: `
      -- When the user said this detection is not a face ("Not a face"); NULL for a face. Such a
      -- face leaves its person and takes no part in grouping, review or counts; a re-analysis of
      -- its photo keeps the mark (the new face takes over its row). The marked rows, with their
      -- crops, are the labelled negatives of a face/non-face check.
      ALTER TABLE faces ADD COLUMN not_face_at TEXT;
      CREATE INDEX faces_not_face ON faces(not_face_at) WHERE not_face_at IS NOT NULL;
    `,
  },
];
