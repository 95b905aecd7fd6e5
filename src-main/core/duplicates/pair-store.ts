import type { Db } from '../db/database.js';
import type { CheckedPair, DuplicatePairsRepository, PairsSnapshot, RelatedPair } from '../db/duplicate-pairs.repository.js';
import type { FingerprintsRepository, SearchRow } from '../db/fingerprints.repository.js';
import { CANDIDATE_BITS, candidatesTouching, exactPairs, pairSides, searchable, type DuplicatePair, type SearchOptions } from './find-duplicates.js';
import { verifyPair, VERIFY_VERSION, type RelativeBox } from './verify-pair.js';

/** The search and check the stored pairs were made with: another value makes them again. */
export const PAIRS_VERSION = `candidates ${CANDIDATE_BITS} bits, check ${VERIFY_VERSION}`;

/** What bringing the stored pairs up to date did. */
export interface PairUpdate {
  /** Photos searched against every analysed photo (new, changed, or all after a new version). */
  searched: number;
  /** Candidate pairs checked. */
  candidates: number;
  /** Whether the results were stored (false where the library cannot be written, or nothing was to do). */
  stored: boolean;
  ms: number;
}

/** A listing's pairs: every related pair of analysed photos, as findDuplicatePairs gives them. */
export interface StoredListing {
  pairs: DuplicatePair[];
  update: PairUpdate;
}

/**
 * The duplicates' pairs kept in the library: each analysed photo is searched (multi-index
 * hashing against every analysed photo, then the finer check of each candidate) once, when it
 * is new, changed or back, and the checks are stored; a listing reads them. Exact copies and
 * the user's "not duplicates" are applied when listing (cheap, and they change without the
 * photos changing).
 */
export class PairStore {
  constructor(
    private readonly db: Db,
    private readonly fingerprints: FingerprintsRepository,
    private readonly stored: DuplicatePairsRepository,
  ) {}

  /** Brings the stored pairs up to date (after a scan's analysis): the photos not searched yet, against all. */
  update(): PairUpdate {
    return this.refresh(false).update;
  }

  /**
   * Every related pair of analysed photos: exact copies, then the stored pairs and those of the
   * photos searched now, by a then b (findDuplicatePairs' answer for the same library).
   */
  list(options: { dismissed?: (a: { contentHash: string }, b: { contentHash: string }) => boolean } = {}): StoredListing {
    const dismissed = options.dismissed ?? (() => false);
    const { sharing, rows, snap, searchedNow, checked, update } = this.refresh(true);
    const exact = exactPairs(sharing, dismissed);
    // The stored pairs are of analysed photos (read so); those of the photos searched now replace theirs.
    const fromStore: RelatedPair[] = snap.version === PAIRS_VERSION ? snap.related.filter((p) => !searchedNow.has(p.a) && !searchedNow.has(p.b)) : [];
    const hashOf = new Map<number, string>();
    if (rows) for (const p of checked) if (p.class !== null) for (const id of [p.a, p.b]) if (!hashOf.has(id)) hashOf.set(id, rows.find(id)!.contentHash);
    const searched = checked.filter((p) => p.class !== null).map((p) => ({ ...p, hashA: hashOf.get(p.a)!, hashB: hashOf.get(p.b)! }));
    const pairs = exact.pairs;
    for (const p of mergeByPair(fromStore, searched)) {
      if (exact.keys.has(`${p.a}:${p.b}`)) continue;
      if (dismissed({ contentHash: p.hashA }, { contentHash: p.hashB })) continue;
      pairs.push({ a: p.a, b: p.b, class: p.class! });
    }
    return { pairs, update };
  }

  /**
   * Searches the photos not searched yet (all of them when the stored pairs are of another
   * version) and stores what it found where the library can be written; returns the analysed
   * photos, the snapshot the search started from, the photos it searched and its checks.
   */
  private refresh(forListing: boolean): { sharing: SearchRow[]; rows: { find(id: number): SearchRow | undefined } | null; snap: PairsSnapshot; searchedNow: Map<number, number>; checked: CheckedPair[]; update: PairUpdate } {
    const t0 = performance.now();
    const writable = !this.db.readonly;
    if (this.stored.version() !== PAIRS_VERSION && writable) {
      try {
        this.stored.reset(PAIRS_VERSION);
      } catch (err) {
        if (!cannotWrite(err)) throw err;
      }
    }
    // The stored pairs, the photos that may be exact copies, the photos to search and every
    // analysed photo (only when some are to be searched), as of one moment.
    const { snap, rows, sharing } = this.db.transaction(() => {
      const snap = this.stored.snapshot();
      const sharing = forListing ? this.fingerprints.listSharingContent() : [];
      const rows = snap.version === PAIRS_VERSION && snap.stale.size === 0 ? null : this.fingerprints.listForSearch();
      return { snap, rows, sharing };
    })();
    const everything = snap.version !== PAIRS_VERSION;
    if (!rows) return { sharing, rows: null, snap, searchedNow: new Map(), checked: [], update: { searched: 0, candidates: 0, stored: false, ms: performance.now() - t0 } };
    const searchedNow = new Map<number, number>();
    const faces = new Map<number, RelativeBox[] | null>();
    const options: SearchOptions = {
      facesOf: (id) => {
        if (!faces.has(id)) faces.set(id, this.fingerprints.facesOf(id));
        return faces.get(id)!;
      },
      detailsOf: (id) => this.fingerprints.details(id),
      packed: { words: rows.words, present: rows.present },
    };
    const at = searchable(rows.photos, options, options.packed!);
    const marked = new Uint8Array(at.length);
    at.forEach((i, k) => {
      const id = rows.photos[i]!.id;
      const token = snap.stale.get(id);
      if (everything || token !== undefined) marked[k] = 1;
    });
    // Every stale analysed photo is searched now, those without a fingerprint too (they have no pairs).
    for (const p of rows.photos) {
      const token = snap.stale.get(p.id);
      if (token !== undefined) searchedNow.set(p.id, token);
      else if (everything) searchedNow.set(p.id, 0);
    }
    const candidates = candidatesTouching(at, rows.words, marked);
    const n = at.length;
    const sides = pairSides(options);
    const checked: CheckedPair[] = [];
    for (const key of candidates) {
      const a = rows.photos[at[Math.floor(key / n)]!]!, b = rows.photos[at[key % n]!]!;
      const [lo, hi] = a.id < b.id ? [a, b] : [b, a];
      const s = sides(lo, hi);
      checked.push({ a: lo.id, b: hi.id, class: s ? verifyPair(s[0], s[1]).class : null });
    }
    checked.sort((x, y) => x.a - y.a || x.b - y.b);
    let stored = false;
    if (writable && !everything) {
      try {
        this.stored.store(searchedNow, checked);
        stored = true;
      } catch (err) {
        if (!cannotWrite(err)) throw err;
      }
    }
    return { sharing, rows: { find: (id) => findById(rows.photos, id) }, snap, searchedNow, checked, update: { searched: marked.reduce((s, m) => s + m, 0), candidates: candidates.length, stored, ms: performance.now() - t0 } };
  }
}

/** The photo of this id among photos sorted by id. */
function findById(photos: readonly SearchRow[], id: number): SearchRow | undefined {
  let lo = 0, hi = photos.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (photos[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return photos[lo]?.id === id ? photos[lo] : undefined;
}

/** Two lists of pairs ascending by a then b, with no pair in common, as one. */
function mergeByPair<P extends CheckedPair>(x: readonly P[], y: readonly P[]): P[] {
  const out: P[] = [];
  let i = 0, j = 0;
  while (i < x.length && j < y.length) out.push((x[i]!.a - y[j]!.a || x[i]!.b - y[j]!.b) < 0 ? x[i++]! : y[j++]!);
  while (i < x.length) out.push(x[i++]!);
  while (j < y.length) out.push(y[j++]!);
  return out;
}

/** A write refused because the library cannot be written now (read-only file or folder, another writer): the listing still answers. */
function cannotWrite(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM'));
}
