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
} from '../contract/api.js';
import { ApiError, conflict, fail, notFound } from '../contract/errors.js';
import type { FaceInfo } from '../db/faces.repository.js';
import { LearningBusyError, LearningUnavailableError } from '../learning/learning.service.js';
import { NotEnoughAnswersError } from '../learning/library-learner.js';
import { FolderNotFoundError } from '../library/library.service.js';
import { ScanJob } from '../scan/scan-job.js';
import { isInside, type MediaFile } from '../media/media.service.js';
import { learningState, regroupingInfo, versionInfo } from './learning-view.js';
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
  'learning.run',
  'learning.rollback',
]);

/**
 * Edits that regroup the whole library with another recognition: refused while a scan runs
 * (its grouping would race theirs), and no scan starts while one waits or runs.
 */
const LEARNING = new Set<ApiMethod>(['learning.run', 'learning.rollback']);

/**
 * The contract implemented once over the core services. Both adapters (HTTP, Electron IPC)
 * hand it a method name and untrusted parameters; it validates them, runs the method and
 * answers `{ ok, result }` or `{ ok: false, error }`, never throwing.
 */
export class ApiHost {
  readonly scan: ScanJob;
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly handlers: Handlers;
  /** Edits run one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Learning methods called and not finished yet (queued or running). */
  private learningPending = 0;

  constructor(
    private readonly app: FacePairApp,
    private readonly options: ApiHostOptions,
  ) {
    this.scan = new ScanJob(
      {
        scan: (folder, onEvent, signal, options) => app.scanner.scan(folder, onEvent, signal, options),
        analysedCount: () => {
          const c = app.photos.countByStatus();
          return c.done + c.error;
        },
      },
      () => app.folder.get(),
      (state) => this.emit({ type: 'scan.progress', state }),
      () => {
        app.review.invalidate();
        this.emit({ type: 'data.changed', reason: 'scan' });
      },
    );
    this.handlers = this.makeHandlers();
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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
      const run = (): Promise<unknown> => Promise.resolve((this.handlers[method] as (p: unknown) => unknown)(parsed.data));
      let result: unknown;
      if (LEARNING.has(method)) {
        if (this.scanRunning()) throw conflict('Wait for the scan to finish: recognition changes only between scans');
        if (this.learningPending > 0) throw conflict('Recognition is already being improved or switched: wait until it is done');
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
      const checked = (spec.result as z.ZodType).safeParse(result);
      if (!checked.success) throw new Error(`${method} returned a result that breaks the contract: ${checked.error.message}`);
      return { ok: true, result: checked.data };
    } catch (err) {
      return { ok: false, error: this.toError(err) };
    }
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
    if (this.learningPending > 0) throw conflict('Recognition is being improved: start the scan once it is done');
  }

  /** An image by id for the adapters' image routes; throws an ApiError (not_found, forbidden). */
  media(kind: 'face' | 'photo', id: number): Promise<MediaFile> {
    return kind === 'face' ? this.app.media.face(id) : this.app.media.photo(id);
  }

  /** Stops a running scan and waits for it. */
  async dispose(): Promise<void> {
    if (this.scan.state.status === 'running') this.scan.cancel();
    await this.scan.idle();
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
    if (err instanceof FolderNotFoundError) return { code: 'invalid_params', message: err.message };
    if (err instanceof NotEnoughAnswersError || err instanceof LearningBusyError) return { code: 'conflict', message: err.message };
    if (err instanceof LearningUnavailableError) return { code: 'unavailable', message: err.message };
    this.options.log?.(`internal error: ${(err as Error)?.stack ?? String(err)}`);
    return { code: 'internal', message: `Something went wrong: ${(err as Error)?.message ?? String(err)}` };
  }

  private libraryInfo(): LibraryInfo {
    const status = this.app.status.report();
    const folder = this.app.folder.get();
    return {
      folder,
      photos: status.photos,
      faces: status.faces,
      people: status.people,
      failures: status.errors.map((e) => ({ file: folder && isInside(folder, e.path) ? path.relative(folder, e.path) : e.path, error: e.error })),
      scan: this.scan.state,
    };
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
      'app.info': () => ({ version: this.options.version, canPickFolder: this.options.pickFolder !== undefined, database: app.dbFile }),
      'library.get': () => this.libraryInfo(),
      'library.setFolder': async ({ folder }) => {
        if (this.scan.state.status !== 'idle') throw new ApiError('conflict', 'Stop the scan before changing the folder');
        await app.folder.set(folder);
        this.emit({ type: 'data.changed', reason: 'folder' });
        return this.libraryInfo();
      },
      'library.pickFolder': async () => {
        if (!this.options.pickFolder) throw new ApiError('unavailable', 'There is no folder dialog here: type the folder instead');
        return { folder: await this.options.pickFolder() };
      },
      'scan.start': () => {
        this.refuseScanWhileLearning();
        return this.scan.start();
      },
      'scan.pause': () => this.scan.pause(),
      'scan.resume': () => {
        this.refuseScanWhileLearning();
        return this.scan.resume();
      },
      'scan.cancel': () => this.scan.cancel(),
      'scan.state': () => this.scan.state,
      'people.list': ({ query, includeHidden, minFaces, others }) => {
        let people = app.people.summaries({ includeHidden: includeHidden ?? false });
        const q = foldName(query ?? '');
        const isOther = (p: PersonSummary): boolean => minFaces !== undefined && p.name === null && p.faces < minFaces;
        const othersCount = people.filter(isOther).length;
        if (q !== '') people = people.filter((p) => p.name !== null && foldName(p.name).includes(q));
        else if (minFaces !== undefined) people = people.filter((p) => isOther(p) === (others ?? false));
        return { people, hiddenCount: app.people.countHidden(), othersCount };
      },
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
      'photos.get': ({ photoId }) => {
        const photo = app.photos.findById(photoId);
        if (!photo || photo.status !== 'done') throw notFound(`Photo #${photoId}`);
        const folder = app.folder.get();
        const rel = folder && isInside(folder, photo.path) ? path.relative(folder, photo.path) : path.basename(photo.path);
        return {
          id: photo.id,
          fileName: path.basename(photo.path),
          folder: path.dirname(rel) === '.' ? '' : path.dirname(rel),
          width: photo.width ?? 1,
          height: photo.height ?? 1,
          takenAt: photo.taken_at,
          faces: app.faces.listForPhoto(photoId).map((f) => ({
            faceId: f.id,
            box: f.box,
            personId: f.personId,
            personName: f.personId !== null ? (app.people.find(f.personId)?.name ?? null) : null,
          })),
        };
      },
      'review.next': async () => {
        const candidates = await app.review.candidates();
        const first = candidates[0];
        if (!first) return { pair: null, remaining: 0 };
        const a = app.faces.find(first.faceA) ?? fail(notFound(`Face #${first.faceA}`));
        const b = app.faces.find(first.faceB) ?? fail(notFound(`Face #${first.faceB}`));
        return {
          pair: { a: this.reviewFace(a), b: this.reviewFace(b), distance: first.distance, threshold: await app.review.linkage(), samePerson: first.samePerson, reason: first.reason },
          remaining: candidates.length,
        };
      },
      'review.answer': ({ faceA, faceB, answer }) => ({ action: app.edits.answerReview(faceA, faceB, answer) }),
      'actions.list': ({ limit }) => ({ actions: app.edits.listActions(limit ?? 20) }),
      'actions.undo': ({ actionId }) => ({ undone: app.edits.undo(actionId) }),
      'learning.state': () => learningState(app, { scanRunning: this.scanRunning(), running: this.learningPending > 0 }),
      'learning.run': async () => {
        const { version, regrouped } = await app.learning.learn();
        return { version: versionInfo(version, await app.learning.installedBaseModel()), regrouped: regrouped && regroupingInfo(regrouped) };
      },
      'learning.rollback': async ({ versionId }) => {
        if (versionId !== null && !app.learnedVersions.get(versionId)) throw notFound(`Learned version ${versionId}`);
        const regrouped = await app.learning.rollback(versionId);
        const active = app.learnedVersions.active();
        return { active: active && versionInfo(active, await app.learning.installedBaseModel()), regrouped: regroupingInfo(regrouped) };
      },
    };
  }
}

export function createApiHost(app: FacePairApp, options: ApiHostOptions): ApiHost {
  return new ApiHost(app, options);
}
