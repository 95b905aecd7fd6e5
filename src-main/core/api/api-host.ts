import path from 'node:path';
import { z } from 'zod';
import type { FacePairApp } from '../app.js';
import {
  API,
  isApiMethod,
  type ApiEvent,
  type ApiMethod,
  type ApiResponse,
  type ApiResult,
  type ApiValidParams,
  type LibraryInfo,
  type PersonSummary,
  type ReviewFace,
  type ScanState,
} from '../contract/api.js';
import { ApiError, conflict, fail, notFound } from '../contract/errors.js';
import type { FaceInfo } from '../db/faces.repository.js';
import type { PhotoFilter } from '../db/photo-listing.repository.js';
import { describeHolder, LibraryBusyError } from '../db/library-lock.js';
import { learnInWorker } from '../learning/learn-in-worker.js';
import { LearningCancelledError } from '../learning/learn-stages.js';
import { LearningJob } from '../learning/learning-job.js';
import { LearningBusyError, LearningUnavailableError } from '../learning/learning.service.js';
import { NotEnoughAnswersError } from '../learning/library-learner.js';
import { describeAdded, describeRemoved, LibraryFolderError } from '../library/library-folders.js';
import { describeMarked } from '../library/folder-marks.js';
import { isInside } from '../library/inside.js';
import { FolderNotFoundError } from '../library/library.service.js';
import { ScanJob } from '../scan/scan-job.js';
import { ScanElsewhere } from '../scan/scan-elsewhere.js';
import { PHOTO_THUMB_MAX_SIDE, type MediaFile, type MediaKind } from '../media/media.service.js';
import { answerItem, learningJobInfo, learningState, regroupingInfo, versionInfo } from './learning-view.js';
import { defaultXmpMirror } from '../tags/xmp-export.service.js';
import { foldName } from '../people/fold-name.js';

export interface ApiHostOptions {
  version: string;
  /** The system's folder dialog, where the adapter has one (Electron). */
  pickFolder?: () => Promise<string | null>;
  /** Where internal errors are reported (they reach the window only as "internal"). */
  log?: (message: string) => void;
}

type Handlers = { [M in ApiMethod]: (params: ApiValidParams<M>) => ApiResult<M> | Promise<ApiResult<M>> };

/** Methods that change people: they wait while a scan writes its grouping, and tell the windows. */
const EDITS = new Set<ApiMethod>([
  'people.rename',
  'people.setHidden',
  'people.setCover',
  'people.merge',
  'people.rejectFaces',
  'people.markNotFaces',
  'people.tellApart',
  'review.answer',
  'actions.undo',
  'duplicates.trash',
  'duplicates.dismiss',
  'learning.run',
  'answers.undo',
  'learning.rollback',
]);

/** Methods that write to the library: refused on a read-only one. */
const WRITES = new Set<ApiMethod>([...EDITS, 'library.addFolder', 'library.removeFolder', 'library.markFolder', 'scan.start', 'scan.resume']);

/**
 * Methods that regroup the whole library with another recognition: refused while a scan runs
 * (its grouping would race theirs) or while another one waits or runs, and no scan starts
 * meanwhile. learning.run starts a background job (its write waits its turn among the edits);
 * learning.rollback is an edit.
 */
const LEARNING = new Set<ApiMethod>(['learning.run', 'learning.rollback']);

/** How often an open window looks for another process's scan of the library (and its progress). */
export const ELSEWHERE_POLL_MS = 500;

/**
 * The contract implemented once over the core services. Both adapters (HTTP, Electron IPC)
 * hand it a method name and untrusted parameters; it validates them, runs the method and
 * answers `{ ok, result }` or `{ ok: false, error }`, never throwing.
 */
export class ApiHost {
  readonly scan: ScanJob;
  /** "Improve recognition", on a worker thread. */
  readonly learning: LearningJob;
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly handlers: Handlers;
  /** Edits run one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Learning methods called and not finished yet (queued or running). */
  private learningPending = 0;
  /** Another process's scan of this library (a command-line scan): the windows show its progress. */
  private readonly elsewhere: ScanElsewhere;
  private elsewhereTimer?: NodeJS.Timeout;
  /** What the windows were last told of another process's scan, and whether one was running. */
  private elsewhereTold = '';
  private elsewhereWasRunning = false;

  constructor(
    private readonly app: FacePairApp,
    private readonly options: ApiHostOptions,
  ) {
    this.scan = new ScanJob(
      {
        scan: (folders, onEvent, signal, options) => app.scanner.scan(folders, onEvent, signal, options),
        analysedCount: () => {
          const c = app.photos.countByStatus();
          return c.done + c.error;
        },
        faceCount: () => app.faces.countOnPresentPhotos(),
      },
      () => app.folders.roots(),
      (state) => this.emit({ type: 'scan.progress', state }),
      () => {
        app.reviewQueue.invalidate();
        this.emit({ type: 'data.changed', reason: 'scan' });
      },
    );
    this.learning = new LearningJob(
      (options) => learnInWorker(app.dbFile, options),
      (state) => {
        this.emit({ type: 'learning.progress', job: learningJobInfo(state) });
        if (state.status === 'idle' && state.last?.outcome === 'finished') {
          app.reviewQueue.invalidate();
          this.emit({ type: 'data.changed', reason: 'learning' });
        }
      },
    );
    this.elsewhere = new ScanElsewhere(app.lock, app.scanProgress);
    this.handlers = this.makeHandlers();
  }

  /** Events for the windows; while one listens, another process's scan is looked for and its progress pushed. */
  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    this.elsewhereTimer ??= setInterval(() => this.watchElsewhere(), ELSEWHERE_POLL_MS).unref();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopWatching();
    };
  }

  /**
   * The scan the window shows: its own while it runs; else another process's running on this
   * library (a command-line scan: joined, its progress shown); else its own, idle or paused,
   * with the latest finished scan of either.
   */
  scanState(): ScanState {
    const own = this.scan.state;
    if (own.status === 'running' || own.status === 'pausing' || own.status === 'cancelling') return own;
    let other: ScanState | null = null, otherLast: ScanState['last'] = null;
    try {
      other = this.elsewhere.running();
      otherLast = this.elsewhere.lastFinished();
    } catch {
      // The database closed under a late look (the window is going): its own state stands.
    }
    const last = otherLast !== null && (own.last === null || otherLast.finishedAt > own.last.finishedAt) ? otherLast : own.last;
    // A window shown that scan (a window opened as it ends sees it only here) is told when it ends.
    if (other !== null) this.elsewhereWasRunning = true;
    return other !== null ? { ...other, last } : { ...own, last };
  }

  /** Pushes another process's scan progress when it moves, and a refresh of the people when it ends. */
  private watchElsewhere(): void {
    if (!this.app.db.open) return this.stopWatching();
    if (this.scan.state.status !== 'idle' && this.scan.state.status !== 'paused') return;
    const state = this.scanState();
    const running = state.elsewhere !== null;
    const told = JSON.stringify([state.status, state.stage, state.done, state.total, state.faces, state.errors, state.elsewhere?.pid, state.last?.finishedAt]);
    if (told !== this.elsewhereTold && (running || this.elsewhereWasRunning)) this.emit({ type: 'scan.progress', state });
    this.elsewhereTold = told;
    if (this.elsewhereWasRunning && !running) {
      this.app.reviewQueue.invalidate();
      this.emit({ type: 'data.changed', reason: 'scan' });
    }
    this.elsewhereWasRunning = running;
  }

  private stopWatching(): void {
    clearInterval(this.elsewhereTimer);
    this.elsewhereTimer = undefined;
  }

  async call(method: string, rawParams: unknown): Promise<ApiResponse> {
    try {
      if (!isApiMethod(method)) throw new ApiError('unknown_method', `There is no method "${String(method).slice(0, 100)}"`);
      const spec = API[method];
      const parsed = spec.params.safeParse(rawParams ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = issues[0]!;
        return { ok: false, error: { code: 'invalid_params', message: `${first.path ? `${first.path}: ` : ''}${first.message}`, issues } };
      }
      if (this.app.readOnly !== null && WRITES.has(method)) {
        throw new ApiError('unavailable', `This library is read-only (${this.app.readOnly}): it can be browsed, not changed`);
      }
      const run = (): Promise<unknown> => Promise.resolve((this.handlers[method] as (p: unknown) => unknown)(parsed.data));
      let result: unknown;
      if (LEARNING.has(method)) {
        if (this.scanRunning()) throw conflict('Wait for the scan to finish: recognition changes only between scans');
        if (this.learningBusy()) throw conflict('Recognition is already being improved or switched: wait until it is done');
        if (method === 'learning.run') return this.answer(method, await run());
        this.learningPending++;
        try {
          result = await this.enqueue(run);
        } finally {
          this.learningPending--;
        }
        this.emit({ type: 'data.changed', reason: 'learning' });
      } else if (EDITS.has(method)) {
        result = await this.enqueue(run);
        this.emit({ type: 'data.changed', reason: method === 'actions.undo' ? 'undo' : 'action' });
      } else {
        result = await run();
      }
      return this.answer(method, result);
    } catch (err) {
      return { ok: false, error: this.toError(err) };
    }
  }

  /** A method's result, checked against the contract. */
  private answer(method: ApiMethod, result: unknown): ApiResponse {
    const checked = (API[method].result as z.ZodType).safeParse(result);
    if (!checked.success) throw new Error(`${method} returned a result that breaks the contract: ${checked.error.message}`);
    return { ok: true, result: checked.data };
  }

  /** A learning run or a switch of version is waiting or on its way. */
  private learningBusy(): boolean {
    return this.learningPending > 0 || this.learning.running;
  }

  /**
   * Waits for the edits before it, then holds the others back until the returned function is
   * called: a learning run regroups and writes in that slot, on the user's latest decisions.
   */
  private holdEdits(): Promise<() => void> {
    return new Promise((granted) => {
      void this.enqueue(() => new Promise<void>((done) => granted(() => done())));
    });
  }

  /** Runs an edit after the ones before it, once a scan's grouping (if one is writing) is done. */
  private enqueue(run: () => Promise<unknown>): Promise<unknown> {
    const next = this.queue.then(async () => {
      if (this.scan.grouping) await this.scan.idle();
      return run();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private scanRunning(): boolean {
    const s = this.scan.state.status;
    return s === 'running' || s === 'pausing' || s === 'cancelling';
  }

  private refuseScanWhileLearning(): void {
    if (this.learningBusy()) throw conflict('Recognition is being improved: start the scan once it is done');
  }

  /** Another process (a CLI scan or learning run) holds the library lock: say who, instead of starting. */
  private refuseScanWhileLockedElsewhere(then: string): void {
    const holder = this.app.lock.holder();
    if (holder && !holder.self) throw conflict(`${capitalise(describeHolder(holder))}: ${then} once it is done`);
  }

  /** Pause and cancel of a scan another process runs: only there. */
  private refuseStopElsewhere(): void {
    const other = this.scanState().elsewhere;
    if (this.scan.state.status !== 'running' && other !== null) {
      throw conflict(`This scan runs in another process (pid ${other.pid}${other.fromCommandLine ? ', started from the command line' : ''}): stop it there${other.fromCommandLine ? ' (Ctrl+C in its terminal)' : ''}`);
    }
  }

  /** An image by id for the adapters' image routes; throws an ApiError (not_found, forbidden). */
  media(kind: MediaKind, id: number): Promise<MediaFile> {
    if (kind === 'face') return this.app.media.face(id);
    return kind === 'thumb' ? this.app.media.photo(id, PHOTO_THUMB_MAX_SIDE) : this.app.media.photo(id);
  }

  /** Stops a running scan and waits for it. */
  async dispose(): Promise<void> {
    this.stopWatching();
    if (this.scan.state.status === 'running') this.scan.cancel();
    this.learning.cancel();
    await Promise.all([this.scan.idle(), this.learning.idle()]);
    this.listeners.clear();
  }

  private emit(event: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.options.log?.(`event listener failed: ${(err as Error).message}`);
      }
    }
  }

  private toError(err: unknown): Extract<ApiResponse, { ok: false }>['error'] {
    if (err instanceof ApiError) return { code: err.code, message: err.message };
    if (err instanceof LibraryBusyError) return { code: 'conflict', message: capitalise(err.message) };
    if (err instanceof FolderNotFoundError || err instanceof LibraryFolderError) return { code: 'invalid_params', message: err.message };
    if (err instanceof NotEnoughAnswersError || err instanceof LearningBusyError || err instanceof LearningCancelledError) return { code: 'conflict', message: err.message };
    if (err instanceof LearningUnavailableError) return { code: 'unavailable', message: err.message };
    this.options.log?.(`internal error: ${(err as Error)?.stack ?? String(err)}`);
    return { code: 'internal', message: `Something went wrong: ${(err as Error)?.message ?? String(err)}` };
  }

  private async libraryInfo(): Promise<LibraryInfo> {
    const status = this.app.status.report();
    const folders = this.app.folders;
    return {
      folders: await folders.list(),
      marks: this.app.folderMarks.list(),
      photos: { ...status.photos, removed: folders.removedPhotos() },
      faces: status.faces,
      people: status.people,
      failures: status.errors.map((e) => ({ file: folders.displayPath(e.path), error: e.error })),
      scan: this.scanState(),
    };
  }

  private refuseWhileScanning(what: string): void {
    if (this.scan.state.status !== 'idle') throw new ApiError('conflict', `Stop the scan before ${what}`);
  }

  private reviewFace(face: FaceInfo): ReviewFace {
    const person = face.personId !== null ? this.app.people.summary(face.personId) : undefined;
    return {
      faceId: face.id,
      photoId: face.photoId,
      box: face.box,
      photoWidth: face.photoWidth,
      photoHeight: face.photoHeight,
      personId: face.personId,
      personName: person?.name ?? null,
      personFaces: person?.faces ?? 0,
    };
  }

  private makeHandlers(): Handlers {
    const app = this.app;
    const person = (id: number): PersonSummary => app.edits.summary(id);
    return {
      'app.info': () => ({ version: this.options.version, canPickFolder: this.options.pickFolder !== undefined, database: app.dbFile, readOnly: app.readOnly }),
      'library.get': () => this.libraryInfo(),
      'library.addFolder': async ({ folder }) => {
        this.refuseWhileScanning('adding a folder');
        const added = await app.folders.add(folder);
        if (added.outcome === 'added') this.emit({ type: 'data.changed', reason: 'folder' });
        return { library: await this.libraryInfo(), notice: describeAdded(added) };
      },
      'library.removeFolder': async ({ folder }) => {
        this.refuseWhileScanning('removing a folder');
        const removed = app.folders.remove(folder);
        app.reviewQueue.invalidate();
        this.emit({ type: 'data.changed', reason: 'folder' });
        return { library: await this.libraryInfo(), notice: describeRemoved(removed) };
      },
      'library.markFolder': async ({ folder, photoId, mark }) => {
        let target = folder;
        if (photoId !== undefined) {
          const photo = app.photos.findById(photoId);
          if (!photo) throw notFound(`Photo ${photoId}`);
          target = path.dirname(photo.path);
        }
        const marked = await app.folderMarks.mark(target!, mark);
        this.emit({ type: 'data.changed', reason: 'folder' });
        return { library: await this.libraryInfo(), notice: describeMarked(marked), action: marked.action };
      },
      'library.pickFolder': async () => {
        if (!this.options.pickFolder) throw new ApiError('unavailable', 'There is no folder dialog here: type the folder instead');
        return { folder: await this.options.pickFolder() };
      },
      'scan.start': async ({ folder }) => {
        this.refuseScanWhileLearning();
        // Another process scans this library: the window joins that scan (its progress, then the people).
        const joined = this.scan.state.status === 'running' ? null : this.scanState();
        if (joined?.elsewhere) return joined;
        this.refuseScanWhileLockedElsewhere('start a scan');
        if (folder === undefined) return this.scan.start();
        const listed = await app.folders.folderFor(folder);
        if (listed === null) throw new ApiError('invalid_params', `${folder} is not in the library: add it first`);
        return this.scan.start([listed]);
      },
      'scan.pause': () => {
        this.refuseStopElsewhere();
        return this.scan.pause();
      },
      'scan.resume': () => {
        this.refuseScanWhileLearning();
        this.refuseScanWhileLockedElsewhere('resume this one');
        return this.scan.resume();
      },
      'scan.cancel': () => {
        this.refuseStopElsewhere();
        return this.scan.cancel();
      },
      'scan.state': () => this.scanState(),
      'people.list': ({ query, includeHidden, minFaces, others }) => {
        let people = app.people.summaries({ includeHidden: includeHidden ?? false });
        const q = foldName(query ?? '');
        const isOther = (p: PersonSummary): boolean => minFaces !== undefined && p.name === null && p.faces < minFaces;
        const othersCount = people.filter(isOther).length;
        if (q !== '') people = people.filter((p) => p.name !== null && foldName(p.name).includes(q));
        else if (minFaces !== undefined) people = people.filter((p) => isOther(p) === (others ?? false));
        return { people, hiddenCount: app.people.countHidden(), othersCount };
      },
      'people.counts': ({ minFaces }) => app.people.counts(minFaces),
      'people.alike': async ({ personId, limit }) => {
        person(personId);
        const alike = await app.likeness.alike(personId, limit ?? 60);
        return {
          people: alike.flatMap((a) => {
            const p = app.people.summary(a.personId);
            return p ? [{ person: p, distance: a.distance, likely: a.likely, toldApart: a.toldApart, faceIds: a.faceIds }] : [];
          }),
        };
      },
      'people.get': ({ personId }) => ({
        person: person(personId),
        faces: app.faces.listForPerson(personId).map((f) => ({ faceId: f.id, photoId: f.photoId, box: f.box, score: f.score, takenAt: f.takenAt })),
      }),
      'people.rename': ({ personId, name, sameNameOk }) => app.edits.rename(personId, name, sameNameOk ?? false),
      'people.setHidden': ({ personId, hidden }) => app.edits.setHidden(personId, hidden),
      'people.setCover': ({ personId, faceId }) => app.edits.setCover(personId, faceId),
      'people.merge': ({ targetId, sourceIds }) => app.edits.merge(targetId, sourceIds),
      'people.rejectFaces': ({ personId, faceIds }) => app.edits.rejectFaces(personId, faceIds),
      'people.markNotFaces': ({ personId, faceIds }) => app.edits.markNotFaces(personId, faceIds),
      'people.tellApart': ({ personId, otherId }) => ({ action: app.edits.tellApart(personId, otherId) }),
      'photos.get': async ({ photoId }) => {
        const photo = app.photos.findById(photoId);
        if (!photo || photo.status !== 'done') throw notFound(`Photo #${photoId}`);
        return {
          id: photo.id,
          fileName: path.basename(photo.path),
          folder: app.folders.displayFolder(photo.path),
          unavailable: await app.media.unavailable(photoId),
          width: photo.width ?? 1,
          height: photo.height ?? 1,
          takenAt: photo.taken_at,
          date: photo.taken_at ?? new Date(photo.mtime_ms).toISOString(),
          faces: app.faces.listForPhoto(photoId).map((f) => ({
            faceId: f.id,
            box: f.box,
            personId: f.personId,
            personName: f.personId !== null ? (app.people.find(f.personId)?.name ?? null) : null,
          })),
        };
      },
      'photos.list': ({ offset, limit, ...filter }) => {
        const f = photoFilter(filter);
        const photos = app.photoFinder.page(f, { offset }, limit).map((p) => ({
          id: p.id,
          fileName: path.basename(p.path),
          date: p.date,
          dateSource: p.dateSource,
          width: p.width ?? 1,
          height: p.height ?? 1,
          faces: p.faces,
          people: p.people,
          unnamedFaces: p.unnamedFaces,
        }));
        return { photos, total: app.photoFinder.count(f) };
      },
      'photos.months': (filter) => {
        const months = app.photoFinder.months(photoFilter(filter));
        return { months, total: months.reduce((n, m) => n + m.photos, 0) };
      },
      'review.next': async () => {
        const { first, remaining } = await app.reviewQueue.next();
        if (!first) return { pair: null, remaining: 0 };
        const a = app.faces.find(first.faceA) ?? fail(notFound(`Face #${first.faceA}`));
        const b = app.faces.find(first.faceB) ?? fail(notFound(`Face #${first.faceB}`));
        return {
          pair: { a: this.reviewFace(a), b: this.reviewFace(b), distance: first.distance, threshold: await app.review.linkage(), samePerson: first.samePerson, reason: first.reason },
          remaining,
        };
      },
      'review.answer': ({ faceA, faceB, answer }) => ({ action: app.edits.answerReview(faceA, faceB, answer) }),
      'actions.list': ({ limit }) => ({ actions: app.edits.listActions(limit ?? 20) }),
      'actions.undo': ({ actionId }) => ({ undone: app.edits.undo(actionId) }),
      'duplicates.list': async ({ class: only }) => {
        const roots = app.folders.roots();
        const groups = await app.duplicates.list({ class: only });
        return {
          groups: groups.map((g) => ({
            id: g.id,
            class: g.class,
            keeper: g.keeper,
            wastedBytes: g.wastedBytes,
            copies: g.copies,
            files: g.files.map(({ path: file, ...f }) => {
              const root = roots.find((r) => isInside(r, file));
              const rel = root !== undefined ? path.relative(root, file) : file;
              return { ...f, fileName: path.basename(file), folder: path.dirname(rel) === '.' ? '' : path.dirname(rel) };
            }),
          })),
        };
      },
      'duplicates.trash': async ({ groups }) => {
        const report = await app.duplicates.trash(groups.map((g) => g.id), new Map(groups.flatMap((g) => (g.keeper !== undefined ? [[g.id, g.keeper] as const] : []))));
        const action = report.actionId !== null ? (app.edits.listActions(50).find((a) => a.id === report.actionId) ?? null) : null;
        return {
          action,
          trashed: report.trashed.map((t) => ({ photoId: t.photoId, fileName: path.basename(t.path) })),
          refused: report.refused.map((r) => ({ fileName: path.basename(r.path), reason: r.reason })),
        };
      },
      'duplicates.dismiss': async ({ groupId }) => ({ pairs: await app.duplicates.dismiss(groupId) }),
      'tags.export': async ({ destination, out, lightroomNames, dryRun }) => {
        if (destination === 'beside' && out !== undefined) throw new ApiError('invalid_params', 'Sidecars beside the photos take no output folder');
        const s = await app.tagsExport.export({
          destination: destination === 'beside' ? { kind: 'beside' } : { kind: 'mirror', out: out ?? defaultXmpMirror(app.dbFile) },
          naming: lightroomNames ? 'photo.xmp' : 'photo.ext.xmp',
          dryRun: dryRun ?? false,
        });
        const skipped = s.sidecars.filter((x) => x.outcome === 'skipped').map((x) => ({ sidecar: x.sidecar, reason: x.reason ?? '' }));
        return { dryRun: s.dryRun, destination: s.destination, out: s.out, photos: s.photos, regions: s.regions, counts: s.counts, skipped };
      },
      'answers.list': ({ offset, limit, from, to, ...filter }) => {
        if (from && to && from > to) throw new ApiError('invalid_params', 'The first day comes after the last one');
        const { rows, total } = app.labels.page({ ...filter, from: from && `${from}T00:00:00.000Z`, to: to && nextDay(to) }, offset ?? 0, limit ?? 50);
        return { answers: rows.map(answerItem), total };
      },
      'answers.undo': ({ answerId }) => app.edits.undoAnswer(answerId),
      'learning.state': () => learningState(app, { scanRunning: this.scanRunning(), running: this.learningBusy(), job: learningJobInfo(this.learning.state) }),
      'learning.run': () => {
        app.learning.assertEnoughAnswers();
        return learningJobInfo(this.learning.run(() => this.holdEdits()));
      },
      'learning.cancel': () => learningJobInfo(this.learning.cancel()),
      'learning.rollback': async ({ versionId }) => {
        if (versionId !== null && !app.learnedVersions.get(versionId)) throw notFound(`Learned version ${versionId}`);
        const regrouped = await app.learning.rollback(versionId);
        const active = app.learnedVersions.active();
        return { active: active && versionInfo(active, await app.learning.installedBaseModel()), regrouped: regroupingInfo(regrouped) };
      },
    };
  }
}

/** The window's filter (people by id, each one required) as the finder takes it. */
function photoFilter(f: ApiValidParams<'photos.months'>): PhotoFilter {
  return { withAll: (f.withPeople ?? []).map((id) => [id]), without: f.withoutPeople ?? [], unnamed: f.unnamed ?? false, noFaces: f.noFaces ?? false };
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The first instant of the day after a YYYY-MM-DD day (UTC). */
function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

export function createApiHost(app: FacePairApp, options: ApiHostOptions): ApiHost {
  return new ApiHost(app, options);
}
