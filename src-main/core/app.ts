import { existsSync } from 'node:fs';
import path from 'node:path';

import { AnalysisService } from './analysis/analysis.service.js';
import { ActionsRepository } from './db/actions.repository.js';
import { openDatabase, type Db } from './db/database.js';
import { EmbeddingsRepository } from './db/embeddings.repository.js';
import { FacesRepository } from './db/faces.repository.js';
import { LabelsRepository } from './db/labels.repository.js';
import { PeopleRepository } from './db/people.repository.js';
import { PhotosRepository } from './db/photos.repository.js';
import { SettingsRepository } from './db/settings.repository.js';
import { SeedEmbeddingService } from './embedding/seed-embedding.service.js';
import { FusedCandidatePairHead } from './grouping/candidate-pair-head.js';
import { DEFAULT_GROUPING, GroupingService } from './grouping/grouping.service.js';
import { LearnedVersionsRepository } from './db/learned-versions.repository.js';
import { LearningService } from './learning/learning.service.js';
import { shippedRecognition } from './learning/shipped-recognition.js';
import { LibraryFolder } from './library/library-folder.js';
import { LibraryStatus } from './library/library-status.js';
import { LibraryService } from './library/library.service.js';
import { MediaService } from './media/media.service.js';
import { cacheDirFor } from './paths.js';
import { PeopleService } from './people/people.service.js';
import { ReviewService } from './people/review.service.js';
import { PersonLikeness } from './people/person-likeness.js';
import { ScanPipeline } from './scan/scan-pipeline.js';

export interface AppConfig {
  dbFile: string;
  /** Open an existing database only (commands that read); scanning creates it. */
  mustExist?: boolean;
  workers?: number;
}

export class DatabaseMissingError extends Error {}

/** The one set of services behind every adapter (CLI, HTTP server, Electron): wiring only. */
export class FacePairApp {
  readonly db: Db;
  readonly dbFile: string;
  readonly cacheDir: string;
  readonly photos: PhotosRepository;
  readonly faces: FacesRepository;
  readonly embeddings: EmbeddingsRepository;
  readonly people: PeopleRepository;
  readonly labels: LabelsRepository;
  readonly actions: ActionsRepository;
  readonly settings: SettingsRepository;
  readonly learnedVersions: LearnedVersionsRepository;
  readonly library: LibraryService;
  /** The photo folder the window's scans read. */
  readonly folder: LibraryFolder;
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
  /** People ordered by likeness to one: the merge dialog's order and the person page's suggestions. */
  readonly likeness: PersonLikeness;
  readonly media: MediaService;

  constructor(config: AppConfig) {
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
    this.learnedVersions = new LearnedVersionsRepository(this.db);
    this.library = new LibraryService(this.photos, [this.dbFile, this.cacheDir]);
    this.folder = new LibraryFolder(this.settings);
    this.status = new LibraryStatus(this.dbFile, this.photos, this.faces, this.people);
    this.analysis = new AnalysisService(this.db, this.photos, this.faces, this.embeddings);
    this.seedEmbedding = new SeedEmbeddingService(this.faces, this.embeddings, this.cacheDir);
    this.grouping = new GroupingService(this.faces, this.people, this.labels, new FusedCandidatePairHead(this.seedEmbedding), DEFAULT_GROUPING, () => this.learning.tuning());
    this.learning = new LearningService(
      this.faces,
      this.people,
      this.labels,
      this.embeddings,
      this.learnedVersions,
      this.seedEmbedding,
      this.grouping,
      shippedRecognition(this.seedEmbedding),
    );
    this.scanner = new ScanPipeline(this.library, this.analysis, this.seedEmbedding, this.grouping, this.status, this.cacheDir, config.workers);
    this.edits = new PeopleService(this.db, this.people, this.faces, this.embeddings, this.labels, this.actions);
    this.review = new ReviewService(this.faces, this.labels, this.edits, () => this.grouping.mergeRule());
    this.likeness = new PersonLikeness(this.faces, this.labels, () => this.grouping.mergeRule());
    this.media = new MediaService(this.photos, this.faces, this.cacheDir, () => this.folder.get());
  }

  close(): void {
    this.db.close();
  }
}

export function createApp(config: AppConfig): FacePairApp {
  return new FacePairApp(config);
}
