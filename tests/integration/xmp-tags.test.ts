import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src-main/core/app.js';
import { iou, type PixelBox } from '../../src-main/core/tags/face-regions.js';
import type { ExportSummary } from '../../src-main/core/tags/xmp-export.service.js';
import { runCli, runCliJson } from '../support/cli.js';
import { IDENTITIES, tempDir } from '../support/paths.js';

// Names out as XMP sidecars, read back by Debian's own exiftool, and in again: a library
// scanned and named, exported into a mirror folder, and a copy of its photos with those
// sidecars scanned into a fresh database must give the same people the same names, with no
// question asked of the user.

const EXIFTOOL = '/usr/bin/exiftool';
const NAMES: Record<string, string> = { id01: 'Zoë Ångström', id02: 'Ben, Jr', id03: 'Chloé "Coco" Li' };
const PHOTOS: Array<[string, string]> = [
  ['id01', 'img1.jpg'],
  ['id01', 'img10.jpg'],
  ['id02', 'img26.jpg'],
  ['id02', 'img27.jpg'],
  ['id03', 'img8.jpg'],
  ['id03', 'img50.jpg'],
];
/** A copy of id01/img11.jpg stored turned a quarter (EXIF orientation 6): upright it is the same photo. */
const ROTATED = 'id01/img11-rotated.jpg';
const ROTATED_FROM = 'id01/img11.jpg';

interface FaceRow {
  id: number;
  rel: string;
  width: number;
  height: number;
  box: PixelBox;
  name: string | null;
  assignedBy: string | null;
}

function query<T>(dbFile: string, sql: string): T[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function facesOf(dbFile: string, root: string): FaceRow[] {
  return query<{ id: number; path: string; width: number; height: number; x: number; y: number; w: number; h: number; name: string | null; assigned_by: string | null }>(
    dbFile,
    `SELECT f.id, p.path, p.width, p.height, f.x, f.y, f.w, f.h, pe.name, f.assigned_by FROM faces f JOIN photos p ON p.id = f.photo_id
     LEFT JOIN people pe ON pe.id = f.person_id WHERE f.lost_at IS NULL AND p.status = 'done' ORDER BY p.path, f.idx`,
  ).map((r) => ({ id: r.id, rel: path.relative(root, r.path), width: r.width, height: r.height, box: [r.x, r.y, r.w, r.h], name: r.name, assignedBy: r.assigned_by }));
}

interface ExiftoolRegion {
  Area: { X: number; Y: number; W: number; H: number; Unit: string };
  Name: string;
  Type: string;
}
interface ExiftoolSidecar {
  SourceFile: string;
  RegionInfo?: { AppliedToDimensions: { W: number; H: number; Unit: string }; RegionList: ExiftoolRegion[] };
  PersonInImage?: string | string[];
  Subject?: string | string[];
  HierarchicalSubject?: string | string[];
  Rating?: number;
  TagsList?: string | string[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Debian's exiftool reading files, as another program would. */
function exiftoolRead(files: string[]): ExiftoolSidecar[] {
  return JSON.parse(execFileSync(EXIFTOOL, ['-j', '-struct', ...files], { encoding: 'utf8' })) as ExiftoolSidecar[];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => statSync(f).isFile()).sort();
}

const hashes = (files: string[]): Record<string, string> => Object.fromEntries(files.map((f) => [f, createHash('sha256').update(readFileSync(f)).digest('hex')]));

/** Names every person by the identity (the photo's folder) of most of its faces, through the window's edits. */
function nameByFolder(dbFile: string, lib: string): void {
  const app = createApp({ dbFile, mustExist: true });
  try {
    const byIdentity = new Map<string, number[]>();
    for (const p of app.people.list()) {
      const votes = new Map<string, number>();
      for (const f of p.faces) {
        const id = path.relative(lib, f.photo).split(path.sep)[0]!;
        votes.set(id, (votes.get(id) ?? 0) + 1);
      }
      const identity = [...votes.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), p.id]);
    }
    for (const [identity, people] of byIdentity) {
      const [target, ...rest] = people;
      if (rest.length > 0) app.edits.merge(target!, rest);
      app.edits.rename(target!, NAMES[identity]!);
    }
  } finally {
    app.close();
  }
}

describe('XMP face tags: out, read back by exiftool, and in again', () => {
  const root = tempDir('xmp');
  const lib = path.join(root, 'photos');
  const db1 = path.join(root, 'first', 'library.db');
  const mirror = path.join(root, 'mirror');
  const lib2 = path.join(root, 'copy');
  const db2 = path.join(root, 'second', 'library.db');
  let named1: FaceRow[];
  let exported: ExportSummary;
  let readBack: ExiftoolSidecar[];
  let photoHashes: Record<string, string>;

  beforeAll(async () => {
    for (const [id, file] of PHOTOS) {
      mkdirSync(path.join(lib, id), { recursive: true });
      cpSync(path.join(IDENTITIES, id, file), path.join(lib, id, file));
    }
    cpSync(path.join(IDENTITIES, ROTATED_FROM), path.join(lib, ROTATED_FROM));
    // Stored pixels a quarter turn to the left, orientation 6 (turn right to view): upright, the same photo.
    await sharp(path.join(IDENTITIES, ROTATED_FROM)).rotate().rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(path.join(lib, ROTATED));
    runCliJson(['scan', lib, '--db', db1]);
    nameByFolder(db1, lib);
    named1 = facesOf(db1, lib).filter((f) => f.name !== null);
    photoHashes = hashes(filesUnder(lib));
    exported = runCliJson<ExportSummary>(['tags', 'export', '--db', db1, '--out', mirror]);
    readBack = exiftoolRead(filesUnder(mirror));
  });

  it('writes one sidecar per photo with a named face, named photo.jpg.xmp, into the mirror of the library\'s folders', () => {
    const photos = new Set(named1.map((f) => f.rel));
    expect(photos.size).toBeGreaterThanOrEqual(PHOTOS.length);
    expect(exported.counts.created).toBe(photos.size);
    expect(exported.regions).toBe(named1.length);
    expect(filesUnder(mirror).map((f) => path.relative(mirror, f)).sort()).toEqual([...photos].map((p) => `${p}.xmp`).sort());
    expect(hashes(filesUnder(lib))).toEqual(photoHashes); // no photo touched, nothing written beside them
  });

  it('exiftool reads every name and face region back as the database holds them, in the upright photo', () => {
    let regionsRead = 0;
    for (const sidecar of readBack) {
      const rel = path.relative(mirror, sidecar.SourceFile).replace(/\.xmp$/, '');
      const faces = named1.filter((f) => f.rel === rel);
      const info = sidecar.RegionInfo!;
      expect(info.AppliedToDimensions).toEqual({ W: faces[0]!.width, H: faces[0]!.height, Unit: 'pixel' });
      expect(info.RegionList).toHaveLength(faces.length);
      for (const f of faces) {
        const r = info.RegionList.find((x) => x.Name === f.name)!;
        expect(r.Type).toBe('Face');
        expect(r.Area.Unit).toBe('normalized');
        const [x, y, w, h] = f.box;
        expect(r.Area.X * f.width).toBeCloseTo(x + w / 2, 0);
        expect(r.Area.Y * f.height).toBeCloseTo(y + h / 2, 0);
        expect(r.Area.W * f.width).toBeCloseTo(w, 0);
        expect(r.Area.H * f.height).toBeCloseTo(h, 0);
        regionsRead++;
      }
      const names = [...new Set(faces.map((f) => f.name!))];
      expect(list(sidecar.PersonInImage)).toEqual(names);
      expect(list(sidecar.Subject)).toEqual(names);
      expect(list(sidecar.HierarchicalSubject)).toEqual(names.map((n) => `People|${n}`));
    }
    const matched = named1.length;
    console.log(`XMP round trip, out: ${exported.regions} regions written in ${exported.counts.created} sidecars, ${regionsRead} read back by exiftool ${execFileSync(EXIFTOOL, ['-ver'], { encoding: 'utf8' }).trim()} and matching the database (of ${matched} named faces)`);
    expect(regionsRead).toBe(exported.regions);
  });

  it('places the region of an EXIF-turned photo in its upright image, where the face is in the upright original', async () => {
    const meta = await sharp(path.join(lib, ROTATED)).metadata();
    const turned = named1.find((f) => f.rel === ROTATED)!;
    const original = named1.find((f) => f.rel === ROTATED_FROM)!;
    expect([turned.width, turned.height]).toEqual([meta.height, meta.width]); // upright = stored turned
    expect([turned.width, turned.height]).toEqual([original.width, original.height]);
    expect(iou(turned.box, original.box)).toBeGreaterThan(0.8);
    const sidecar = readBack.find((s) => s.SourceFile.endsWith(`${ROTATED}.xmp`))!;
    const a = sidecar.RegionInfo!.RegionList[0]!.Area;
    const [x, y, w, h] = original.box;
    expect(a.X * original.width).toBeCloseTo(x + w / 2, -1);
    expect(a.Y * original.height).toBeCloseTo(y + h / 2, -1);
  });

  it('merges into an existing sidecar beside a photo, keeping the fields of other programs, and leaves one changed since alone', () => {
    const photo = path.join(lib, 'id02', 'img26.jpg');
    const sidecar = `${photo}.xmp`;
    // A sidecar another program wrote (exiftool creates it from nothing, as digiKam would).
    execFileSync(EXIFTOOL, ['-q', '-XMP-xmp:Rating=4', '-XMP-digiKam:TagsList=Places/Beach', '-XMP-dc:Subject=holiday', '-XMP-dc:Subject=beach', sidecar]);
    const before = exiftoolRead([sidecar])[0]!;
    expect(before.Rating).toBe(4);
    const s = runCliJson<ExportSummary>(['tags', 'export', '--db', db1, '--sidecars']);
    expect(s.sidecars.find((x) => x.sidecar === sidecar)?.outcome).toBe('merged');
    const after = exiftoolRead([sidecar])[0]!;
    expect(after.Rating).toBe(4);
    expect(list(after.TagsList)).toEqual(['Places/Beach']);
    expect(list(after.Subject)).toEqual(['holiday', 'beach', NAMES.id02]);
    expect(after.RegionInfo?.RegionList.map((r) => r.Name)).toEqual([NAMES.id02]);
    for (const [file, hash] of Object.entries(photoHashes)) expect(hashes([file])[file]).toBe(hash);

    // Another program changes it after our export: the next export says so and does not overwrite it.
    execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-Rating=5', sidecar]);
    const changed = readFileSync(sidecar);
    const again = runCliJson<ExportSummary>(['tags', 'export', '--db', db1, '--sidecars']);
    const entry = again.sidecars.find((x) => x.sidecar === sidecar)!;
    expect(entry.outcome).toBe('skipped');
    expect(entry.reason).toMatch(/changed by another program/);
    expect(readFileSync(sidecar).equals(changed)).toBe(true);
    expect(again.counts.unchanged).toBe(again.photos - 1); // the others were ours, untouched since
    for (const f of filesUnder(lib).filter((f) => f.endsWith('.xmp'))) rmSync(f);
  });

  describe('a copy of the photos with the exported sidecars, scanned into a fresh database', () => {
    let summary: { tags: { regions: number; named: number; unmatched: number } };

    beforeAll(() => {
      for (const [id, file] of PHOTOS) {
        mkdirSync(path.join(lib2, id), { recursive: true });
        cpSync(path.join(lib, id, file), path.join(lib2, id, file));
      }
      cpSync(path.join(lib, ROTATED_FROM), path.join(lib2, ROTATED_FROM));
      cpSync(path.join(lib, ROTATED), path.join(lib2, ROTATED));
      cpSync(mirror, lib2, { recursive: true });
      summary = runCliJson(['scan', lib2, '--db', db2]);
    });

    it('gives the same faces the same names, confirmed, without one question', () => {
      const named2 = facesOf(db2, lib2).filter((f) => f.name !== null);
      let matched = 0;
      for (const f of named1) {
        const back = named2.find((g) => g.rel === f.rel && iou(g.box, f.box) > 0.9);
        expect(back, `${f.rel} ${f.name}`).toBeDefined();
        expect(back!.name).toBe(f.name);
        expect(back!.assignedBy).toBe('user');
        matched++;
      }
      console.log(`XMP round trip, in: ${summary.tags.regions} regions read on scan, ${summary.tags.named} faces named, ${matched} of ${named1.length} names matched`);
      expect(summary.tags.named).toBe(named1.length);
      expect(summary.tags.unmatched).toBe(0);
      const people = (db: string): string[] => query<{ name: string }>(db, 'SELECT name FROM people WHERE name IS NOT NULL ORDER BY name').map((r) => r.name);
      expect(people(db2)).toEqual(people(db1));
      // The names came as the user's answers: "same" labels within a person, no other action.
      expect(query<{ kind: string }>(db2, 'SELECT DISTINCT kind FROM actions').map((r) => r.kind)).toEqual(['import.xmp']);
      expect(query<{ n: number }>(db2, "SELECT count(*) AS n FROM labels WHERE source = 'import.xmp' AND same = 1")[0]!.n).toBeGreaterThan(0);
    });

    it('reads the regions once: a re-scan neither duplicates them nor undoes a rename made after', () => {
      const app = createApp({ dbFile: db2, mustExist: true });
      const ben = app.people.summaries({ includeHidden: true }).find((p) => p.name === NAMES.id02)!;
      app.edits.rename(ben.id, 'Benjamin');
      app.close();
      const later = new Date(Date.now() + 5_000);
      for (const f of filesUnder(lib2).filter((f) => f.endsWith('.xmp'))) utimesSync(f, later, later); // "changed" sidecars
      const before = { regions: query(db2, 'SELECT * FROM xmp_regions').length, people: query(db2, 'SELECT * FROM people').length, labels: query(db2, 'SELECT * FROM labels').length };
      const again = runCliJson<{ tags: { photosRead: number; regions: number } }>(['scan', lib2, '--db', db2]);
      expect(again.tags.photosRead).toBeGreaterThan(0);
      expect(again.tags.regions).toBe(0);
      expect({ regions: query(db2, 'SELECT * FROM xmp_regions').length, people: query(db2, 'SELECT * FROM people').length, labels: query(db2, 'SELECT * FROM labels').length }).toEqual(before);
      const names = query<{ name: string }>(db2, 'SELECT name FROM people WHERE name IS NOT NULL').map((r) => r.name);
      expect(names).toContain('Benjamin');
      expect(names).not.toContain(NAMES.id02);
    });

    it('leaves an undone import undone: the same regions read again name nobody', () => {
      const app = createApp({ dbFile: db2, mustExist: true });
      expect(app.edits.undo()?.kind).toBe('rename');
      expect(app.edits.undo()?.kind).toBe('import.xmp');
      app.close();
      const named = (): number => query(db2, 'SELECT 1 FROM faces f JOIN people pe ON pe.id = f.person_id WHERE pe.name IS NOT NULL').length;
      expect(named()).toBe(0);
      const later = new Date(Date.now() + 10_000);
      for (const f of filesUnder(lib2).filter((f) => f.endsWith('.xmp'))) utimesSync(f, later, later);
      const again = runCliJson<{ tags: { photosRead: number; regions: number } }>(['scan', lib2, '--db', db2]);
      expect(again.tags.photosRead).toBeGreaterThan(0);
      expect(again.tags.regions).toBe(0);
      expect(named()).toBe(0);
    });

    it('lists a region that matches no face found, and invents no face for it', () => {
      const photo = path.join(lib2, 'id03', 'img50.jpg');
      const facesBefore = facesOf(db2, lib2).length;
      // Microsoft Photo region (top-left corner, no face there) written into the photo itself, as Windows Photo Gallery did.
      execFileSync(EXIFTOOL, ['-q', '-overwrite_original', '-struct', '-XMP-MP:RegionInfoMP={Regions=[{PersonDisplayName=Ghost,Rectangle=0.01|, 0.01|, 0.05|, 0.05}]}', photo]);
      const s = runCliJson<{ tags: { unmatched: number } }>(['scan', lib2, '--db', db2]);
      expect(s.tags.unmatched).toBe(1);
      expect(facesOf(db2, lib2).length).toBe(facesBefore);
      const status = runCliJson<{ unmatchedRegions: Array<{ name: string; photoPath: string }> }>(['status', '--db', db2]);
      expect(status.unmatchedRegions).toEqual([expect.objectContaining({ name: 'Ghost', photoPath: photo })]);
      expect(runCli(['status', '--db', db2]).stdout).toMatch(/"Ghost" in .*img50\.jpg/);
    });
  });
});
