import type { Db } from './database.js';

export interface PersonFace {
  faceId: number;
  photo: string;
  box: [number, number, number, number];
  score: number;
}

export interface PersonListing {
  id: number;
  name: string | null;
  faces: PersonFace[];
}

export interface PersonRow {
  id: number;
  name: string | null;
  hidden: number;
  cover_face_id: number | null;
  created_at: string;
  updated_at: string;
}

/** A person as the window lists it: counts over faces found on present photos (lost faces do not count). */
export interface PersonSummaryRow {
  id: number;
  name: string | null;
  hidden: boolean;
  coverFaceId: number;
  faces: number;
  photos: number;
}

type SummarySqlRow = { id: number; name: string | null; hidden: number; cover_face_id: number | null; faces: number; photos: number; best_face: number; has_cover: number };

const toSummary = (r: SummarySqlRow): PersonSummaryRow => ({
  id: r.id,
  name: r.name,
  hidden: r.hidden === 1,
  coverFaceId: r.has_cover > 0 && r.cover_face_id !== null ? r.cover_face_id : r.best_face,
  faces: r.faces,
  photos: r.photos,
});

/** Unnamed people with fewer faces than this are "Others", not on the People screen's first tab (Immich's default is 3). */
export const DEFAULT_MIN_FACES = 2;

/**
 * The people as the window splits them: `people` on the People tab (named, or with at least
 * `minFaces` faces), `others` (unnamed, fewer faces), `hidden` (hidden ones, counted apart).
 */
export interface PeopleCounts {
  minFaces: number;
  people: number;
  others: number;
  hidden: number;
}

/** A face's assignment as grouping read it. */
export interface ReadAssignment {
  personId: number | null;
  assignedBy: 'auto' | 'user' | null;
}

/** One group of a grouping: faces that join `personId` (null: a new person). */
export interface GroupingChange {
  personId: number | null;
  faceIds: readonly number[];
  /** The person's faces when grouping read them: where they are now tells where a person merged away went. */
  members?: readonly number[];
}

/** applyGrouping reads every face's assignment in one sweep from this many faces to write. */
const SWEEP_MIN = 4096;

export class PeopleRepository {
  private readonly allAssignmentsStmt;
  private readonly currentStmt;
  private readonly toldApartStmt;
  private readonly insertPerson;
  private readonly assign;
  private readonly namedOrHiddenStmt;
  private readonly deleteEmpty;
  private readonly listStmt;
  private readonly countStmt;
  private readonly summariesStmt;
  private readonly summaryStmt;
  private readonly hiddenCountStmt;
  private readonly countsStmt;
  private readonly findStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly restoreStmt;
  private readonly deleteIfEmptyStmt;
  private readonly namedStmt;
  private readonly namedByFacesStmt;

  constructor(private readonly db: Db) {
    this.allAssignmentsStmt = db.prepare('SELECT id, person_id, assigned_by, lost_at FROM faces').raw(true);
    this.currentStmt = db.prepare<[number], { person_id: number | null; assigned_by: 'auto' | 'user' | null; lost_at: string | null }>(
      'SELECT person_id, assigned_by, lost_at FROM faces WHERE id = ?',
    );
    // A "different" answer between the face and a face of the person.
    this.toldApartStmt = db.prepare<[{ face: number; person: number }], { one: number }>(
      `SELECT 1 AS one FROM labels l JOIN faces o ON o.id = (CASE WHEN l.face_a = @face THEN l.face_b ELSE l.face_a END)
       WHERE (l.face_a = @face OR l.face_b = @face) AND l.same = 0 AND o.person_id = @person LIMIT 1`,
    );
    this.namedStmt = db.prepare<[], { id: number; name: string }>('SELECT id, name FROM people WHERE name IS NOT NULL');
    this.namedOrHiddenStmt = db.prepare<[], { id: number }>('SELECT id FROM people WHERE name IS NOT NULL OR hidden = 1');
    const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    this.insertPerson = db.prepare(`INSERT INTO people (name, created_at, updated_at) VALUES (NULL, ${now}, ${now})`);
    this.assign = db.prepare("UPDATE faces SET person_id = ?, assigned_by = ? WHERE id = ?");
    this.deleteEmpty = db.prepare(
      'DELETE FROM people WHERE name IS NULL AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = people.id)',
    );
    this.listStmt = db.prepare<[], { person_id: number; name: string | null; face_id: number; path: string; x: number; y: number; w: number; h: number; score: number }>(
      `SELECT pe.id AS person_id, pe.name, f.id AS face_id, p.path, f.x, f.y, f.w, f.h, f.score
       FROM faces f JOIN photos p ON p.id = f.photo_id JOIN people pe ON pe.id = f.person_id
       WHERE p.status = 'done' AND f.lost_at IS NULL ORDER BY pe.id, f.id`,
    );
    // With exactly one max() aggregate, SQLite takes the bare column f.id from the row holding the max.
    const summarySql = (where: string): string =>
      `SELECT pe.id, pe.name, pe.hidden, pe.cover_face_id, count(*) AS faces, count(DISTINCT p.content_hash) AS photos,
              max(f.score) AS best_score, f.id AS best_face, sum(f.id = pe.cover_face_id) AS has_cover
       FROM people pe JOIN faces f ON f.person_id = pe.id AND f.lost_at IS NULL JOIN photos p ON p.id = f.photo_id AND p.status = 'done'
       WHERE ${where} GROUP BY pe.id ORDER BY pe.name IS NULL, faces DESC, pe.id`;
    this.summariesStmt = db.prepare<[number], SummarySqlRow>(summarySql('(? = 1 OR pe.hidden = 0)'));
    this.summaryStmt = db.prepare<[number], SummarySqlRow>(summarySql('pe.id = ?'));
    this.hiddenCountStmt = db.prepare<[], { n: number }>(
      `SELECT count(DISTINCT pe.id) AS n FROM people pe JOIN faces f ON f.person_id = pe.id AND f.lost_at IS NULL
       JOIN photos p ON p.id = f.photo_id AND p.status = 'done' WHERE pe.hidden = 1`,
    );
    // The same faces as the summaries count, split as the People screen splits them.
    this.countsStmt = db.prepare<[number, number], { people: number | null; others: number | null; hidden: number | null }>(
      `SELECT sum(hidden = 0 AND (name IS NOT NULL OR faces >= ?)) AS people, sum(hidden = 0 AND name IS NULL AND faces < ?) AS others,
              sum(hidden = 1) AS hidden
       FROM (SELECT pe.name, pe.hidden, count(*) AS faces
             FROM people pe JOIN faces f ON f.person_id = pe.id AND f.lost_at IS NULL JOIN photos p ON p.id = f.photo_id AND p.status = 'done'
             GROUP BY pe.id)`,
    );
    this.findStmt = db.prepare<[number], PersonRow>('SELECT * FROM people WHERE id = ?');
    this.updateStmt = db.prepare(`UPDATE people SET name = ?, hidden = ?, cover_face_id = ?, updated_at = ${now} WHERE id = ?`);
    this.deleteStmt = db.prepare('DELETE FROM people WHERE id = ?');
    this.restoreStmt = db.prepare('INSERT INTO people (id, name, hidden, cover_face_id, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)');
    this.deleteIfEmptyStmt = db.prepare(
      'DELETE FROM people WHERE id = ? AND name IS NULL AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = people.id)',
    );
    this.namedByFacesStmt = db.prepare<[], { id: number; name: string; faces: number }>(
      'SELECT pe.id, pe.name, (SELECT count(*) FROM faces f WHERE f.person_id = pe.id) AS faces FROM people pe WHERE pe.name IS NOT NULL ORDER BY faces DESC, pe.id',
    );
    this.countStmt = db.prepare<[], { n: number }>(
      `SELECT count(DISTINCT f.person_id) AS n FROM faces f JOIN photos p ON p.id = f.photo_id
       WHERE p.status = 'done' AND f.person_id IS NOT NULL AND f.lost_at IS NULL`,
    );
  }

  /**
   * Writes a grouping: each entry gives the faces of one person, `personId` null for a new person.
   * One IMMEDIATE transaction, so a crash leaves the previous grouping whole, and everything the
   * grouping overwrites is read again inside it: the grouping was computed from an earlier read,
   * and another connection (the window while a CLI scan groups) may have edited since. A face
   * whose assignment changed since `readAs` (moved, rejected, assigned by the user) or that is
   * gone is left as it is now; a person merged away since is followed to where its faces
   * (`members` as read) went; a face the user has since said is not someone stays out of them.
   * Returns how many faces were left as they are now.
   */
  applyGrouping(groups: readonly GroupingChange[], alsoInTransaction?: () => void, readAs?: ReadonlyMap<number, ReadAssignment>): { skipped: number } {
    const unassigned: ReadAssignment = { personId: null, assignedBy: null };
    return this.db
      .transaction(() => {
        alsoInTransaction?.();
        let skipped = 0;
        // Many faces (a whole library grouped): every face's assignment read in one sweep, in
        // this transaction, rather than looked up face by face.
        const total = groups.reduce((s, g) => s + g.faceIds.length, 0);
        const swept = total >= SWEEP_MIN ? this.sweepAssignments() : null;
        for (const g of groups) {
          let faceIds = g.faceIds.filter((id) => {
            const now = swept ? swept.get(id) : this.currentStmt.get(id);
            const was = readAs?.get(id) ?? unassigned;
            return now !== undefined && now.lost_at === null && now.person_id === was.personId && now.assigned_by === was.assignedBy;
          });
          const target = g.personId === null ? null : this.followPerson(g.personId, g.members ?? []);
          if (target !== null) faceIds = faceIds.filter((id) => this.toldApartStmt.get({ face: id, person: target }) === undefined);
          skipped += g.faceIds.length - faceIds.length;
          if (faceIds.length === 0) continue;
          const personId = target ?? Number(this.insertPerson.run().lastInsertRowid);
          for (const faceId of faceIds) this.assign.run(personId, 'auto', faceId);
        }
        this.deleteEmpty.run();
        return { skipped };
      })
      .immediate();
  }

  /** Every face's assignment as now (as currentStmt reads one). */
  private sweepAssignments(): Map<number, { person_id: number | null; assigned_by: 'auto' | 'user' | null; lost_at: string | null }> {
    const out = new Map<number, { person_id: number | null; assigned_by: 'auto' | 'user' | null; lost_at: string | null }>();
    for (const [id, person_id, assigned_by, lost_at] of this.allAssignmentsStmt.iterate() as Iterable<[number, number | null, 'auto' | 'user' | null, string | null]>) {
      out.set(id, { person_id, assigned_by, lost_at });
    }
    return out;
  }

  /** The person now: itself while it exists, else the person most of its faces (as read) are in now (merged into); null: none. */
  private followPerson(personId: number, members: readonly number[]): number | null {
    if (this.find(personId)) return personId;
    const count = new Map<number, number>();
    for (const id of members) {
      const now = this.currentStmt.get(id)?.person_id;
      if (now !== undefined && now !== null) count.set(now, (count.get(now) ?? 0) + 1);
    }
    return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? null;
  }

  /** People with their faces found on present photos; largest first. */
  list(): PersonListing[] {
    const byId = new Map<number, PersonListing>();
    for (const r of this.listStmt.all()) {
      let person = byId.get(r.person_id);
      if (!person) {
        person = { id: r.person_id, name: r.name, faces: [] };
        byId.set(r.person_id, person);
      }
      person.faces.push({ faceId: r.face_id, photo: r.path, box: [r.x, r.y, r.w, r.h].map((v) => Math.round(v)) as PersonFace['box'], score: r.score });
    }
    return [...byId.values()].sort((a, b) => b.faces.length - a.faces.length || a.id - b.id);
  }

  /** People the user named or hid: their faces stay where they are when a learned version regroups. */
  namedOrHidden(): Set<number> {
    return new Set(this.namedOrHiddenStmt.all().map((r) => r.id));
  }

  /** Every named person (with faces or not): for telling whether a name is taken. */
  named(): Array<{ id: number; name: string }> {
    return this.namedStmt.all();
  }

  countWithPresentFaces(): number {
    return this.countStmt.get()!.n;
  }

  /**
   * People with at least one face on a present photo, named first, then largest first. The
   * cover is the face the user chose while it still belongs to the person, else the clearest.
   */
  summaries(options: { includeHidden: boolean }): PersonSummaryRow[] {
    return this.summariesStmt.all(options.includeHidden ? 1 : 0).map(toSummary);
  }

  summary(personId: number): PersonSummaryRow | undefined {
    const row = this.summaryStmt.get(personId);
    return row && toSummary(row);
  }

  /** People, others and hidden people, split as the People screen does with this many faces at least. */
  counts(minFaces = DEFAULT_MIN_FACES): PeopleCounts {
    const r = this.countsStmt.get(minFaces, minFaces)!;
    return { minFaces, people: r.people ?? 0, others: r.others ?? 0, hidden: r.hidden ?? 0 };
  }

  countHidden(): number {
    return this.hiddenCountStmt.get()!.n;
  }

  find(personId: number): PersonRow | undefined {
    return this.findStmt.get(personId);
  }

  /** A new person with no face yet. */
  create(): number {
    return Number(this.insertPerson.run().lastInsertRowid);
  }

  update(personId: number, fields: { name?: string | null; hidden?: boolean; coverFaceId?: number | null }): void {
    const row = this.find(personId);
    if (!row) return;
    this.updateStmt.run(
      fields.name !== undefined ? fields.name : row.name,
      fields.hidden !== undefined ? (fields.hidden ? 1 : 0) : row.hidden,
      fields.coverFaceId !== undefined ? fields.coverFaceId : row.cover_face_id,
      personId,
    );
  }

  delete(personId: number): void {
    this.deleteStmt.run(personId);
  }

  /** Puts back a deleted person (undo), with its id when that is still free; returns the id used. */
  restore(row: Omit<PersonRow, 'cover_face_id'>): number {
    // SQLite may have given a deleted person's id to a new one since: then it gets a new id.
    const id = this.find(row.id) ? null : row.id;
    return Number(this.restoreStmt.run(id, row.name, row.hidden, row.created_at, row.updated_at).lastInsertRowid);
  }

  /** Every named person, the one with most faces first (two people may carry one name). */
  listNamed(): Array<{ id: number; name: string; faces: number }> {
    return this.namedByFacesStmt.all();
  }

  /** Deletes a person that has no face left and no name (a person emptied by an edit). */
  deleteIfEmpty(personId: number): void {
    this.deleteIfEmptyStmt.run(personId);
  }
}
