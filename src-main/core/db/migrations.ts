import path from 'node:path';

/** The path separator as photo paths were stored on this machine (migration 8 splits paths with it). */
const SEP = path.sep;

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
    version: 5,
    name: 'the library lock: which process runs a long write job (scan, learn) on this library',
    sql: `
      -- At most one row: the holder. A row whose process is gone is stale and is taken over
      -- (taking it is one IMMEDIATE transaction, so two processes never both take it).
      CREATE TABLE library_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        job TEXT NOT NULL,
        token TEXT NOT NULL,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        -- When the holding process started (ms since the epoch; NULL where the system does not
        -- tell): a pid reused by another process since does not hold the lock.
        process_started_ms INTEGER,
        command TEXT NOT NULL,
        taken_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL
      ) STRICT;
      `,
    },
    {
    version: 6,
    name: 'duplicates: fingerprints of the upright pixels, "not duplicates" decisions',
    sql: `
      -- Hashes and a small thumbnail of each analysed photo's upright image (see
      -- analysis/fingerprint.ts); \`dct\` and \`gradient\` are 8 bytes each, big-endian bits.
      CREATE TABLE photo_fingerprints (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        dct BLOB NOT NULL,
        gradient BLOB NOT NULL,
        thumb BLOB NOT NULL,
        colour BLOB NOT NULL
      ) STRICT;

      -- Pairs of photos the user said are not duplicates: never proposed again. By content hash,
      -- so that the decision survives moves, re-scans and a new database of the same files.
      CREATE TABLE duplicate_dismissals (
        hash_a TEXT NOT NULL,
        hash_b TEXT NOT NULL,
        created_at TEXT NOT NULL,
        CHECK (hash_a <= hash_b),
        PRIMARY KEY (hash_a, hash_b)
      ) STRICT, WITHOUT ROWID;
      `,
    },
    {
    version: 7,
    name: 'XMP tags: the sidecars FacePair wrote, and the face regions it read with where each name came from',
    sql: `
      -- Each sidecar \`tags export\` wrote, with the SHA-256 of the file as written: a sidecar whose
      -- bytes differ since was changed by another program and is not overwritten blindly.
      -- \`names\` (JSON) are the names FacePair put there, the values it owns on its next export.
      CREATE TABLE xmp_exports (
        sidecar TEXT PRIMARY KEY,
        photo_id INTEGER REFERENCES photos(id) ON DELETE SET NULL,
        sha256 TEXT NOT NULL,
        names TEXT NOT NULL,
        exported_at TEXT NOT NULL
      ) STRICT;

      -- Every named face region read from a photo's XMP (embedded or a sidecar): the name, where
      -- it came from, its box in pixels of the upright photo, and what the scan did with it.
      -- A region is read once: a later scan never applies it again (the user's later decisions win).
      CREATE TABLE xmp_regions (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        region_key TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        x REAL NOT NULL,
        y REAL NOT NULL,
        w REAL NOT NULL,
        h REAL NOT NULL,
        face_id INTEGER REFERENCES faces(id) ON DELETE SET NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('named', 'already', 'kept-yours', 'unmatched')),
        action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL,
        read_at TEXT NOT NULL,
        UNIQUE (photo_id, region_key)
      ) STRICT;
      CREATE INDEX xmp_regions_by_face ON xmp_regions(face_id);

      -- What each photo's XMP was when last read, so that a scan reads only what changed.
      CREATE TABLE xmp_reads (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        signature TEXT NOT NULL,
        read_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 8,
    name: 'the library is a list of folders; photos outside them are those of removed folders',
    sql: `
      -- The folders the user added, by real path, in the order added. They never nest: adding a
      -- folder that holds listed ones takes their place. A photo whose path lies in none of them
      -- belongs to a removed folder: kept (names, decisions) but marked gone until it is added again.
      CREATE TABLE library_folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at TEXT NOT NULL
      ) STRICT;

      -- The one folder of before becomes the first.
      INSERT INTO library_folders (path, added_at)
        SELECT value, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM meta WHERE key = 'library.folder';
      DELETE FROM meta WHERE key = 'library.folder';

      -- Photos scanned from other folders (command-line scans did not record their folder) stay
      -- reachable: the topmost folders that hold them join the list. A folder refused as a library
      -- (the root, a system folder) is listed but used for nothing until the user removes it.
      INSERT INTO library_folders (path, added_at)
        WITH dirs AS (
          SELECT DISTINCT rtrim(path, replace(path, '${SEP}', '')) AS dir FROM photos WHERE status <> 'gone'
        ),
        outside AS (
          SELECT dir FROM dirs
          WHERE NOT EXISTS (SELECT 1 FROM library_folders f WHERE substr(dirs.dir, 1, length(f.path) + 1) = f.path || '${SEP}')
        )
        SELECT rtrim(o.dir, '${SEP}'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM outside o
        WHERE length(rtrim(o.dir, '${SEP}')) > 0
          AND NOT EXISTS (SELECT 1 FROM outside o2 WHERE o2.dir <> o.dir AND substr(o.dir, 1, length(o2.dir)) = o2.dir)
        ORDER BY 1;
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
  {
    version: 12,
    name: 'photos by date, for the photo browser and `facepair photos`',
    sql: `
      -- A photo's date: when it was taken, else its file's time (the same expression as
      -- PHOTO_DATE_SQL in photo-listing.repository.ts, so that the index serves its queries).
      CREATE INDEX photos_by_date ON photos(
        coalesce(taken_at, strftime('%Y-%m-%dT%H:%M:%fZ', mtime_ms / 1000.0, 'unixepoch')) DESC, id DESC
      ) WHERE status = 'done';
    `,
  },
  {
    version: 13,
    name: 'the progress of the scan running on this library, for the windows of other processes',
    sql: `
      -- At most one row: the latest scan of this library, by any process. The scanning process
      -- writes it (a short statement a few times a second at most); another process (a window
      -- while the command line scans) reads it to show that scan's progress. A row of a process
      -- that no longer holds the lock and never finished (killed) is stale and ignored.
      CREATE TABLE scan_progress (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        command TEXT NOT NULL,
        -- Taken with the library lock: the lock's holder's scan is the row of its pid and host
        -- started since it took the lock.
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        -- index, analyze, embed or group while it runs.
        stage TEXT,
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        faces INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        -- Set when it ended: finished, cancelled or failed, with the library's totals then.
        finished_at TEXT,
        outcome TEXT,
        photos_total INTEGER,
        faces_total INTEGER,
        people_total INTEGER,
        errors_total INTEGER,
        seconds REAL,
        message TEXT
      ) STRICT;
    `,
  },
  {
    version: 14,
    name: 'duplicates: the hashes of every fingerprint in an index of their own',
    sql: `
      -- Listing duplicates reads the two 8-byte hashes of every photo; in the table each sits
      -- beside a 1.2 kB thumbnail, so that reading them read the whole table. This covering
      -- index holds them alone (about 30 bytes a photo).
      CREATE INDEX photo_fingerprints_hashes ON photo_fingerprints(photo_id, dct, gradient);
    `,
  },
  {
    version: 15,
    name: 'folders the user marks as reference (never trashed) or preferred (kept first)',
    sql: `
      -- A folder (its real path, the library's folders or any folder inside them) the user
      -- marked: 'reference', its photos are never proposed for the trash and are kept first;
      -- 'preferred', the keep-best rule's last tie-break. A folder without a mark is normal.
      CREATE TABLE folder_marks (
        path TEXT PRIMARY KEY,
        mark TEXT NOT NULL CHECK (mark IN ('reference', 'preferred')),
        marked_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      -- The lists the duplicates service kept in meta before (JSON arrays of paths), if any.
      INSERT OR IGNORE INTO folder_marks (path, mark, marked_at)
        SELECT j.value, CASE m.key WHEN 'duplicates.referenceFolders' THEN 'reference' ELSE 'preferred' END, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        FROM meta m, json_each(m.value) j
        WHERE m.key IN ('duplicates.referenceFolders', 'duplicates.preferredFolders') AND json_valid(m.value) AND j.type = 'text'
        ORDER BY m.key DESC;
      DELETE FROM meta WHERE key IN ('duplicates.referenceFolders', 'duplicates.preferredFolders');
    `,
  },
  {
    version: 16,
    name: 'embeddings stored by model, then face: one model\'s vectors are read in one sweep',
    sql: `
      -- Grouping reads every face's descriptor, one model's rows of this table; keyed by face
      -- first, those rows sat between every other model's (the seed model's 2 kB vectors) and a
      -- read of 150,000 descriptors touched the whole table. Keyed by model first they lie
      -- together, in face order. The face's own index serves deletes and the cascade.
      CREATE TABLE embeddings_by_model_face (
        face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        vector BLOB NOT NULL,
        PRIMARY KEY (model_id, face_id)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO embeddings_by_model_face (face_id, model_id, vector)
        SELECT face_id, model_id, vector FROM embeddings ORDER BY model_id, face_id;
      DROP TABLE embeddings;
      ALTER TABLE embeddings_by_model_face RENAME TO embeddings;
      CREATE INDEX embeddings_by_face ON embeddings(face_id);
    `,
  },
  {
    version: 17,
    name: 'an epoch per model that changes whenever a stored vector may: grouping keeps its descriptors in a file it can trust',
    sql: `
      -- Grouping reads every face's descriptor on each scan. It keeps them in a file in the
      -- library's cache (grouping/descriptor-matrix.ts) with this epoch, and reads from the
      -- database only the vectors of faces newer than the file's. Appending a vector for a face
      -- newer than all others of its model (a scan's new faces) leaves the epoch; anything that
      -- may change a vector the file holds (an insert or replace below the newest face, an
      -- update, a delete, a face's cascade) sets it to a new random value.
      CREATE TABLE embedding_epochs (
        model_id INTEGER PRIMARY KEY,
        epoch INTEGER NOT NULL
      ) STRICT;
      CREATE TRIGGER embeddings_epoch_insert BEFORE INSERT ON embeddings
        WHEN EXISTS (SELECT 1 FROM embeddings WHERE model_id = NEW.model_id AND face_id >= NEW.face_id)
      BEGIN
        INSERT OR REPLACE INTO embedding_epochs (model_id, epoch) VALUES (NEW.model_id, random());
      END;
      CREATE TRIGGER embeddings_epoch_update AFTER UPDATE ON embeddings
      BEGIN
        INSERT OR REPLACE INTO embedding_epochs (model_id, epoch) VALUES (OLD.model_id, random());
        INSERT OR REPLACE INTO embedding_epochs (model_id, epoch) VALUES (NEW.model_id, random());
      END;
      CREATE TRIGGER embeddings_epoch_delete AFTER DELETE ON embeddings
      BEGIN
        INSERT OR REPLACE INTO embedding_epochs (model_id, epoch) VALUES (OLD.model_id, random());
      END;
      -- A new model (or one whose id is used again) starts at an epoch no earlier file holds.
      CREATE TRIGGER models_epoch_insert AFTER INSERT ON models
      BEGIN
        INSERT OR REPLACE INTO embedding_epochs (model_id, epoch) VALUES (NEW.id, random());
      END;
      INSERT INTO embedding_epochs (model_id, epoch) SELECT id, random() FROM models;
    `,
  },
  {
    version: 18,
    name: 'duplicates: the candidate pairs and their checks kept, so that a listing only reads them',
    sql: `
      -- Every candidate pair (within CANDIDATE_BITS on either hash) of the photos searched, with
      -- the finer check's class, 'none' when the check rejected it (so that it is not checked
      -- again). Exact copies are not here: they are found at listing time by size and SHA-256,
      -- as are the user's "not duplicates" (by content hash), which the listing drops.
      CREATE TABLE duplicate_pairs (
        a INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        b INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        class TEXT NOT NULL CHECK (class IN ('same', 'edited', 'similar', 'none')),
        PRIMARY KEY (a, b),
        CHECK (a < b)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX duplicate_pairs_by_b ON duplicate_pairs(b);
      -- A listing reads the pairs that are duplicates, not the far more numerous rejected ones.
      CREATE INDEX duplicate_pairs_related ON duplicate_pairs(a, b, class) WHERE class <> 'none';

      -- The photos to search again (each against every analysed photo): whatever the finer
      -- check reads of them changed since they were searched (fingerprint, size in pixels,
      -- analysis, faces), or they came back among the analysed photos. The token changes with
      -- every change, so that a search that ran while the photo changed stores nothing for it
      -- (53 bits: a JavaScript number holds it exactly). Each trigger deletes, then inserts: an
      -- INSERT OR REPLACE would take the conflict rule of the statement that fired it (an upsert
      -- of a fingerprint: abort). No foreign key: a face's cascade from its photo's delete would
      -- add a row here.
      CREATE TABLE duplicate_stale (
        photo_id INTEGER PRIMARY KEY,
        token INTEGER NOT NULL
      ) STRICT;
      CREATE TRIGGER duplicate_stale_fingerprint_insert AFTER INSERT ON photo_fingerprints
      BEGIN
        DELETE FROM duplicate_stale WHERE photo_id = NEW.photo_id; INSERT INTO duplicate_stale (photo_id, token) VALUES (NEW.photo_id, random() & 9007199254740991);
      END;
      CREATE TRIGGER duplicate_stale_fingerprint_update AFTER UPDATE ON photo_fingerprints
      BEGIN
        DELETE FROM duplicate_stale WHERE photo_id = OLD.photo_id; INSERT INTO duplicate_stale (photo_id, token) VALUES (OLD.photo_id, random() & 9007199254740991);
        DELETE FROM duplicate_stale WHERE photo_id = NEW.photo_id; INSERT INTO duplicate_stale (photo_id, token) VALUES (NEW.photo_id, random() & 9007199254740991);
      END;
      CREATE TRIGGER duplicate_stale_photo_update AFTER UPDATE OF width, height, analyzer_version ON photos
      BEGIN
        DELETE FROM duplicate_stale WHERE photo_id = NEW.id; INSERT INTO duplicate_stale (photo_id, token) VALUES (NEW.id, random() & 9007199254740991);
      END;
      CREATE TRIGGER duplicate_stale_photo_back AFTER UPDATE OF status ON photos
        WHEN NEW.status = 'done' AND OLD.status <> 'done'
      BEGIN
        DELETE FROM duplicate_stale WHERE photo_id = NEW.id; INSERT INTO duplicate_stale (photo_id, token) VALUES (NEW.id, random() & 9007199254740991);
      END;
      CREATE TRIGGER duplicate_stale_face_insert AFTER INSERT ON faces
      BEGIN
        DELETE FROM duplicate_stale WHERE photo_id = NEW.photo_id; INSERT INTO duplicate_stale (photo_id, token) VALUES (NEW.photo_id, random() & 9007199254740991);
      END;
      CREATE TRIGGER duplicate_stale_face_update AFTER UPDATE OF photo_id, idx, x, y, w, h, lost_at, not_face_at ON faces
      BEGIN
        DELETE FROM duplicate_stale WHERE photo_id = OLD.photo_id; INSERT INTO duplicate_stale (photo_id, token) VALUES (OLD.photo_id, random() & 9007199254740991);
        DELETE FROM duplicate_stale WHERE photo_id = NEW.photo_id; INSERT INTO duplicate_stale (photo_id, token) VALUES (NEW.photo_id, random() & 9007199254740991);
      END;
      CREATE TRIGGER duplicate_stale_face_delete AFTER DELETE ON faces
        WHEN EXISTS (SELECT 1 FROM photos WHERE id = OLD.photo_id)
      BEGIN
        DELETE FROM duplicate_stale WHERE photo_id = OLD.photo_id; INSERT INTO duplicate_stale (photo_id, token) VALUES (OLD.photo_id, random() & 9007199254740991);
      END;
      -- A library analysed before: every photo is searched once, at the first listing or scan.
      INSERT INTO duplicate_stale (photo_id, token) SELECT photo_id, random() & 9007199254740991 FROM photo_fingerprints;
    `,
  },
  {
    version: 19,
    name: "grouping's change log: a scan's grouping reads the faces ahead and, at plan time, only those changed since",
    sql: `
      -- A scan's grouping worker reads every active face's photo, person and who put it there
      -- while the photos are analysed (150,000 faces: half a second), and at plan time re-reads
      -- only the faces whose read fields may have changed since: those logged here with a seq
      -- above the one it read with its copy. A key is a face's id, or minus a photo's id (its
      -- status decides whether its faces are read). Appended only (the cheapest write: a full
      -- regroup logs 150,000 faces); a read-ahead prunes what it has read past, never the
      -- newest row, so that a seq is never used twice, and records how far in
      -- grouping_changes_pruned: a copy read before that reads the faces whole.
      CREATE TABLE grouping_changes (
        seq INTEGER PRIMARY KEY,
        key INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE grouping_changes_pruned (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        through INTEGER NOT NULL
      ) STRICT;
      INSERT INTO grouping_changes_pruned (id, through) VALUES (1, 0);
      CREATE TRIGGER grouping_changes_face_insert AFTER INSERT ON faces
      BEGIN
        INSERT INTO grouping_changes (key) VALUES (NEW.id);
      END;
      CREATE TRIGGER grouping_changes_face_update AFTER UPDATE OF id, photo_id, person_id, assigned_by, lost_at, not_face_at ON faces
        WHEN OLD.id IS NOT NEW.id OR OLD.photo_id IS NOT NEW.photo_id OR OLD.person_id IS NOT NEW.person_id
          OR OLD.assigned_by IS NOT NEW.assigned_by OR OLD.lost_at IS NOT NEW.lost_at OR OLD.not_face_at IS NOT NEW.not_face_at
      BEGIN
        INSERT INTO grouping_changes (key) VALUES (OLD.id); INSERT INTO grouping_changes (key) SELECT NEW.id WHERE NEW.id IS NOT OLD.id;
      END;
      CREATE TRIGGER grouping_changes_face_delete AFTER DELETE ON faces
      BEGIN
        INSERT INTO grouping_changes (key) VALUES (OLD.id);
      END;
      CREATE TRIGGER grouping_changes_photo_update AFTER UPDATE OF id, status ON photos
        WHEN OLD.id IS NOT NEW.id OR (OLD.status IS 'done') IS NOT (NEW.status IS 'done')
      BEGIN
        INSERT INTO grouping_changes (key) VALUES (-OLD.id); INSERT INTO grouping_changes (key) SELECT -NEW.id WHERE NEW.id IS NOT OLD.id;
      END;
    `,
  },
];
