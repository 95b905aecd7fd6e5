import { createHash } from 'node:crypto';
import { constants as fsConstants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';

import type { ActionsRepository } from '../db/actions.repository.js';
import type { Db } from '../db/database.js';
import type { FacesRepository, FaceInfo } from '../db/faces.repository.js';
import { DuplicatePairsRepository } from '../db/duplicate-pairs.repository.js';
import { dismissalKey, type FingerprintsRepository } from '../db/fingerprints.repository.js';
import type { LabelsRepository } from '../db/labels.repository.js';
import type { PeopleRepository } from '../db/people.repository.js';
import type { PhotosRepository } from '../db/photos.repository.js';
import { hashFile } from '../library/content-hash.js';
import type { FolderMarks } from '../library/folder-marks.js';
import { ApiError, conflict, notFound } from '../contract/errors.js';
import type { PeopleService, UndoRecord } from '../people/people.service.js';
import { findDuplicatePairs, findDuplicatePairsInThreads, groupPairs, type DuplicatePair, type SearchOptions } from './find-duplicates.js';
import { coreToSpare, PairWorkers, pairThreadCount } from './pair-workers.js';
import { PairStore, type PairUpdate } from './pair-store.js';
import { RAW_EXTENSIONS } from '../library/image-kinds.js';
import { chooseKeeper, type KeeperCandidate } from './keep-best.js';
import { pairRawFiles, shotKey, type PairablePhoto, type RawPairs } from './raw-pairs.js';
import { packageTrash, restoreByHandOn, type TrashMover, type TrashPlace } from './trash-mover.js';
import type { DuplicateClass, RelativeBox } from './verify-pair.js';

/**
 * The classes of groups: duplicates (exact, same, edited), similar shots, and RAW+JPEG of one
 * shot (a pair that belongs together: listed apart, never proposed for the trash).
 */
export type GroupClass = DuplicateClass | 'raw-jpeg';
export const GROUP_CLASSES: readonly GroupClass[] = ['exact', 'same', 'edited', 'similar', 'raw-jpeg'];

export interface DuplicateFile {
  photoId: number;
  path: string;
  width: number;
  height: number;
  bytes: number;
  format: string | null;
  takenAt: string | null;
  camera: string | null;
  /** Why it is kept, or why it may go. */
  reason: string;
  /** In a folder marked reference: never proposed for the trash. */
  reference: boolean;
  /** Half of a RAW+JPEG pair whose other half stays: never proposed for the trash. */
  rawPair: boolean;
  /** In a folder marked preferred. */
  preferred: boolean;
  /**
   * The photos a trash of the group moves when this one is the keeper: every other copy but
   * those in reference folders and halves of RAW+JPEG pairs whose other half stays. Empty in a
   * group that holds no copies. The one answer the window, the CLI and `trash` go by.
   */
  trashIfKept: number[];
}

export interface DuplicateGroup {
  /** Stable while the group's files stay the same: a digest of their content hashes. */
  id: string;
  class: GroupClass;
  keeper: number;
  files: DuplicateFile[];
  /** Bytes freed by trashing the copies the suggested keeper's `trashIfKept` names (0 for similar shots and RAW+JPEG pairs). */
  wastedBytes: number;
  /** It holds copies, of which all but a keeper may go to the trash: not similar shots, not a RAW+JPEG pair. */
  copies: boolean;
}

export interface TrashedFile {
  photoId: number;
  path: string;
  trashPath: string | null;
  infoPath: string | null;
}

export interface TrashReport {
  actionId: number | null;
  trashed: TrashedFile[];
  /** Files left where they are, each with the reason. */
  refused: Array<{ path: string; reason: string }>;
}

/** The payload of a `duplicates.trash` action: an UndoRecord plus the files moved. */
interface TrashRecord extends UndoRecord {
  trash: Array<{
    photoId: number;
    path: string;
    contentHash: string;
    trashPath: string | null;
    infoPath: string | null;
    /** How to put it back by hand when FacePair does not know where the trash put it. */
    byHand?: string;
  }>;
}

export const TRASH_ACTION = 'duplicates.trash';
const formatName = (f: string | null): string => (f ?? 'unknown').toUpperCase().replace('JPG', 'JPEG');

/**
 * From how many analysed photos the search may run in worker threads: in a smaller library the
 * threads' start and warm-up would outweigh the share of the work they take.
 */
export const THREADS_FROM = 10_000;

/**
 * Duplicates: finding them (exact, same picture, edited, similar shots), the keeper of each
 * group and why, "not duplicates", and the only write to the user's folders: moving copies to
 * the trash, their faces' names and labels first given to the keeper, undoable.
 */
export class DuplicatesService {
  constructor(
    private readonly db: Db,
    private readonly photos: PhotosRepository,
    private readonly fingerprints: FingerprintsRepository,
    private readonly faces: FacesRepository,
    private readonly people: PeopleRepository,
    private readonly labels: LabelsRepository,
    private readonly actions: ActionsRepository,
    private readonly marks: FolderMarks,
    edits: PeopleService,
    private readonly mover: TrashMover = packageTrash,
  ) {
    edits.registerUndoStep(TRASH_ACTION, (payload) => this.restoreFiles(payload as TrashRecord));
    this.store = new PairStore(db, fingerprints, new DuplicatePairsRepository(db));
  }

  private readonly store: PairStore;

  /**
   * Where a listing's pairs come from: the pairs kept in the library, brought up to date first
   * (`store`), or a search of the whole library (`search`: the design before, kept to compare).
   */
  pairsFrom: 'store' | 'search' = 'store';
  /** What the last listing's update of the stored pairs did (null: it searched the whole library). */
  lastUpdate: PairUpdate | null = null;

  /**
   * Searches the photos analysed or changed since the pairs were last brought up to date
   * against every analysed photo, and stores the checks: a scan's end, so that a listing only
   * reads them.
   */
  updatePairs(): PairUpdate {
    return this.store.update();
  }

  /**
   * Every group, duplicates first (exact, same, edited), then similar shots, then RAW+JPEG
   * pairs; largest waste first within a class.
   */
  async list(options: { class?: GroupClass; withExif?: boolean } = {}): Promise<DuplicateGroup[]> {
    return (await this.listWithPairs(options)).groups;
  }

  /**
   * Where the search of the whole library (`pairsFrom = 'search'`) runs: in worker threads when
   * the machine has two cores or more, one to spare, and the library THREADS_FROM analysed
   * photos or more (`auto`); always in threads (`threads`, for tests); never (`here`). On this
   * thread wherever the threads cannot start. The stored pairs' updates run on this thread.
   */
  searchIn: 'auto' | 'threads' | 'here' = 'auto';
  private threads: PairWorkers | undefined;
  /** How the last listing ran its search: in worker threads or on this thread (null: it only read stored pairs). */
  lastSearchIn: 'threads' | 'here' | null = null;

  /** Ends the search's worker threads, if any run. */
  close(): void {
    this.threads?.close();
    this.threads = undefined;
  }

  private async listWithPairs(options: { class?: GroupClass; withExif?: boolean }): Promise<{ groups: DuplicateGroup[]; raw: RawPairs }> {
    const dismissed = this.fingerprints.dismissedKeys();
    const isDismissed = (a: { contentHash: string }, b: { contentHash: string }): boolean => dismissed.size > 0 && dismissed.has(dismissalKey(a.contentHash, b.contentHash));
    let pairs: DuplicatePair[];
    if (this.pairsFrom === 'store') {
      const listed = this.store.list({ dismissed: isDismissed });
      pairs = listed.pairs;
      this.lastUpdate = listed.update;
      this.lastSearchIn = listed.update.searched > 0 ? 'here' : null;
    } else {
      pairs = await this.searchAll(isDismissed);
      this.lastUpdate = null;
    }
    const raw = this.rawPairs(pairs);
    // The RAW and the JPEG of one shot are a pair, not duplicates: listed apart.
    const apart = pairs.filter((p) => !raw.unitOf.get(p.a)?.includes(p.b));
    const found: Array<{ class: GroupClass; members: number[] }> = [...groupPairs(apart), ...raw.units.map((u) => ({ class: 'raw-jpeg' as const, members: u }))];
    const markOf = this.marks.reader();
    const isReference = (file: string): boolean => markOf(file) === 'reference';
    const groups: DuplicateGroup[] = [];
    for (const g of found) {
      if (options.class && g.class !== options.class) continue;
      const members = g.members.map((id) => this.photos.findById(id)!);
      const exif = new Map<number, { date: boolean; camera: string | null; gps: boolean }>();
      for (const m of members) exif.set(m.id, options.withExif === false ? { date: m.taken_at !== null, camera: null, gps: false } : await readExif(m.path, m.taken_at));
      const candidates: KeeperCandidate[] = members.map((m) => ({
        photoId: m.id, path: m.path, format: m.format, width: m.width ?? 0, height: m.height ?? 0, bytes: m.size, takenAt: m.taken_at,
        exif: { date: exif.get(m.id)!.date, camera: exif.get(m.id)!.camera !== null, gps: exif.get(m.id)!.gps },
        reference: isReference(m.path), preferred: markOf(m.path) === 'preferred', rawSibling: raw.rawFileOf.get(m.id) ?? null,
      }));
      const choice = chooseKeeper(candidates);
      // A RAW+JPEG pair's own group: the RAW first, never a keeper and copies.
      const keeper = g.class === 'raw-jpeg' ? g.members[0]! : choice.keeper;
      const memberIds = new Set(g.members);
      const holdsCopies = g.class !== 'similar' && g.class !== 'raw-jpeg';
      const trashIfKept = (keeperId: number): number[] =>
        holdsCopies ? members.filter((o) => o.id !== keeperId && this.whyStays(o.id, o.path, keeperId, memberIds, raw, isReference) === null).map((o) => o.id) : [];
      const files: DuplicateFile[] = members.map((m) => {
        const stays = g.class === 'raw-jpeg' || m.id === keeper ? null : this.staysWithItsRaw(m.id, keeper, memberIds, raw, isReference);
        const reason =
          g.class === 'raw-jpeg' ? (m.id === keeper ? `the RAW file of this shot, kept with its ${members.slice(1).map((o) => formatName(o.format)).join(' and ')}` : `the ${formatName(m.format)} of ${path.basename(members[0]!.path)}: one shot, kept with its RAW file`)
            : g.class === 'similar' && m.id !== keeper ? 'a similar shot, not a copy: never proposed for the trash'
              : stays ?? choice.reasons.get(m.id)!;
        return {
          photoId: m.id, path: m.path, width: m.width ?? 0, height: m.height ?? 0, bytes: m.size, format: m.format, takenAt: m.taken_at,
          camera: exif.get(m.id)!.camera, reason, reference: isReference(m.path), preferred: markOf(m.path) === 'preferred', rawPair: g.class === 'raw-jpeg' ? m.id !== keeper : stays !== null,
          trashIfKept: trashIfKept(m.id),
        };
      });
      files.sort((a, b) => Number(b.photoId === keeper) - Number(a.photoId === keeper) || a.photoId - b.photoId);
      const goes = new Set(files[0]!.trashIfKept);
      const wastedBytes = files.filter((f) => goes.has(f.photoId)).reduce((s, f) => s + f.bytes, 0);
      const digest = createHash('sha256').update([...new Set(members.map((m) => m.content_hash))].sort().join('\n') + `\n${members.length}`).digest('hex');
      groups.push({ id: `${g.class[0]}${digest.slice(0, 11)}`, class: g.class, keeper, files, wastedBytes, copies: holdsCopies });
    }
    const order = GROUP_CLASSES;
    return { groups: groups.sort((a, b) => order.indexOf(a.class) - order.indexOf(b.class) || b.wastedBytes - a.wastedBytes || a.id.localeCompare(b.id)), raw };
  }

  /** Every related pair by a search of the whole library (the design before the stored pairs). */
  private async searchAll(isDismissed: (a: { contentHash: string }, b: { contentHash: string }) => boolean): Promise<DuplicatePair[]> {
    // The threads start first: they load while the library is read.
    const threads = this.searchThreads();
    const { photos, words, present } = this.fingerprints.listForSearch();
    const faces = new Map<number, RelativeBox[] | null>();
    const search: SearchOptions = {
      facesOf: (id) => {
        // A photo meets several candidates: its faces are read once.
        if (!faces.has(id)) faces.set(id, this.fingerprints.facesOf(id));
        return faces.get(id)!;
      },
      dismissed: isDismissed,
      detailsOf: (id) => this.fingerprints.details(id),
      packed: { words, present },
    };
    if (threads) {
      try {
        const pairs = (await findDuplicatePairsInThreads(photos, threads, search)).pairs;
        this.lastSearchIn = 'threads';
        return pairs;
      } catch {
        // A thread that failed (out of memory, killed): the same search here.
        faces.clear();
        this.close();
      }
    }
    this.lastSearchIn = 'here';
    return findDuplicatePairs(photos, search).pairs;
  }

  /** The search's threads when `searchIn` asks for them and they can start; else null. */
  private searchThreads(): PairWorkers | null {
    // Asked for, they run even on one core (slower, but the same answer).
    const count = this.searchIn === 'threads' ? 2 : pairThreadCount();
    if (count === 0 || this.searchIn === 'here') return null;
    if (this.searchIn === 'auto' && (!coreToSpare() || this.photos.countByStatus().done < THREADS_FROM)) return null;
    try {
      this.threads ??= new PairWorkers(count);
      this.threads.start();
      return this.threads;
    } catch {
      // No compiled worker (running from sources without a build): the search runs here.
      return null;
    }
  }

  /** RAW+JPEG of one shot in the library: by name beside each other, or by picture and capture time (raw-pairs.ts). */
  private rawPairs(pairs: readonly DuplicatePair[]): RawPairs {
    const rawFiles = this.fingerprints.listWithExtensions(RAW_EXTENSIONS);
    if (rawFiles.length === 0) return { units: [], unitOf: new Map(), rawFileOf: new Map() };
    const pairable = (r: { id: number; path: string; status: string; taken_at: string | null }): PairablePhoto => ({ id: r.id, path: r.path, done: r.status === 'done', takenAt: r.taken_at });
    // Names match whatever their case (IMG_0001.CR2, img_0001.jpg): each folder holding RAW files is read once.
    const byShot = new Map<string, PairablePhoto[]>();
    for (const folder of new Set(rawFiles.map((r) => path.dirname(r.path)))) {
      for (const row of this.fingerprints.listInFolder(folder, path.sep)) {
        const key = shotKey(row.path);
        const shot = byShot.get(key);
        if (shot) shot.push(pairable(row));
        else byShot.set(key, [pairable(row)]);
      }
    }
    return pairRawFiles(
      rawFiles.map(pairable),
      (r) => byShot.get(shotKey(r.path)) ?? [],
      pairs,
      (id) => {
        const row = this.photos.findById(id);
        return row && pairable(row);
      },
    );
  }

  /**
   * Why a copy in a duplicate group stays where it is though it is not the keeper: it is half
   * of a RAW+JPEG pair, and the other half stays (the keeper, or a file outside the group or
   * in a reference folder); null when it may go (with the whole of its pair, if it has one).
   */
  private staysWithItsRaw(photoId: number, keeperId: number, members: ReadonlySet<number>, raw: RawPairs, isReference: (file: string) => boolean): string | null {
    const unit = raw.unitOf.get(photoId);
    if (!unit) return null;
    const others = unit.filter((id) => id !== photoId);
    const staying = others.find((id) => id === keeperId || !members.has(id) || isReference(this.photos.findById(id)!.path));
    if (staying === undefined) return null;
    const name = path.basename(this.photos.findById(staying)!.path);
    return `one shot with ${name}, which stays: a RAW+JPEG pair is never split, so this is never proposed for the trash`;
  }

  /**
   * Why a copy stays where it is when `keeperId` is kept (a reference folder, or half of a
   * RAW+JPEG pair whose other half stays), or null when a trash moves it.
   */
  private whyStays(photoId: number, file: string, keeperId: number, members: ReadonlySet<number>, raw: RawPairs, isReference: (file: string) => boolean): string | null {
    if (isReference(file)) return 'in a reference folder: never moved to the trash';
    return this.staysWithItsRaw(photoId, keeperId, members, raw, isReference);
  }

  /** "Not duplicates": every pair of the group's photos is never proposed again. */
  async dismiss(groupId: string): Promise<number> {
    const group = (await this.list({ withExif: false })).find((g) => g.id === groupId) ?? (() => { throw notFound(`Duplicate group ${groupId}`); })();
    if (group.class === 'raw-jpeg') throw conflict(`Group ${groupId} is the RAW and the JPEG of one shot: they are never proposed as duplicates, so there is nothing to dismiss`);
    const hashes = group.files.map((f) => this.photos.findById(f.photoId)!.content_hash);
    let n = 0;
    this.db.transaction(() => {
      for (let i = 0; i < hashes.length; i++) for (let j = i + 1; j < hashes.length; j++) if (this.fingerprints.dismiss(hashes[i]!, hashes[j]!)) n++;
    })();
    return n;
  }

  /**
   * Moves the copies of the groups (all but the keeper, and never a file in a reference folder)
   * to the trash. Each file is checked right before its move (still there, same size, mtime and
   * SHA-256 as scanned); what the user decided about its faces goes to the keeper's faces first.
   */
  async trash(groupIds: readonly string[], keepers: ReadonlyMap<string, number> = new Map()): Promise<TrashReport> {
    const listed = await this.listWithPairs({ withExif: true });
    const groups = new Map(listed.groups.map((g) => [g.id, g]));
    const report: TrashReport = { actionId: null, trashed: [], refused: [] };
    const record: TrashRecord = { people: [], deleted: [], created: [], moves: [], labels: [], trash: [] };
    let actionId: number | null = null;
    const action = (): number => (actionId ??= this.actions.begin(TRASH_ACTION, 'Moved duplicates to the trash'));
    // Every group is checked before anything moves: a refusal never comes after some files went.
    const chosen = groupIds.map((id) => {
      const group = groups.get(id);
      if (!group) throw new ApiError('not_found', `Duplicate group ${id} does not exist: list the groups again (a scan or a trash changes them)`);
      if (group.class === 'similar') throw conflict(`Group ${id} holds similar shots, not copies: nothing in it is moved to the trash`);
      if (group.class === 'raw-jpeg') throw conflict(`Group ${id} is the RAW and the JPEG of one shot, not copies: nothing in it is moved to the trash`);
      const keeperId = keepers.get(id) ?? group.keeper;
      const keeper = group.files.find((f) => f.photoId === keeperId) ?? (() => { throw conflict(`Photo ${keeperId} is not in group ${id}`); })();
      if (group.files.length < 2) throw conflict(`Group ${id} has one photo left: nothing to move`);
      return { group, keeper };
    });
    const isReference = (file: string): boolean => this.marks.reader()(file) === 'reference';
    for (const { group, keeper } of chosen) {
      const keeperRow = this.photos.findById(keeper.photoId)!;
      const keeperState = await fileState(keeper.path);
      if (keeperState === null || keeperState.size !== keeperRow.size) {
        report.refused.push(...group.files.filter((f) => f !== keeper).map((f) => ({ path: f.path, reason: `its keeper ${keeper.path} is no longer there as scanned: scan again before choosing` })));
        continue;
      }
      const copies = group.files.filter((f) => f !== keeper);
      const memberIds = new Set(group.files.map((f) => f.photoId));
      const goes = new Set(keeper.trashIfKept);
      for (const copy of copies) {
        if (!goes.has(copy.photoId)) {
          report.refused.push({ path: copy.path, reason: this.whyStays(copy.photoId, copy.path, keeper.photoId, memberIds, listed.raw, isReference) ?? 'not among the copies this keeper lets go' });
          continue;
        }
        const row = this.photos.findById(copy.photoId);
        if (!row || row.status !== 'done') {
          report.refused.push({ path: copy.path, reason: 'no longer in the library' });
          continue;
        }
        const why = await changedSinceScan(row.path, row.size, row.mtime_ms, row.content_hash);
        if (why) {
          report.refused.push({ path: copy.path, reason: why });
          continue;
        }
        const plan = this.planTransfer(copy.photoId, keeper.photoId);
        if (typeof plan === 'string') {
          report.refused.push({ path: copy.path, reason: plan });
          continue;
        }
        let moved: TrashPlace;
        try {
          moved = await this.mover.moveToTrash(row.path);
        } catch (err) {
          report.refused.push({ path: copy.path, reason: trashFailure(err) });
          continue;
        }
        const aid = action();
        this.db.transaction(() => {
          this.applyTransfer(plan, aid, record);
          this.photos.markGone(row.id);
          record.trash.push({ photoId: row.id, path: row.path, contentHash: row.content_hash, ...moved, ...(moved.trashPath === null ? { byHand: this.mover.restoreByHand } : {}) });
          this.actions.setPayload(aid, record);
        })();
        report.trashed.push({ photoId: row.id, path: row.path, ...moved });
      }
    }
    if (actionId !== null) {
      const n = record.trash.length;
      this.db.prepare('UPDATE actions SET summary = ? WHERE id = ?').run(`Moved ${n} duplicate${n === 1 ? '' : 's'} to the trash`, actionId);
    }
    report.actionId = actionId;
    return report;
  }

  /**
   * For each face of the copy that carries a decision (placed by the user, in a named person,
   * or in labels), the keeper's face in the same place; a string when one has none.
   */
  private planTransfer(copyId: number, keeperId: number): Array<{ from: FaceInfo; to: FaceInfo }> | string {
    const keeperFaces = this.faces.listForPhoto(keeperId);
    const plan: Array<{ from: FaceInfo; to: FaceInfo }> = [];
    const used = new Set<number>();
    for (const face of this.faces.listForPhoto(copyId)) {
      const person = face.personId !== null ? this.people.find(face.personId) : undefined;
      const decided = face.assignedBy === 'user' || (person?.name ?? null) !== null || this.labels.listForFace(face.id).length > 0;
      if (!decided) continue;
      const r = toRelative(face);
      let best: FaceInfo | null = null, bestD = 0.08;
      for (const k of keeperFaces) {
        if (used.has(k.id)) continue;
        const q = toRelative(k);
        const d = Math.hypot(q.x + q.w / 2 - (r.x + r.w / 2), q.y + q.h / 2 - (r.y + r.h / 2));
        if (d < bestD) {
          best = k;
          bestD = d;
        }
      }
      if (!best) return `its face at ${face.box.join(',')} carries your decisions and the keeper shows no face there: choose this copy as the keeper, or keep both`;
      used.add(best.id);
      plan.push({ from: face, to: best });
    }
    return plan;
  }

  private applyTransfer(plan: Array<{ from: FaceInfo; to: FaceInfo }>, actionId: number, record: TrashRecord): void {
    for (const { from, to } of plan) {
      const fromPerson = from.personId !== null ? this.people.find(from.personId) : undefined;
      const toPerson = to.personId !== null ? this.people.find(to.personId) : undefined;
      const copyCounts = from.assignedBy === 'user' || ((fromPerson?.name ?? null) !== null && (toPerson?.name ?? null) === null);
      if (from.personId !== null && from.personId !== to.personId && copyCounts && to.assignedBy !== 'user') {
        record.moves.push({ faceId: to.id, from: to.personId, fromBy: to.assignedBy, to: from.personId });
        this.faces.assign(to.id, from.personId, 'user');
      }
      for (const label of this.labels.listForFace(from.id)) {
        const other = label.face_a === from.id ? label.face_b : label.face_a;
        if (other === to.id || this.labels.find(to.id, other)) continue;
        this.labels.record(to.id, other, label.same === 1, label.source, actionId);
      }
    }
  }

  /** The undo of a trash: files back from the trash to their paths, when both allow it. */
  private restoreFiles(rec: TrashRecord): string | null {
    const problems: string[] = [];
    for (const t of rec.trash ?? []) {
      if (existsSync(t.path)) {
        problems.push(`${t.path} was not restored: a file is at its place again (the copy stays in the trash)`);
        continue;
      }
      if (!t.trashPath) {
        // Moved by a trash that did not say where (Electron's shell.trashItem on macOS or Windows).
        problems.push(`${t.path} is in the system trash, where FacePair cannot put it back from: ${t.byHand ?? restoreByHandOn()}, then scan again`);
        continue;
      }
      if (!existsSync(t.trashPath)) {
        problems.push(`${t.path} is no longer in the trash (emptied or restored already): it cannot come back`);
        continue;
      }
      try {
        mkdirSync(path.dirname(t.path), { recursive: true });
        try {
          renameSync(t.trashPath, t.path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          restoreAcrossVolumes(t.trashPath, t.path);
        }
        if (t.infoPath && existsSync(t.infoPath)) unlinkSync(t.infoPath);
        const st = statSync(t.path);
        this.photos.move(t.photoId, { path: t.path, size: st.size, mtimeMs: Math.trunc(st.mtimeMs), contentHash: t.contentHash });
      } catch (err) {
        problems.push(`${t.path} could not be restored: ${(err as Error).message}`);
      }
    }
    const back = (rec.trash ?? []).length - problems.length;
    return [`${back} file${back === 1 ? '' : 's'} restored from the trash`, ...problems].join('. ');
  }
}

/**
 * A file back from a trash on another volume: copied beside its place under a temporary name
 * with its times (as the trash kept them), renamed into place, and only then taken out of the
 * trash; a copy cut short leaves the trash's file and nothing at the place.
 */
function restoreAcrossVolumes(from: string, to: string): void {
  const partial = path.join(path.dirname(to), `.${path.basename(to)}.facepair-restore`);
  try {
    copyFileSync(from, partial, fsConstants.COPYFILE_EXCL);
    const st = statSync(from);
    utimesSync(partial, st.atime, st.mtime);
    renameSync(partial, to);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
  unlinkSync(from);
}

function toRelative(f: FaceInfo): RelativeBox {
  const w = f.photoWidth || 1, h = f.photoHeight || 1;
  return { x: f.box[0] / w, y: f.box[1] / h, w: f.box[2] / w, h: f.box[3] / h };
}

async function fileState(file: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const st = await lstat(file);
    return st.isFile() ? { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) } : null;
  } catch {
    return null;
  }
}

/** Why a file may not be moved (vanished or changed since it was scanned), or null. */
async function changedSinceScan(file: string, size: number, mtimeMs: number, contentHash: string): Promise<string | null> {
  const st = await fileState(file);
  if (st === null) return 'the file vanished before the move (nothing was done; scan again to update the library)';
  if (st.size !== size || st.mtimeMs !== mtimeMs) return 'the file changed since it was scanned (size or modification time): scan again before moving it';
  try {
    if ((await hashFile(file)) !== contentHash) return 'the file changed since it was scanned (its content): scan again before moving it';
  } catch (err) {
    return `the file cannot be read to check it: ${(err as Error).message}`;
  }
  return null;
}

function trashFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const msg = (err as Error).message;
  // The trash of another volume is a .Trash-UID (or .Trash/UID) folder at its top, which a
  // read-only or foreign volume may not let us make: the file has nowhere to go but stays.
  const at = (err as NodeJS.ErrnoException).path;
  if (at && /[/\\]\.Trash(-\d+)?([/\\]|$)/.test(at)) return `cannot move it to the trash: its volume has no trash that can be used (${at}: ${code ?? msg}); nothing was deleted`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot move it to the trash: permission denied (a read-only folder?): ${msg}`;
  if (code === 'EROFS') return 'cannot move it to the trash: the volume is read-only';
  return `cannot move it to the trash (this volume may have no trash): ${msg}`;
}

async function readExif(file: string, takenAt: string | null): Promise<{ date: boolean; camera: string | null; gps: boolean }> {
  try {
    const t = (await exifr.parse(file, { pick: ['Make', 'Model', 'GPSLatitude', 'DateTimeOriginal', 'CreateDate'] })) as
      | { Make?: string; Model?: string; GPSLatitude?: unknown; DateTimeOriginal?: unknown; CreateDate?: unknown }
      | undefined;
    const camera = [t?.Make, t?.Model].filter((v): v is string => typeof v === 'string' && v.trim() !== '').join(' ') || null;
    return { date: takenAt !== null || t?.DateTimeOriginal !== undefined, camera, gps: t?.GPSLatitude !== undefined };
  } catch {
    return { date: takenAt !== null, camera: null, gps: false };
  }
}
