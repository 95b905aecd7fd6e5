import path from 'node:path';
import type { ExifTool } from 'exiftool-vendored';

import type { FacesRepository } from '../db/faces.repository.js';
import type { PeopleRepository } from '../db/people.repository.js';
import type { PresentPhoto, RegionOutcome, XmpRepository } from '../db/xmp.repository.js';
import type { PeopleService } from '../people/people.service.js';
import { matchRegionsToFaces, nameKey, regionKey, type NamedRegion } from './face-regions.js';
import { withExiftool } from './exiftool.js';
import { existingSidecars, mayHoldRegions, readRegions } from './region-reader.js';

export interface NamesImportSummary {
  /** Photos whose XMP (embedded or sidecar) was read in this scan: new or changed since. */
  photosRead: number;
  /** Named face regions found in them that no earlier scan had applied. */
  regions: number;
  /** Regions that named a face (confirmed as the user's answer, with the labels that follow). */
  named: number;
  /** Regions whose face already carried that name. */
  already: number;
  /** Regions on a face the user had placed in FacePair under another name: FacePair's decision kept. */
  keptYours: number;
  /** Regions no detected face matched: listed by `facepair status`, never invented. */
  unmatched: number;
  /** Files whose XMP could not be read, and why. */
  errors: Array<{ file: string; error: string }>;
}

const emptySummary = (): NamesImportSummary => ({ photosRead: 0, regions: 0, named: 0, already: 0, keptYours: 0, unmatched: 0, errors: [] });

interface Decided {
  photoId: number;
  key: string;
  region: NamedRegion;
  faceId: number | null;
  outcome: RegionOutcome;
}

/**
 * "In": face names other photo tools wrote (MWG regions as digiKam, Lightroom and Picasa
 * write them; Microsoft Photo regions) in a photo's embedded XMP or its sidecar, matched to
 * the faces FacePair detected by box overlap and recorded as the user's own answers, through
 * the same edits the window makes. Each region is applied once: a later scan, a rename or an
 * undo in FacePair is never overwritten by reading the same region again.
 */
export class NamesImportService {
  constructor(
    private readonly xmp: XmpRepository,
    private readonly faces: FacesRepository,
    private readonly people: PeopleRepository,
    private readonly edits: PeopleService,
  ) {}

  async importNew(signal?: AbortSignal): Promise<NamesImportSummary> {
    const summary = emptySummary();
    const decided: Decided[] = [];
    const reads: Array<{ photoId: number; signature: string }> = [];
    await withExiftool(async (et) => {
      for (const photo of this.xmp.presentPhotos()) {
        if (signal?.aborted) break;
        const sidecars = await existingSidecars(photo.path);
        const signature = [`${photo.contentHash}:${photo.analyzerVersion}`, ...sidecars.map((s) => `${path.basename(s.file)}:${s.size}:${Math.round(s.mtimeMs)}`)].join('|');
        if (this.xmp.readSignature(photo.id) === signature) continue;
        const regions = await this.readAll(et, photo, sidecars.map((s) => s.file), summary);
        if (regions === null) continue;
        summary.photosRead++;
        decided.push(...this.decide(photo, regions));
        reads.push({ photoId: photo.id, signature });
      }
    });
    for (const d of decided) {
      summary.regions++;
      if (d.outcome === 'named') summary.named++;
      else if (d.outcome === 'already') summary.already++;
      else if (d.outcome === 'kept-yours') summary.keptYours++;
      else summary.unmatched++;
    }
    const save = (actionId: number | null): void => {
      for (const d of decided) {
        this.xmp.saveRegion({ photoId: d.photoId, regionKey: d.key, name: d.region.name, source: d.region.source, box: d.region.box, faceId: d.faceId, outcome: d.outcome, actionId: d.outcome === 'named' ? actionId : null });
      }
      for (const r of reads) this.xmp.recordRead(r.photoId, r.signature);
    };
    const toName = decided.filter((d) => d.outcome === 'named').map((d) => ({ faceId: d.faceId!, name: d.region.name }));
    if (toName.length > 0) {
      const n = toName.length;
      this.edits.confirmNames(toName, `Took ${n} ${n === 1 ? 'name' : 'names'} from the photos' XMP tags`, save);
    } else {
      save(null);
    }
    return summary;
  }

  /** The photo's named regions from its own XMP and its sidecars, one per name and place; null when unreadable. */
  private async readAll(et: () => ExifTool, photo: PresentPhoto, sidecars: string[], summary: NamesImportSummary): Promise<NamedRegion[] | null> {
    const upright = { path: photo.path, width: photo.width, height: photo.height };
    const found: NamedRegion[] = [];
    const files = [...((await mayHoldRegions(photo.path)) ? [{ file: photo.path, source: 'embedded' }] : []), ...sidecars.map((f) => ({ file: f, source: path.basename(f) }))];
    for (const { file, source } of files) {
      try {
        found.push(...(await readRegions(et(), file, upright, source)));
      } catch (err) {
        summary.errors.push({ file, error: (err as Error).message.split('\n')[0] ?? 'unreadable' });
        return null;
      }
    }
    const byKey = new Map<string, NamedRegion>();
    for (const r of found) if (!byKey.has(regionKey(r, photo.width, photo.height))) byKey.set(regionKey(r, photo.width, photo.height), r);
    return [...byKey.values()];
  }

  /** What to do with each region not applied before: name its face, or say why not. */
  private decide(photo: PresentPhoto, regions: readonly NamedRegion[]): Decided[] {
    const before = new Map(this.xmp.regionsOf(photo.id).map((r) => [r.regionKey, r]));
    const faces = this.faces.listForPhoto(photo.id);
    const match = matchRegionsToFaces(regions.map((r) => r.box), faces.map((f) => f.box));
    const out: Decided[] = [];
    const namedInPhoto = new Set<string>();
    regions.forEach((region, i) => {
      const key = regionKey(region, photo.width, photo.height);
      const earlier = before.get(key);
      if (earlier && earlier.outcome !== 'unmatched') return; // applied once; later decisions are the user's
      const faceIndex = match[i];
      if (faceIndex === null || faceIndex === undefined) {
        if (!earlier) out.push({ photoId: photo.id, key, region, faceId: null, outcome: 'unmatched' });
        return;
      }
      const face = faces[faceIndex]!;
      const person = face.personId !== null ? this.people.find(face.personId) : undefined;
      let outcome: RegionOutcome;
      if (person?.name && nameKey(person.name) === nameKey(region.name)) outcome = 'already';
      else if (face.assignedBy === 'user' || namedInPhoto.has(nameKey(region.name))) outcome = 'kept-yours';
      else outcome = 'named';
      if (outcome === 'named') namedInPhoto.add(nameKey(region.name));
      out.push({ photoId: photo.id, key, region, faceId: face.id, outcome });
    });
    return out;
  }
}
