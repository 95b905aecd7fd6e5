import type { SettingsRepository } from '../db/settings.repository.js';
import { assertReadableFolder } from './library.service.js';

const LIBRARY_FOLDER_KEY = 'library.folder';

/** The photo folder of this library (the window's scans read it), kept in the database's settings. */
export class LibraryFolder {
  constructor(private readonly settings: SettingsRepository) {}

  /** Null until one is chosen. */
  get(): string | null {
    return this.settings.get(LIBRARY_FOLDER_KEY);
  }

  /** Checks that the folder exists and can be read, and keeps its absolute path. */
  async set(folder: string): Promise<string> {
    const abs = await assertReadableFolder(folder);
    this.settings.set(LIBRARY_FOLDER_KEY, abs);
    return abs;
  }
}
