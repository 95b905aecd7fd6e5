import type { Db } from './database.js';

/**
 * A photo's date: when it was taken, else its file's modification time, as one ISO string so
 * that both sort together. Migration 12 indexes exactly this expression (present photos only).
 */
export const PHOTO_DATE_SQL = "coalesce(taken_at, strftime('%Y-%m-%dT%H:%M:%fZ', mtime_ms / 1000.0, 'unixepoch'))";

/** Which photos to list; every filter given narrows the list (they combine with AND). */
export interface PhotoFilter {
  /** Photos showing someone of each group (a group: the people who answer to one name). */
  withAll?: ReadonlyArray<readonly number[]>;
  /** Photos showing none of these people. */
  without?: readonly number[];
  /** Photos with a face of nobody named (hidden people left aside). */
  unnamed?: boolean;
  /** Photos where no face was found. */
  noFaces?: boolean;
}

/** Where a page starts: after this photo in date order (newest first), or at this position. */
export type PageStart = { after: { date: string; id: number } } | { offset: number };

export interface ListedPhoto {
  id: number;
  path: string;
  width: number | null;
  height: number | null;
  /** When it was taken (from its metadata); null when unknown. */
  takenAt: string | null;
  /** takenAt, else the file's time: what the list is ordered by. */
  date: string;
}

export interface PhotoPerson {
  photoId: number;
  personId: number | null;
  name: string | null;
  hidden: boolean;
  faces: number;
}

type Compiled = { where: string; params: Record<string, string | number> };

/**
 * Present photos by date, newest first, filtered by who is in them. The statements depend on
 * the shape of the filter (how many people groups), so they are prepared once per shape.
 */
export class PhotoListingRepository {
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();
  private readonly peopleStmt;

  constructor(private readonly db: Db) {
    this.peopleStmt = db.prepare<[string], { photo_id: number; person_id: number | null; name: string | null; hidden: number | null; faces: number }>(
      `SELECT f.photo_id, f.person_id, pe.name, pe.hidden, count(*) AS faces
       FROM faces f LEFT JOIN people pe ON pe.id = f.person_id
       WHERE f.photo_id IN (SELECT value FROM json_each(?)) AND f.lost_at IS NULL
       GROUP BY f.photo_id, f.person_id ORDER BY f.photo_id, pe.name IS NULL, pe.name, f.person_id`,
    );
  }

  page(filter: PhotoFilter, start: PageStart, limit: number): ListedPhoto[] {
    const { where, params } = compile(filter);
    const keyset = 'after' in start;
    // Unfiltered by people, the date index answers a window without sorting 100,000 photos
    // (INDEXED BY: the planner would rather sort a small table, and preparing fails should the
    // index and the expression drift apart). Filtered by people, their faces give the few
    // photos to sort instead.
    const sql = `SELECT id, path, width, height, taken_at AS takenAt, ${PHOTO_DATE_SQL} AS date FROM photos ${byPeople(filter) ? '' : 'INDEXED BY photos_by_date'}
       WHERE status = 'done' ${where}
       ${keyset ? `AND (${PHOTO_DATE_SQL} < @afterDate OR (${PHOTO_DATE_SQL} = @afterDate AND id < @afterId))` : ''}
       ORDER BY ${PHOTO_DATE_SQL} DESC, id DESC LIMIT @limit ${keyset ? '' : 'OFFSET @offset'}`;
    const startParams = keyset ? { afterDate: start.after.date, afterId: start.after.id } : { offset: start.offset };
    return this.prepared(sql).all({ ...params, ...startParams, limit }) as ListedPhoto[];
  }

  count(filter: PhotoFilter): number {
    const { where, params } = compile(filter);
    return (this.prepared(`SELECT count(*) AS n FROM photos WHERE status = 'done' ${where}`).get(params) as { n: number }).n;
  }

  /** How many photos each month holds ("2024-03"), newest month first. */
  months(filter: PhotoFilter): Array<{ month: string; photos: number }> {
    const { where, params } = compile(filter);
    // The dates read from the index in order (no strftime per photo), counted as they pass.
    return this.prepared(
      `SELECT substr(date, 1, 7) AS month, count(*) AS photos FROM (
         SELECT ${PHOTO_DATE_SQL} AS date FROM photos ${byPeople(filter) ? '' : 'INDEXED BY photos_by_date'} WHERE status = 'done' ${where}
         ORDER BY ${PHOTO_DATE_SQL} DESC
       ) GROUP BY month ORDER BY month DESC`,
    ).all(params) as Array<{ month: string; photos: number }>;
  }

  /** Who is in each photo: one row per person (or per face without a person), named people first. */
  peopleIn(photoIds: readonly number[]): PhotoPerson[] {
    if (photoIds.length === 0) return [];
    return this.peopleStmt.all(JSON.stringify(photoIds)).map((r) => ({
      photoId: r.photo_id,
      personId: r.person_id,
      name: r.name,
      hidden: r.hidden === 1,
      faces: r.faces,
    }));
  }

  private prepared(sql: string): ReturnType<Db['prepare']> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

const PRESENT_FACE = 'SELECT 1 FROM faces f WHERE f.photo_id = photos.id AND f.lost_at IS NULL';

const byPeople = (filter: PhotoFilter): boolean => (filter.withAll ?? []).length > 0;

/** The filter as SQL conditions on `photos`, with its values bound as JSON arrays. */
function compile(filter: PhotoFilter): Compiled {
  const parts: string[] = [];
  const params: Record<string, string | number> = {};
  (filter.withAll ?? []).forEach((group, i) => {
    // The first person's faces (by the person index) give the candidates; the others are checked on each.
    parts.push(
      i === 0
        ? `photos.id IN (SELECT f.photo_id FROM faces f WHERE f.person_id IN (SELECT value FROM json_each(@with0)) AND f.lost_at IS NULL)`
        : `EXISTS (${PRESENT_FACE} AND f.person_id IN (SELECT value FROM json_each(@with${i})))`,
    );
    params[`with${i}`] = JSON.stringify(group);
  });
  if (filter.without && filter.without.length > 0) {
    parts.push(`NOT EXISTS (${PRESENT_FACE} AND f.person_id IN (SELECT value FROM json_each(@without)))`);
    params.without = JSON.stringify(filter.without);
  }
  if (filter.unnamed) {
    parts.push(
      `EXISTS (${PRESENT_FACE} AND (f.person_id IS NULL OR EXISTS (SELECT 1 FROM people pe WHERE pe.id = f.person_id AND pe.name IS NULL AND pe.hidden = 0)))`,
    );
  }
  if (filter.noFaces) parts.push(`NOT EXISTS (${PRESENT_FACE})`);
  return { where: parts.map((p) => `AND ${p}`).join(' '), params };
}
