// The active faces' grouping fields (id, photo, person or -1, 0/1/2 for none/auto/user), four
// integers a face in id order, as grouping reads them for every plan. A scan's grouping worker
// reads them ahead while the photos are analysed (150,000 faces: about half a second of SQLite)
// and, at plan time, re-reads only the faces migration 19's change log names since: a face
// inserted, deleted or with one of those fields changed, or on a photo that came into or out
// of 'done'. The result is always what a full read would give now. The log is appended to by
// triggers and pruned by each read-ahead up to what it read (grouping_changes_pruned says how
// far: an older copy is then not used).
import type { Db } from './database.js';

/** The faces as read ahead, and the change log's latest seq that read saw. */
export interface PreloadedFaces {
  seq: number;
  /** The highest face id in the table then (active or not). */
  maxFaceId: number;
  /** Four integers a face, in id order (see the module's comment). */
  meta: Int32Array;
}

/** Where more faces than this share of those read ahead changed, the whole list is read again (a regroup rewrote them). */
const REREAD_SHARE = 1 / 8;

const ACTIVE = "f.lost_at IS NULL AND f.not_face_at IS NULL AND f.photo_id IN (SELECT id FROM photos WHERE status = 'done')";
const FIELDS = "f.id, f.photo_id, coalesce(f.person_id, -1), CASE f.assigned_by WHEN 'auto' THEN 1 WHEN 'user' THEN 2 ELSE 0 END";

/** The integers of a comma-separated list (group_concat's), as one array. */
function parseInts(s: string): Int32Array {
  if (s.length === 0) return new Int32Array(0);
  let count = 1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 44) count++;
  const out = new Int32Array(count);
  let k = 0, v = 0, negative = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 44) {
      out[k++] = negative ? -v : v;
      v = 0;
      negative = false;
    } else if (c === 45) negative = true;
    else v = v * 10 + (c - 48);
  }
  out[k] = negative ? -v : v;
  return out;
}

export class ActiveFaces {
  // One row of one long string: handing 150,000 rows one by one from SQLite to JavaScript costs more than SQLite's own work.
  private readonly all;
  private readonly one;
  private readonly hasLog;
  private readonly facesOfPhoto;
  private readonly facesAfter;
  private readonly maxFaceId;
  /** The log's statements, prepared once the log is there (a library opened read-only before migration 19 has none). */
  private log:
    | { latestSeq: () => number; prunedThrough: () => number; changedSince: (seq: number) => Iterable<number>; countChangedSince: (seq: number) => number; prune: (seq: number) => void }
    | undefined;

  constructor(private readonly db: Db) {
    this.all = db
      .prepare<[], string | null>(
        `SELECT group_concat(f.id || ',' || f.photo_id || ',' || coalesce(f.person_id, -1) || ',' || CASE f.assigned_by WHEN 'auto' THEN 1 WHEN 'user' THEN 2 ELSE 0 END, ',' ORDER BY f.id)
         FROM faces f WHERE ${ACTIVE}`,
      )
      .pluck(true);
    // The same test as ACTIVE's for one face (its photo looked up, not the photos' list built).
    this.one = db
      .prepare<[number], number[]>(`SELECT ${FIELDS} FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = ? AND f.lost_at IS NULL AND f.not_face_at IS NULL AND p.status = 'done'`)
      .raw(true);
    this.hasLog = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'grouping_changes'").pluck(true);
    this.facesOfPhoto = db.prepare<[number], number>('SELECT id FROM faces WHERE photo_id = ?').pluck(true);
    this.facesAfter = db.prepare<[number], number>('SELECT id FROM faces WHERE id > ?').pluck(true);
    this.maxFaceId = db.prepare<[], number | null>('SELECT max(id) FROM faces').pluck(true);
  }

  private changeLog(): NonNullable<ActiveFaces['log']> | null {
    if (this.log !== undefined) return this.log;
    if (this.hasLog.get() === undefined) return null;
    const latest = this.db.prepare<[], number | null>('SELECT max(seq) FROM grouping_changes').pluck(true);
    const changed = this.db.prepare<[number], number>('SELECT key FROM grouping_changes WHERE seq > ?').pluck(true);
    const count = this.db.prepare<[number], number>('SELECT count(*) FROM grouping_changes WHERE seq > ?').pluck(true);
    const pruned = this.db.prepare<[], number>('SELECT through FROM grouping_changes_pruned WHERE id = 1').pluck(true);
    // The newest row is kept: the next seq is then always above every seq read.
    const drop = this.db.prepare<[number]>('DELETE FROM grouping_changes WHERE seq <= ? AND seq < (SELECT max(seq) FROM grouping_changes)');
    const mark = this.db.prepare<[number]>('UPDATE grouping_changes_pruned SET through = max(through, ?) WHERE id = 1');
    this.log = {
      latestSeq: () => latest.get() ?? 0,
      prunedThrough: () => pruned.get() ?? Number.MAX_SAFE_INTEGER,
      changedSince: (seq) => changed.all(seq),
      countChangedSince: (seq) => count.get(seq)!,
      prune: (seq) =>
        this.db.transaction(() => {
          drop.run(seq);
          mark.run(seq);
        })(),
    };
    return this.log;
  }

  /** Every active face read now. Call inside the caller's read transaction. */
  read(): Int32Array {
    return parseInts(this.all.get() ?? '');
  }

  /** The faces read ahead, with the log's seq in the same transaction; null where the library has no change log (not migrated: read-only). */
  preload(): PreloadedFaces | null {
    const pre = this.db.transaction((): PreloadedFaces | null => {
      const log = this.changeLog();
      if (log === null) return null;
      return { seq: log.latestSeq(), maxFaceId: this.maxFaceId.get() ?? 0, meta: this.read() };
    })();
    if (pre !== null) this.prune(pre);
    return pre;
  }

  /**
   * Drops the log's rows up to a read-ahead's seq (the newest row kept) and marks how far: a copy
   * read before then is read whole at plan time. A library this connection cannot write keeps
   * its rows.
   */
  private prune(pre: PreloadedFaces): void {
    try {
      this.changeLog()?.prune(pre.seq);
    } catch {
      // read-only or busy: pruned by a later read-ahead
    }
  }

  /**
   * Every active face now: the faces read ahead with those changed since re-read (or all read
   * again where many changed). Call inside the caller's read transaction.
   */
  readSince(pre: PreloadedFaces | null | undefined): Int32Array {
    const log = pre === null || pre === undefined ? null : this.changeLog();
    // No log, or rows after this copy's seq pruned by a later read-ahead: read whole.
    if (pre === null || pre === undefined || log === null || log.prunedThrough() > pre.seq) return this.read();
    const rows = pre.meta.length / 4;
    if (log.countChangedSince(pre.seq) > Math.max(64, rows * REREAD_SHARE)) return this.read();
    // The faces whose row may differ from the copy: logged since, on a photo logged since, or newer than any then.
    const ids = new Set<number>();
    for (const key of log.changedSince(pre.seq)) {
      if (key > 0) ids.add(key);
      else for (const id of this.facesOfPhoto.all(-key)) ids.add(id);
    }
    for (const id of this.facesAfter.all(pre.maxFaceId)) ids.add(id);
    if (ids.size === 0) return pre.meta.slice();
    const changed = Int32Array.from(ids).sort();
    const fresh: number[] = [];
    for (const id of changed) {
      const r = this.one.get(id);
      if (r !== undefined) fresh.push(r[0]!, r[1]!, r[2]!, r[3]!);
    }
    // The copy without the changed faces, merged in id order with their rows as they are now.
    const out = new Int32Array(pre.meta.length + fresh.length);
    let o = 0, c = 0, f = 0;
    const copyFresh = (): void => {
      out.set(fresh.slice(f, f + 4), o);
      o += 4;
      f += 4;
    };
    for (let r = 0; r < rows; r++) {
      const id = pre.meta[4 * r]!;
      while (c < changed.length && changed[c]! < id) c++;
      while (f < fresh.length && fresh[f]! < id) copyFresh();
      if (c < changed.length && changed[c] === id) continue;
      out.set(pre.meta.subarray(4 * r, 4 * r + 4), o);
      o += 4;
    }
    while (f < fresh.length) copyFresh();
    return out.subarray(0, o);
  }
}
