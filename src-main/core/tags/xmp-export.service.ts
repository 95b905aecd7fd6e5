import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ExifTool, WriteTags } from 'exiftool-vendored';

import type { NamedFaceRow, XmpRepository } from '../db/xmp.repository.js';
import { toMwgArea } from './face-regions.js';
import { withExiftool } from './exiftool.js';
import { sidecarCandidates } from './region-reader.js';
import { commonFolder, sidecarBeside, sidecarTarget, type SidecarDestination, type SidecarNaming } from './sidecar-paths.js';
import { mergeOwned, sameOwned, type PhotoTags } from './xmp-merge.js';

export interface ExportOptions {
  /** `beside`: a sidecar next to each photo (the user asked for it); else a mirror folder. */
  destination: { kind: 'beside' } | { kind: 'mirror'; out: string };
  naming: SidecarNaming;
  dryRun: boolean;
  /** Merge into sidecars changed by another program since FacePair's last export too. */
  force?: boolean;
}

export type SidecarOutcome = 'created' | 'merged' | 'updated' | 'unchanged' | 'skipped';

export interface ExportedSidecar {
  photo: string;
  sidecar: string;
  names: string[];
  regions: number;
  outcome: SidecarOutcome;
  /** Why a sidecar was skipped. */
  reason?: string;
}

export interface ExportSummary {
  dryRun: boolean;
  destination: 'beside' | 'mirror';
  /** The mirror folder (null beside the photos). */
  out: string | null;
  /** Photos with a named face. */
  photos: number;
  /** Face regions in the sidecars written (or, in a dry run, that would be). */
  regions: number;
  counts: Record<SidecarOutcome, number>;
  sidecars: ExportedSidecar[];
}

/** The mirror folder an export writes into by default: beside the database, like its face crops (`library.xmp/`). */
export function defaultXmpMirror(dbFile: string): string {
  const abs = path.resolve(dbFile);
  return path.join(path.dirname(abs), `${path.basename(abs, path.extname(abs))}.xmp`);
}

const sha256 = (buf: Buffer): string => createHash('sha256').update(buf).digest('hex');
const exists = async (file: string): Promise<boolean> => (await stat(file).catch(() => null))?.isFile() ?? false;

/** The tags of one photo: one MWG face region per named face, in the upright photo. */
function photoTags(faces: readonly NamedFaceRow[]): PhotoTags {
  const { photoWidth: width, photoHeight: height } = faces[0]!;
  return { width, height, regions: faces.map((f) => ({ name: f.name, area: toMwgArea(f.box, width, height) })) };
}

/**
 * `tags export`: what FacePair knows, written as XMP sidecars other photo software reads (MWG
 * face regions, IPTC PersonInImage, dc:subject, lr:hierarchicalSubject). Photo files are never
 * touched: only `.xmp` files are written, into a mirror folder unless the user asked for
 * sidecars beside the photos. An existing sidecar is merged; one changed by another program
 * since FacePair last wrote it is skipped (unless forced), and the summary says so.
 */
export class XmpExportService {
  constructor(private readonly xmp: XmpRepository) {}

  async export(options: ExportOptions): Promise<ExportSummary> {
    const byPhoto = new Map<string, NamedFaceRow[]>();
    for (const f of this.xmp.namedFaces()) {
      const list = byPhoto.get(f.photoPath) ?? [];
      list.push(f);
      byPhoto.set(f.photoPath, list);
    }
    const photoPaths = new Set(this.xmp.presentPhotos().map((p) => p.path));
    const dest: SidecarDestination =
      options.destination.kind === 'beside' ? { kind: 'beside' } : { kind: 'mirror', out: path.resolve(options.destination.out), root: commonFolder([...photoPaths]) };
    const summary: ExportSummary = {
      dryRun: options.dryRun,
      destination: dest.kind,
      out: dest.kind === 'mirror' ? dest.out : null,
      photos: byPhoto.size,
      regions: 0,
      counts: { created: 0, merged: 0, updated: 0, unchanged: 0, skipped: 0 },
      sidecars: [],
    };
    const claimed = new Map<string, string>();
    await withExiftool(async (et) => {
      for (const [photo, faces] of byPhoto) {
        const sidecar = sidecarTarget(photo, options.naming, dest);
        const tags = photoTags(faces);
        const names = [...new Set(tags.regions.map((r) => r.name))];
        const entry: ExportedSidecar = { photo, sidecar, names, regions: tags.regions.length, outcome: 'skipped' };
        const other = claimed.get(sidecar);
        if (other !== undefined) entry.reason = `${other} has the same sidecar name (${path.basename(sidecar)}): choose the photo.jpg.xmp naming`;
        else if (!sidecar.toLowerCase().endsWith('.xmp') || photoPaths.has(sidecar)) entry.reason = 'not a sidecar path: FacePair never writes into a photo';
        else Object.assign(entry, await this.exportOne(et, photo, faces[0]!.photoId, sidecar, tags, names, options, dest));
        claimed.set(sidecar, photo);
        summary.counts[entry.outcome]++;
        if (entry.outcome !== 'skipped' && entry.outcome !== 'unchanged') summary.regions += entry.regions;
        summary.sidecars.push(entry);
      }
    });
    return summary;
  }

  private async exportOne(
    getEt: () => ExifTool,
    photo: string,
    photoId: number,
    sidecar: string,
    tags: PhotoTags,
    names: string[],
    options: ExportOptions,
    dest: SidecarDestination,
  ): Promise<Pick<ExportedSidecar, 'outcome' | 'reason'>> {
    const record = this.xmp.findExport(sidecar);
    const present = await exists(sidecar);
    // A mirror's sidecar starts from the one beside the photo, so that its other fields carry over.
    const seed = !present && dest.kind === 'mirror' ? await this.besideSidecar(photo, options.naming) : null;
    const source = present ? sidecar : seed;
    if (present && record && sha256(await readFile(sidecar)) !== record.sha256 && !options.force) {
      return { outcome: 'skipped', reason: `changed by another program since FacePair wrote it on ${record.exportedAt.slice(0, 10)}: left as it is (--force merges into it)` };
    }
    const existing = source ? ((await getEt().read(source, { readArgs: ['-struct'] })) as Record<string, unknown>) : null;
    const wanted = mergeOwned(existing, tags, record?.names ?? []);
    if (present && existing && sameOwned(existing, wanted)) {
      if (!options.dryRun && !record) this.xmp.recordExport(sidecar, photoId, sha256(await readFile(sidecar)), names);
      return { outcome: 'unchanged' };
    }
    const outcome: 'created' | 'merged' | 'updated' = !source ? 'created' : present && record ? 'updated' : 'merged';
    if (options.dryRun) return { outcome };
    await mkdir(path.dirname(sidecar), { recursive: true });
    if (seed) await copyFile(seed, sidecar);
    await getEt().write(sidecar, wanted as unknown as WriteTags, { writeArgs: ['-overwrite_original'] });
    this.xmp.recordExport(sidecar, photoId, sha256(await readFile(sidecar)), names);
    return { outcome };
  }

  private async besideSidecar(photo: string, naming: SidecarNaming): Promise<string | null> {
    const preferred = sidecarBeside(photo, naming);
    for (const file of [preferred, ...sidecarCandidates(photo).filter((f) => f !== preferred)]) {
      if (await exists(file)) return file;
    }
    return null;
  }
}
