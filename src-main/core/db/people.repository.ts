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

export class PeopleRepository {
  private readonly insertPerson;
  private readonly assign;
  private readonly deleteEmpty;
  private readonly listStmt;
  private readonly countStmt;

  constructor(private readonly db: Db) {
    const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    this.insertPerson = db.prepare(`INSERT INTO people (name, created_at, updated_at) VALUES (NULL, ${now}, ${now})`);
    this.assign = db.prepare("UPDATE faces SET person_id = ?, assigned_by = ? WHERE id = ?");
    this.deleteEmpty = db.prepare(
      'DELETE FROM people WHERE name IS NULL AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = people.id)',
    );
    this.listStmt = db.prepare<[], { person_id: number; name: string | null; face_id: number; path: string; x: number; y: number; w: number; h: number; score: number }>(
      `SELECT pe.id AS person_id, pe.name, f.id AS face_id, p.path, f.x, f.y, f.w, f.h, f.score
       FROM faces f JOIN photos p ON p.id = f.photo_id JOIN people pe ON pe.id = f.person_id
       WHERE p.status = 'done' ORDER BY pe.id, f.id`,
    );
    this.countStmt = db.prepare<[], { n: number }>(
      `SELECT count(DISTINCT f.person_id) AS n FROM faces f JOIN photos p ON p.id = f.photo_id
       WHERE p.status = 'done' AND f.person_id IS NOT NULL`,
    );
  }

  /**
   * Writes a grouping: each entry gives the faces of one person, `personId` null for a new person.
   * One transaction, so a crash leaves the previous grouping whole.
   */
  applyGrouping(groups: ReadonlyArray<{ personId: number | null; faceIds: readonly number[] }>): void {
    this.db.transaction(() => {
      for (const g of groups) {
        const personId = g.personId ?? Number(this.insertPerson.run().lastInsertRowid);
        for (const faceId of g.faceIds) this.assign.run(personId, 'auto', faceId);
      }
      this.deleteEmpty.run();
    })();
  }

  /** People with the faces on present photos; largest first. */
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

  countWithPresentFaces(): number {
    return this.countStmt.get()!.n;
  }
}
