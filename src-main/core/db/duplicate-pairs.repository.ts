import type { Db } from './database.js';

/** A stored check of a candidate pair (a < b): its class, or null when the check rejected it. */
export interface CheckedPair {
  a: number;
  b: number;
  class: 'same' | 'edited' | 'similar' | null;
}

/** A stored related pair of two analysed photos, with their content hashes ("not duplicates" go by them). */
export interface RelatedPair extends CheckedPair {
  hashA: string;
  hashB: string;
}

/** What a listing starts from, read in one snapshot (migration 18). */
export interface PairsSnapshot {
  /** The search+check version the stored pairs were made with; null when none were. */
  version: string | null;
  /** The analysed photos to search again, with the token of their latest change. */
  stale: Map<number, number>;
  /** The stored pairs that are related (not 'none'), both photos analysed, by a then b. */
  related: RelatedPair[];
}

const VERSION_KEY = 'duplicates.pairsVersion';

/**
 * The duplicates' candidate pairs and their checks, kept between listings (migration 18): a
 * photo is searched once, when it is new or changed (the triggers mark it stale), not at every
 * listing.
 */
export class DuplicatePairsRepository {
  private readonly versionStmt;
  private readonly setVersionStmt;
  private readonly staleStmt;
  private readonly relatedStmt;
  private readonly clearStmt;
  private readonly staleAllStmt;
  private readonly dropOrphansStmt;
  private readonly dropStaleStmt;
  private readonly deleteOfStmt;
  private readonly insertStmt;
  private readonly existsStmt;

  constructor(private readonly db: Db) {
    this.versionStmt = db.prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = '${VERSION_KEY}'`);
    this.setVersionStmt = db.prepare(`INSERT INTO meta (key, value) VALUES ('${VERSION_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    this.staleStmt = db.prepare<[], [number, number]>("SELECT s.photo_id, s.token FROM duplicate_stale s JOIN photos p ON p.id = s.photo_id WHERE p.status = 'done'").raw();
    this.relatedStmt = db
      .prepare<[], [number, number, string, string, string]>(
        `SELECT d.a, d.b, d.class, pa.content_hash, pb.content_hash FROM duplicate_pairs d INDEXED BY duplicate_pairs_related
         JOIN photos pa ON pa.id = d.a JOIN photos pb ON pb.id = d.b
         WHERE d.class <> 'none' AND pa.status = 'done' AND pb.status = 'done' ORDER BY d.a, d.b`,
      )
      .raw();
    this.clearStmt = db.prepare('DELETE FROM duplicate_pairs');
    this.staleAllStmt = db.prepare('INSERT OR REPLACE INTO duplicate_stale (photo_id, token) SELECT photo_id, random() & 9007199254740991 FROM photo_fingerprints');
    // A photo no longer analysed needs no search: it is marked stale again when it comes back.
    this.dropOrphansStmt = db.prepare("DELETE FROM duplicate_stale WHERE NOT EXISTS (SELECT 1 FROM photos p WHERE p.id = duplicate_stale.photo_id AND p.status = 'done')");
    this.dropStaleStmt = db.prepare('DELETE FROM duplicate_stale WHERE photo_id = ? AND token = ?');
    this.deleteOfStmt = db.prepare('DELETE FROM duplicate_pairs WHERE a = ? OR b = ?');
    this.insertStmt = db.prepare('INSERT OR REPLACE INTO duplicate_pairs (a, b, class) VALUES (?, ?, ?)');
    this.existsStmt = db.prepare<[number], { x: number }>('SELECT 1 AS x FROM photos WHERE id = ?');
  }

  /** The version, the stale photos and the related pairs, in one read (a consistent snapshot). */
  snapshot(): PairsSnapshot {
    return this.db.transaction(() => ({
      version: this.versionStmt.get()?.value ?? null,
      stale: new Map(this.staleStmt.all()),
      related: this.relatedStmt.all().map(([a, b, cls, hashA, hashB]) => ({ a, b, class: cls as CheckedPair['class'], hashA, hashB })),
    }))();
  }

  /** Pairs made by another version of the search or the check: every analysed photo is searched again. */
  reset(version: string): void {
    this.db.transaction(() => {
      this.clearStmt.run();
      this.staleAllStmt.run();
      this.setVersionStmt.run(version);
    }).immediate();
  }

  /**
   * Stores a search of the `searched` photos (each with the token it was stale with): for each
   * one still stale with that token (unchanged since it was read), its old pairs go and its
   * checked pairs come, and it is no longer stale. A pair with a photo changed meanwhile or
   * gone from the library is left out (that photo is searched again). Returns the photos stored.
   */
  store(searched: ReadonlyMap<number, number>, checked: readonly CheckedPair[]): number {
    return this.db.transaction(() => {
      const kept = new Set<number>();
      for (const [id, token] of searched) if (this.dropStaleStmt.run(id, token).changes > 0) kept.add(id);
      for (const id of kept) this.deleteOfStmt.run(id, id);
      const exists = new Map<number, boolean>();
      const there = (id: number): boolean => {
        let e = exists.get(id);
        if (e === undefined) exists.set(id, (e = this.existsStmt.get(id) !== undefined));
        return e;
      };
      for (const p of checked) {
        // A pair is stored with the search of its newer side; both searched: both kept.
        const ok = (searched.has(p.a) ? kept.has(p.a) : there(p.a)) && (searched.has(p.b) ? kept.has(p.b) : there(p.b));
        if (ok) this.insertStmt.run(p.a, p.b, p.class ?? 'none');
      }
      this.dropOrphansStmt.run();
      return kept.size;
    }).immediate();
  }

  version(): string | null {
    return this.versionStmt.get()?.value ?? null;
  }
}
