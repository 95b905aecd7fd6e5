import { existsSync } from 'node:fs';
import path from 'node:path';

import { AnalysisService } from './analysis/analysis.service.js';
import { ActionsRepository } from './db/actions.repository.js';
import { reviewGroupAnswers } from './learning/group-answers.js';
import { openDatabase, readOnlyReason, type Db } from './db/database.js';
import { EmbeddingsRepository } from './db/embeddings.repository.js';
import { FacesRepository } from './db/faces.repository.js';
import { FingerprintsRepository } from './db/fingerprints.repository.js';
import { LabelsRepository } from './db/labels.repository.js';
import { PeopleRepository } from './db/people.repository.js';
import { PhotosRepository } from './db/photos.repository.js';
import { SettingsRepository } from './db/settings.repository.js';
import { SeedEmbeddingService } from './embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from './grouping/candidate-pair-head.js';
import { DEFAULT_GROUPING, GroupingService } from './grouping/grouping.service.js';
import { workerGroupingPlanner } from './grouping/grouping-planner.js';
import { LibraryLock } from './db/library-lock.js';
import { LearnedVersionsRepository } from './db/learned-versions.repository.js';
import { LearningService } from './learning/learning.service.js';
import { shippedRecognition } from './learning/shipped-recognition.js';
import { switchInWorker } from './learning/switch-in-worker.js';
import { LibraryFoldersRepository } from './db/library-folders.repository.js';
import { LibraryFolders } from './library/library-folders.js';
import { DuplicatesService } from './duplicates/duplicates.service.js';
import { packageTrash, type TrashMover } from './duplicates/trash-mover.js';
import { FolderMarksRepository } from './db/folder-marks.repository.js';
import { FolderMarks } from './library/folder-marks.js';
import { LibraryStatus } from './library/library-status.js';
import { LibraryService } from './library/library.service.js';
import { MediaService } from './media/media.service.js';
import { cacheDirFor } from './paths.js';
import { PeopleService } from './people/people.service.js';
import { PhotoFinder } from './people/photo-finder.js';
import { ReviewService } from './people/review.service.js';
import { ReviewQueue } from './people/review-queue.js';
import { PersonLikeness } from './people/person-likeness.js';
import { ScanPipeline } from './scan/scan-pipeline.js';
import { ScanProgressRepository } from './db/scan-progress.repository.js';
import { XmpRepository } from './db/xmp.repository.js';
import { XmpExportService } from './tags/xmp-export.service.js';
import { NamesImportService } from './tags/names-import.service.js';

export interface AppConfig {
  dbFile: string;
  /** Open an existing database only (commands that read); scanning creates it. */
  mustExist?: boolean;
  workers?: number;
  /**
   * 'write' (the default): read-write. 'read': read-only, for commands that only read.
   * 'auto' (the window): read-write unless the library is read-only, then browsable read-only.
   */
  access?: 'write' | 'read' | 'auto';
  /**
   * Moves the duplicates the user chose to the system trash: the `trash` package by default
   * (CLI, `serve`); the Electron shell hands in one backed by `shell.trashItem`.
   */
  trash?: TrashMover;
}

export class DatabaseMissingError extends Error {}

/** The one set of services behind every adapter (CLI, HTTP server, Electron): wiring only. */
export class FacePairApp {
  readonly db: Db;
  readonly dbFile: string;
  /** Why this library is open read-only (nothing can be changed), or null when it is writable. */
  readonly readOnly: string | null;
  readonly cacheDir: string;
  readonly photos: PhotosRepository;
  readonly faces: FacesRepository;
  readonly embeddings: EmbeddingsRepository;
  readonly people: PeopleRepository;
  readonly labels: LabelsRepository;
  readonly actions: ActionsRepository;
  readonly settings: SettingsRepository;
  readonly fingerprints: FingerprintsRepository;
  readonly learnedVersions: LearnedVersionsRepository;
  /** Held by long write jobs (scan, learn): one at a time per library, across processes. */
  readonly lock: LibraryLock;
  /** The latest scan's progress as its process publishes it: a window shows another process's scan from it. */
  readonly scanProgress: ScanProgressRepository;
  readonly xmp: XmpRepository;
  readonly library: LibraryService;
  /** The library's folders: what scans read and the window shows, and nothing else. */
  readonly folders: LibraryFolders;
  /** Folders marked reference (never trashed) or preferred (kept first) for the duplicates. */
  readonly folderMarks: FolderMarks;
  readonly status: LibraryStatus;
  readonly analysis: AnalysisService;
  /** The seed model's 500-d embedding of every face (a stage of the scan). */
  readonly seedEmbedding: SeedEmbeddingService;
  readonly grouping: GroupingService;
  /** The recognition learned from this library's answers: versions, promotion, rollback. */
  readonly learning: LearningService;
  /** index → analyse → embed → group. */
  readonly scanner: ScanPipeline;
  /** The user's edits of people (with undo) and the review's answers. */
  readonly edits: PeopleService;
  readonly review: ReviewService;
  /** The review queue for the window: the same as `review`, worked out in a worker thread. */
  readonly reviewQueue: ReviewQueue;
  /** Photos by date, filtered by who is in them (the photo browser, `facepair photos`). */
  readonly photoFinder: PhotoFinder;
  /** People ordered by likeness to one: the merge dialog's order and the person page's suggestions. */
  readonly likeness: PersonLikeness;
  readonly media: MediaService;
  /** Duplicates: groups, keepers, "not duplicates", the trash with undo. */
  readonly duplicates: DuplicatesService;
  /** Names written out as XMP sidecars (`tags export`). */
  readonly tagsExport: XmpExportService;
  /** Names other photo tools wrote in XMP, read on every scan. */
  readonly tagsImport: NamesImportService;

  constructor(config: AppConfig) {
    this.dbFile = path.resolve(config.dbFile);
    if (config.mustExist && !existsSync(this.dbFile)) {
      throw new DatabaseMissingError(`There is no FacePair database at ${this.dbFile}: run \`facepair scan <folder>\` first`);
    }
    const access = config.access ?? 'write';
    const readOnly = access === 'read' ? 'it was opened for reading only' : access === 'auto' && existsSync(this.dbFile) ? readOnlyReason(this.dbFile) : null;
    this.readOnly = readOnly;
    this.db = openDatabase(this.dbFile, { create: !config.mustExist && readOnly === null, readonly: readOnly !== null });
    this.cacheDir = cacheDirFor(this.dbFile);
    this.photos = new PhotosRepository(this.db);
    this.faces = new FacesRepository(this.db);
    this.embeddings = new EmbeddingsRepository(this.db);
    this.people = new PeopleRepository(this.db);
    this.labels = new LabelsRepository(this.db);
    this.actions = new ActionsRepository(this.db);
    this.settings = new SettingsRepository(this.db);
    this.fingerprints = new FingerprintsRepository(this.db);
    this.learnedVersions = new LearnedVersionsRepository(this.db);
    this.lock = new LibraryLock(this.db);
    this.xmp = new XmpRepository(this.db);
    const folderRows = new LibraryFoldersRepository(this.db);
    this.folders = new LibraryFolders(folderRows);
    this.library = new LibraryService(this.photos, [this.dbFile, this.cacheDir], () => this.folders.roots());
    this.status = new LibraryStatus(this.dbFile, this.photos, this.faces, this.people);
    this.analysis = new AnalysisService(this.db, this.photos, this.faces, this.embeddings, this.fingerprints);
    this.seedEmbedding = new SeedEmbeddingService(this.faces, this.embeddings, this.cacheDir);
    this.grouping = new GroupingService(
      this.faces,
      this.people,
      this.labels,
      new FusedCandidatePairHead(this.seedEmbedding),
      DEFAULT_GROUPING,
      () => this.learning.tuning(),
      // A read-only library never groups; a scan's grouping is planned in a worker thread.
      this.readOnly === null ? workerGroupingPlanner(this.dbFile, this.cacheDir, this.seedEmbedding.modelDir) : undefined,
      this.readOnly === null ? this.cacheDir : undefined,
    );
    this.learning = new LearningService(
      this.db,
      this.faces,
      this.labels,
      this.embeddings,
      this.learnedVersions,
      this.seedEmbedding,
      this.grouping,
      shippedRecognition(this.seedEmbedding),
      this.lock,
      // A switch of version (a rollback) regroups and writes in a worker thread.
      this.readOnly === null ? switchInWorker(this.dbFile, { cacheDir: this.cacheDir, seedModelDir: this.seedEmbedding.modelDir }) : undefined,
      () => reviewGroupAnswers(this.actions),
    );
    this.edits = new PeopleService(this.db, this.people, this.faces, this.embeddings, this.labels, this.actions);
    this.folderMarks = new FolderMarks(this.db, new FolderMarksRepository(this.db), this.folders, folderRows, this.actions, this.edits);
    this.tagsImport = new NamesImportService(this.xmp, this.faces, this.people, this.edits);
    this.scanProgress = new ScanProgressRepository(this.db);
    this.scanner = new ScanPipeline(this.library, this.analysis, this.seedEmbedding, this.grouping, this.status, this.cacheDir, this.lock, config.workers, this.fingerprints, this.tagsImport, {
      progress: this.scanProgress,
      analysedCount: () => {
        const c = this.photos.countByStatus();
        return c.done + c.error;
      },
    }, () => this.duplicates.updatePairs());
    // The review scores its questions with the shipped pair head, whatever version grouping uses.
    this.review = new ReviewService(this.faces, this.labels, this.edits, () => this.grouping.mergeRule(), new FusedCandidatePairHead(this.seedEmbedding));
    this.reviewQueue = new ReviewQueue(this.dbFile, this.review, () => this.grouping.mergeRule(), { cacheDir: this.cacheDir, seedModelDir: this.seedEmbedding.modelDir });
    this.likeness = new PersonLikeness(this.faces, this.labels, () => this.grouping.mergeRule());
    this.photoFinder = new PhotoFinder(this.db);
    this.tagsExport = new XmpExportService(this.xmp);
    this.media = new MediaService(this.photos, this.faces, this.cacheDir, this.folders);
    this.duplicates = new DuplicatesService(this.db, this.photos, this.fingerprints, this.faces, this.people, this.labels, this.actions, this.folderMarks, this.edits, config.trash ?? packageTrash);
  }

  close(): void {
    this.reviewQueue.close();
    this.duplicates.close();
    this.db.close();
  }
}

export function createApp(config: AppConfig): FacePairApp {
  return new FacePairApp(config);
}
