import type { Db } from './database.js';

/** A sidecar `tags export` wrote: its bytes' hash then, and the names FacePair put in it. */
export interface XmpExportRecord {
  sidecar: string;
  photoId: number | null;
  sha256: string;
  names: string[];
  exportedAt: string;
}

export type RegionOutcome = 'named' | 'already' | 'kept-yours' | 'unmatched';

/** A named face region read from a photo's XMP, and what the scan did with it. */
export interface XmpRegionRecord {
  id: number;
  photoId: number;
  regionKey: string;
  name: string;
  source: string;
  box: [number, number, number, number];
  faceId: number | null;
  outcome: RegionOutcome;
  actionId: number | null;
  readAt: string;
}

/** A named face on a present photo: what an export writes. */
export interface NamedFaceRow {
  photoId: number;
  photoPath: string;
  photoWidth: number;
  photoHeight: number;
  faceId: number;
  box: [number, number, number, number];
  name: string;
}

/** A present photo, as the import reads it. */
export interface PresentPhoto {
  id: number;
  path: string;
  width: number;
  height: number;
  contentHash: string;
  analyzerVersion: number;
}

/** A region no detected face matched, with its photo, for `facepair status`. */
export interface UnmatchedRegion {
  photoPath: string;
  name: string;
  source: string;
  box: [number, number, number, number];
}

type RegionSql = { id: number; photo_id: number; region_key: string; name: string; source: string; x: number; y: number; w: number; h: number; face_id: number | null; outcome: RegionOutcome; action_id: number | null; read_at: string };

const toRegion = (r: RegionSql): XmpRegionRecord => ({
  id: r.id,
  photoId: r.photo_id,
  regionKey: r.region_key,
  name: r.name,
  source: r.source,
  box: [r.x, r.y, r.w, r.h],
  faceId: r.face_id,
  outcome: r.outcome,
  actionId: r.action_id,
  readAt: r.read_at,
});

/** What FacePair wrote to and read from XMP: sidecars exported, regions imported, reads done. */
export class XmpRepository {
  private readonly exportBySidecar;
  private readonly upsertExport;
  private readonly regionsOfPhoto;
  private readonly upsertRegion;
  private readonly unmatchedStmt;
  private readonly readSig;
  private readonly upsertRead;
  private readonly namesOfFacesStmt;
  private readonly namedFacesStmt;
  private readonly presentStmt;

  constructor(db: Db) {
    this.exportBySidecar = db.prepare<[string], { sidecar: string; photo_id: number | null; sha256: string; names: string; exported_at: string }>(
      'SELECT * FROM xmp_exports WHERE sidecar = ?',
    );
    this.upsertExport = db.prepare(
      `INSERT INTO xmp_exports (sidecar, photo_id, sha256, names, exported_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (sidecar) DO UPDATE SET photo_id = excluded.photo_id, sha256 = excluded.sha256, names = excluded.names, exported_at = excluded.exported_at`,
    );
    this.regionsOfPhoto = db.prepare<[number], RegionSql>('SELECT * FROM xmp_regions WHERE photo_id = ? ORDER BY id');
    this.upsertRegion = db.prepare(
      `INSERT INTO xmp_regions (photo_id, region_key, name, source, x, y, w, h, face_id, outcome, action_id, read_at)
       VALUES (@photoId, @regionKey, @name, @source, @x, @y, @w, @h, @faceId, @outcome, @actionId, @readAt)
       ON CONFLICT (photo_id, region_key) DO UPDATE SET source = excluded.source, x = excluded.x, y = excluded.y, w = excluded.w, h = excluded.h,
         face_id = excluded.face_id, outcome = excluded.outcome, action_id = excluded.action_id, read_at = excluded.read_at`,
    );
    this.unmatchedStmt = db.prepare<[], { path: string; name: string; source: string; x: number; y: number; w: number; h: number }>(
      `SELECT p.path, r.name, r.source, r.x, r.y, r.w, r.h FROM xmp_regions r JOIN photos p ON p.id = r.photo_id
       WHERE r.outcome = 'unmatched' AND p.status = 'done' ORDER BY p.path, r.id`,
    );
    this.readSig = db.prepare<[number], { signature: string }>('SELECT signature FROM xmp_reads WHERE photo_id = ?');
    this.upsertRead = db.prepare(
      'INSERT INTO xmp_reads (photo_id, signature, read_at) VALUES (?, ?, ?) ON CONFLICT (photo_id) DO UPDATE SET signature = excluded.signature, read_at = excluded.read_at',
    );
    this.namesOfFacesStmt = db.prepare<[], { face_id: number; name: string; source: string }>(
      "SELECT face_id, name, source FROM xmp_regions WHERE face_id IS NOT NULL AND outcome = 'named' ORDER BY id",
    );
    // Hidden people are left out: the user chose not to see them.
    this.namedFacesStmt = db.prepare<[], { photo_id: number; path: string; width: number; height: number; face_id: number; x: number; y: number; w: number; h: number; name: string }>(
      `SELECT p.id AS photo_id, p.path, p.width, p.height, f.id AS face_id, f.x, f.y, f.w, f.h, pe.name
       FROM faces f JOIN photos p ON p.id = f.photo_id JOIN people pe ON pe.id = f.person_id
       WHERE p.status = 'done' AND f.lost_at IS NULL AND pe.name IS NOT NULL AND pe.hidden = 0 AND p.width > 0 AND p.height > 0
       ORDER BY p.path, f.idx`,
    );
    this.presentStmt = db.prepare<[], { id: number; path: string; width: number; height: number; content_hash: string; analyzer_version: number | null }>(
      "SELECT id, path, width, height, content_hash, analyzer_version FROM photos WHERE status = 'done' AND width > 0 AND height > 0 ORDER BY path",
    );
  }

  findExport(sidecar: string): XmpExportRecord | undefined {
    const r = this.exportBySidecar.get(sidecar);
    return r && { sidecar: r.sidecar, photoId: r.photo_id, sha256: r.sha256, names: JSON.parse(r.names) as string[], exportedAt: r.exported_at };
  }

  recordExport(sidecar: string, photoId: number, sha256: string, names: readonly string[]): void {
    this.upsertExport.run(sidecar, photoId, sha256, JSON.stringify(names), new Date().toISOString());
  }

  regionsOf(photoId: number): XmpRegionRecord[] {
    return this.regionsOfPhoto.all(photoId).map(toRegion);
  }

  saveRegion(r: Omit<XmpRegionRecord, 'id' | 'readAt'>): void {
    const [x, y, w, h] = r.box;
    this.upsertRegion.run({ ...r, x, y, w, h, readAt: new Date().toISOString() });
  }

  listUnmatched(): UnmatchedRegion[] {
    return this.unmatchedStmt.all().map((r) => ({ photoPath: r.path, name: r.name, source: r.source, box: [r.x, r.y, r.w, r.h].map((v) => Math.round(v)) as UnmatchedRegion['box'] }));
  }

  /** Where each imported name came from, by face. */
  importedNames(): Map<number, { name: string; source: string }> {
    return new Map(this.namesOfFacesStmt.all().map((r) => [r.face_id, { name: r.name, source: r.source }]));
  }

  /** Every named face of a person not hidden, on present photos, by photo path. */
  namedFaces(): NamedFaceRow[] {
    return this.namedFacesStmt.all().map((r) => ({
      photoId: r.photo_id,
      photoPath: r.path,
      photoWidth: r.width,
      photoHeight: r.height,
      faceId: r.face_id,
      box: [r.x, r.y, r.w, r.h],
      name: r.name,
    }));
  }

  presentPhotos(): PresentPhoto[] {
    return this.presentStmt.all().map((r) => ({ id: r.id, path: r.path, width: r.width, height: r.height, contentHash: r.content_hash, analyzerVersion: r.analyzer_version ?? 0 }));
  }

  readSignature(photoId: number): string | null {
    return this.readSig.get(photoId)?.signature ?? null;
  }

  recordRead(photoId: number, signature: string): void {
    this.upsertRead.run(photoId, signature, new Date().toISOString());
  }
}
