import { existsSync } from 'node:fs';
import path from 'node:path';
import { ActionsRepository } from './db/actions.repository.js';
import { openDatabase, type Db } from './db/database.js';
import { FacesRepository } from './db/faces.repository.js';
import { LabelsRepository } from './db/labels.repository.js';
import { PeopleRepository, type PersonListing } from './db/people.repository.js';
import { PhotosRepository, type PhotoStatus } from './db/photos.repository.js';
import { SettingsRepository } from './db/settings.repository.js';
import { AnalysisService, type AnalysisProgress, type AnalysisSummary } from './analysis/analysis.service.js';
import { assertReadableFolder, LibraryService, type ReconcileSummary } from './library/library.service.js';
import { MediaService } from './media/media.service.js';
import { cacheDirFor } from './paths.js';
import { GroupingService, type GroupingSummary } from './grouping/grouping.service.js';
import { EmbeddingsRepository } from './db/embeddings.repository.js';
import { SeedEmbeddingService, type SeedEmbeddingSummary } from './embedding/seed-embedding.service.js';
import { PeopleService } from './people/people.service.js';
import { ReviewService } from './people/review.service.js';

export interface AppConfig {
  dbFile: string;
  /** Open an existing database only (commands that read); scanning creates it. */
  mustExist?: boolean;
  workers?: number;
}

export type ScanEvent =
  | { stage: 'index'; done: number; total: number }
  | ({ stage: 'analyze' } & AnalysisProgress)
  /** Faces given their seed embedding, of those that need one. */
  | { stage: 'embed'; done: number; total: number }
  | { stage: 'group' };

export interface ScanSummary {
  folder: string;
  index: ReconcileSummary;
  analysis: AnalysisSummary;
  grouping: GroupingSummary;
  photos: number;
  faces: number;
  people: number;
  errors: number;
  seconds: number;
}

export interface StatusReport {
  database: string;
  photos: Record<PhotoStatus, number>;
  faces: number;
  people: number;
  errors: Array<{ path: string; error: string }>;
}

export class DatabaseMissingError extends Error {}

const LIBRARY_FOLDER_KEY = 'library.folder';

/** The one set of services behind every adapter (CLI, HTTP server, Electron). */
export class FacePairApp {
  readonly db: Db;
  readonly photos: PhotosRepository;
  readonly faces: FacesRepository;
  readonly embeddings: EmbeddingsRepository;
  readonly people: PeopleRepository;
  readonly labels: LabelsRepository;
  readonly actions: ActionsRepository;
  readonly settings: SettingsRepository;
  readonly library: LibraryService;
  readonly analysis: AnalysisService;
  readonly grouping: GroupingService;
  /** The seed model's 500-d embedding of every face (a stage of the scan; see seed-embedding.service.ts). */
  readonly seedEmbedding: SeedEmbeddingService;
  /** The user's edits of people (with undo) and the review's answers. */
  readonly edits: PeopleService;
  readonly review: ReviewService;
  readonly media: MediaService;
  readonly cacheDir: string;
  readonly dbFile: string;

  constructor(private readonly config: AppConfig) {
    this.dbFile = path.resolve(config.dbFile);
    if (config.mustExist && !existsSync(this.dbFile)) {
      throw new DatabaseMissingError(`There is no FacePair database at ${this.dbFile}: run \`facepair scan <folder>\` first`);
    }
    this.db = openDatabase(this.dbFile, { create: !config.mustExist });
    this.cacheDir = cacheDirFor(this.dbFile);
    this.photos = new PhotosRepository(this.db);
    this.faces = new FacesRepository(this.db);
    this.embeddings = new EmbeddingsRepository(this.db);
    this.people = new PeopleRepository(this.db);
    this.labels = new LabelsRepository(this.db);
    this.actions = new ActionsRepository(this.db);
    this.settings = new SettingsRepository(this.db);
    this.library = new LibraryService(this.photos, [this.dbFile, this.cacheDir]);
    this.analysis = new AnalysisService(this.db, this.photos, this.faces, this.embeddings, this.cacheDir);
    this.grouping = new GroupingService(this.faces, this.people, this.labels);
    this.seedEmbedding = new SeedEmbeddingService(this.faces, this.embeddings, this.cacheDir);
    this.grouping.candidateScorer = (faceIds, descriptors) => this.seedEmbedding.candidatePairScorer(faceIds, descriptors);
    this.edits = new PeopleService(this.db, this.people, this.faces, this.embeddings, this.labels, this.actions);
    this.review = new ReviewService(this.faces, this.labels, () => this.edits.skippedPairs());
    this.media = new MediaService(this.photos, this.faces, this.cacheDir, () => this.libraryFolder());
  }

  /** Index, analyse and group; every stage resumes from what the database already holds. */
  async scan(folder: string, onEvent?: (e: ScanEvent) => void, signal?: AbortSignal): Promise<ScanSummary> {
    const t0 = performance.now();
    const index = await this.library.reconcile(folder, (done, total) => onEvent?.({ stage: 'index', done, total }));
    const analysis = await this.analysis.analyzePending({
      workers: this.config.workers,
      onProgress: (p) => onEvent?.({ stage: 'analyze', ...p }),
      signal,
    });
    this.lastSeedEmbedding = await this.seedEmbedding.embedPending({ signal, onProgress: (done, total) => onEvent?.({ stage: 'embed', done, total }) });
    onEvent?.({ stage: 'group' });
    const grouping = await this.grouping.groupNewFaces();
    const status = this.status();
    return {
      folder: path.resolve(folder),
      index,
      analysis,
      grouping,
      photos: status.photos.done + status.photos.error + status.photos.pending,
      faces: status.faces,
      people: status.people,
      errors: status.photos.error,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  /** The photo folder of this library (the window's scans read it); null until one is chosen. */
  libraryFolder(): string | null {
    return this.settings.get(LIBRARY_FOLDER_KEY);
  }

  async setLibraryFolder(folder: string): Promise<string> {
    const abs = await assertReadableFolder(folder);
    this.settings.set(LIBRARY_FOLDER_KEY, abs);
    return abs;
  }

  listPeople(): PersonListing[] {
    return this.people.list();
  }

  status(): StatusReport {
    return {
      database: this.dbFile,
      photos: this.photos.countByStatus(),
      faces: this.faces.countOnPresentPhotos(),
      people: this.people.countWithPresentFaces(),
      errors: this.photos.listErrors(),
    };
  }

  /** What the seed embedding stage of the last scan did (null before any scan). */
  lastSeedEmbedding: SeedEmbeddingSummary | null = null;

  close(): void {
    this.db.close();
  }
}

export function createApp(config: AppConfig): FacePairApp {
  return new FacePairApp(config);
}
