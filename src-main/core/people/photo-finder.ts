import { ApiError } from '../contract/errors.js';
import type { Db } from '../db/database.js';
import { PhotoListingRepository, type ListedPhoto, type PageStart, type PhotoFilter, type PhotoPerson } from '../db/photo-listing.repository.js';

/** Which photos to find, people given by name (as the command line takes them). */
export interface PhotoQueryByName {
  with?: readonly string[];
  without?: readonly string[];
  unnamed?: boolean;
  noFaces?: boolean;
}

export interface FoundPhoto {
  id: number;
  path: string;
  width: number | null;
  height: number | null;
  /** takenAt, else the file's time. */
  date: string;
  /** Where `date` comes from: the photo's metadata, or the file's modification time. */
  dateSource: 'taken' | 'file';
  takenAt: string | null;
  /** Faces found (lost ones aside). */
  faces: number;
  /** The named people in it, by name. */
  people: Array<{ id: number; name: string }>;
  /** Faces of nobody named (hidden people included). */
  unnamedFaces: number;
}

/** A name that matches nobody, with the names closest to it. */
export class UnknownPersonError extends ApiError {
  constructor(
    readonly wanted: string,
    readonly suggestions: string[],
  ) {
    const hint = suggestions.length > 0 ? `: did you mean ${suggestions.map((s) => `"${s}"`).join(' or ')}?` : ': see `facepair people` for the names';
    super('not_found', `Nobody is named "${wanted}"${hint}`);
  }
}

/** Case- and accent-insensitive form of a name, for matching what the user typed. */
export function foldName(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The photo browser's and `facepair photos`' queries: present photos, newest first, filtered by
 * who is in them, each with the people it shows.
 */
export class PhotoFinder {
  private readonly listing: PhotoListingRepository;
  private readonly namesStmt;

  constructor(db: Db) {
    this.listing = new PhotoListingRepository(db);
    this.namesStmt = db.prepare<[], { id: number; name: string }>('SELECT id, name FROM people WHERE name IS NOT NULL ORDER BY id');
  }

  /**
   * The people each name stands for (two people may carry one name: either counts), matched
   * without regard to case or accents; an unknown name throws UnknownPersonError.
   */
  resolveNames(names: readonly string[]): number[][] {
    const people = this.namesStmt.all();
    return names.map((wanted) => {
      const key = foldName(wanted);
      const ids = people.filter((p) => foldName(p.name) === key).map((p) => p.id);
      if (ids.length === 0) throw new UnknownPersonError(wanted, closestNames(key, people.map((p) => p.name)));
      return ids;
    });
  }

  filterByName(query: PhotoQueryByName): PhotoFilter {
    return {
      withAll: this.resolveNames(query.with ?? []),
      without: this.resolveNames(query.without ?? []).flat(),
      unnamed: query.unnamed ?? false,
      noFaces: query.noFaces ?? false,
    };
  }

  page(filter: PhotoFilter, start: PageStart, limit: number): FoundPhoto[] {
    const photos = this.listing.page(filter, start, limit);
    const people = groupBy(this.listing.peopleIn(photos.map((p) => p.id)), (r) => r.photoId);
    return photos.map((p) => found(p, people.get(p.id) ?? []));
  }

  count(filter: PhotoFilter): number {
    return this.listing.count(filter);
  }

  months(filter: PhotoFilter): Array<{ month: string; photos: number }> {
    return this.listing.months(filter);
  }

  /** Every matching photo, read a page at a time (keyset: each page starts after the last one). */
  *all(filter: PhotoFilter, pageSize = 1000): Generator<FoundPhoto> {
    let start: PageStart = { offset: 0 };
    for (;;) {
      const page = this.page(filter, start, pageSize);
      yield* page;
      const last = page.at(-1);
      if (!last || page.length < pageSize) return;
      start = { after: { date: last.date, id: last.id } };
    }
  }
}

function found(p: ListedPhoto, rows: readonly PhotoPerson[]): FoundPhoto {
  const named = rows.filter((r): r is PhotoPerson & { personId: number; name: string } => r.personId !== null && r.name !== null);
  return {
    id: p.id,
    path: p.path,
    width: p.width,
    height: p.height,
    date: p.date,
    dateSource: p.takenAt !== null ? 'taken' : 'file',
    takenAt: p.takenAt,
    faces: rows.reduce((n, r) => n + r.faces, 0),
    people: named.map((r) => ({ id: r.personId, name: r.name })),
    unnamedFaces: rows.filter((r) => r.name === null).reduce((n, r) => n + r.faces, 0),
  };
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Up to three known names closest to a folded name: the ones it starts or is contained in, else by edit distance. */
function closestNames(key: string, names: readonly string[]): string[] {
  const unique = [...new Set(names)];
  const scored = unique.map((name) => {
    const folded = foldName(name);
    const contains = key.length >= 2 && (folded.includes(key) || folded.split(' ').some((w) => w.startsWith(key)));
    return { name, d: contains ? 0 : editDistance(key, folded) };
  });
  const limit = Math.max(2, Math.floor(key.length / 3));
  return scored
    .filter((s) => s.d <= limit)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, 3)
    .map((s) => s.name);
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
