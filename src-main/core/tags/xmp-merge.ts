import { nameKey, type MwgArea } from './face-regions.js';

/** What FacePair writes for one photo: its named faces and the upright size they apply to. */
export interface PhotoTags {
  width: number;
  height: number;
  regions: Array<{ name: string; area: MwgArea }>;
}

/** The XMP values FacePair owns, as exiftool writes and reads them (`-struct`). */
export interface OwnedXmp {
  PersonInImage: string[];
  Subject: string[];
  HierarchicalSubject: string[];
  RegionInfo: { AppliedToDimensions: { W: number; H: number; Unit: string }; RegionList: Array<Record<string, unknown>> };
}

export const PEOPLE_KEYWORD_ROOT = 'People';

const asList = (v: unknown): string[] => (v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x)));

const unique = (values: readonly string[]): string[] => {
  const seen = new Set<string>();
  return values.filter((v) => (seen.has(v) ? false : (seen.add(v), true)));
};

/**
 * The sidecar's values after an export: the values another program put there are kept; ours
 * (the names written by an earlier export, `previous`, and the names now) are replaced by
 * the names now. Keywords and people lists keep their order, ours appended; regions of other
 * types, and faces named by someone else, stay.
 */
export function mergeOwned(existing: Record<string, unknown> | null, tags: PhotoTags, previous: readonly string[]): OwnedXmp {
  const names = unique(tags.regions.map((r) => r.name));
  const ours = new Set([...previous, ...names].map(nameKey));
  const notOurs = (v: string): boolean => !ours.has(nameKey(v));
  const hierarchy = (n: string): string => `${PEOPLE_KEYWORD_ROOT}|${n}`;
  const ourHierarchy = new Set([...previous, ...names].map((n) => nameKey(hierarchy(n))));
  const existingInfo = (existing?.RegionInfo ?? null) as { RegionList?: unknown } | null;
  const foreignRegions = (Array.isArray(existingInfo?.RegionList) ? existingInfo.RegionList : []).filter((r): r is Record<string, unknown> => {
    if (typeof r !== 'object' || r === null) return false;
    const region = r as { Type?: unknown; Name?: unknown };
    const isFace = region.Type === undefined || region.Type === 'Face';
    return !(isFace && region.Name !== undefined && ours.has(nameKey(String(region.Name))));
  });
  return {
    // Other programs' values stay exactly as they are, duplicates included.
    PersonInImage: [...asList(existing?.PersonInImage).filter(notOurs), ...names],
    Subject: [...asList(existing?.Subject).filter(notOurs), ...names],
    HierarchicalSubject: [...asList(existing?.HierarchicalSubject).filter((v) => !ourHierarchy.has(nameKey(v))), ...names.map(hierarchy)],
    RegionInfo: {
      AppliedToDimensions: { W: tags.width, H: tags.height, Unit: 'pixel' },
      RegionList: [...foreignRegions, ...tags.regions.map((r) => ({ Area: { ...r.area }, Name: r.name, Type: 'Face' }))],
    },
  };
}

/** Whether the file's values already are the ones an export would write (then it is left alone). */
export function sameOwned(existing: Record<string, unknown>, wanted: OwnedXmp): boolean {
  const norm = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? Math.round(x * 1e5) / 1e5 : x), 0);
  const info = existing.RegionInfo as { AppliedToDimensions?: Record<string, unknown>; RegionList?: unknown } | undefined;
  const sortKeys = (o: unknown): unknown =>
    Array.isArray(o) ? o.map(sortKeys) : typeof o === 'object' && o !== null ? Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sortKeys(v)])) : o;
  return (
    norm(asList(existing.PersonInImage)) === norm(wanted.PersonInImage) &&
    norm(asList(existing.Subject)) === norm(wanted.Subject) &&
    norm(asList(existing.HierarchicalSubject)) === norm(wanted.HierarchicalSubject) &&
    norm(sortKeys(info?.AppliedToDimensions)) === norm(sortKeys(wanted.RegionInfo.AppliedToDimensions)) &&
    norm(sortKeys(info?.RegionList ?? [])) === norm(sortKeys(wanted.RegionInfo.RegionList))
  );
}
