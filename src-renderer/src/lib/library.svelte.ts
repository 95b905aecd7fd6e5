import type { ApiResult, LibraryInfo, ScanState } from '../../../src-main/core/contract/api.js';
import { actions } from './actions.svelte.js';
import { call, errorMessage } from './api.js';
import { people } from './people.svelte.js';
import { toasts } from './toasts.svelte.js';

/** The library's folders, the scan (with live progress) and the files that failed. */
class LibraryState {
  info = $state<LibraryInfo | null>(null);
  /** The people as the People screen splits them (its tabs' figures, with its "fewer than" setting). */
  counts = $state<ApiResult<'people.counts'> | null>(null);
  scan = $state<ScanState | null>(null);
  canPickFolder = $state(false);
  /** Why nothing can be changed (a read-only library), or null. */
  readOnly = $state<string | null>(null);
  folderError = $state<string | null>(null);
  /** What the last add or remove did, in a sentence. */
  folderNotice = $state<string | null>(null);
  busy = $state(false);

  get scanning(): boolean {
    const s = this.scan?.status;
    return s === 'running' || s === 'pausing' || s === 'cancelling';
  }

  async load(): Promise<void> {
    try {
      const [info, app, counts] = await Promise.all([call('library.get'), call('app.info'), call('people.counts', { minFaces: people.minFaces })]);
      this.info = info;
      this.counts = counts;
      this.scan = info.scan;
      this.canPickFolder = app.canPickFolder;
      this.readOnly = app.readOnly;
    } catch (err) {
      toasts.error(err);
    }
  }

  async addFolder(folder: string): Promise<boolean> {
    return this.changeFolders('library.addFolder', folder);
  }

  async removeFolder(folder: string): Promise<boolean> {
    return this.changeFolders('library.removeFolder', folder);
  }

  private async changeFolders(method: 'library.addFolder' | 'library.removeFolder', folder: string): Promise<boolean> {
    this.folderError = null;
    this.folderNotice = null;
    try {
      const { library, notice } = await call(method, { folder });
      this.info = library;
      this.folderNotice = notice;
      return true;
    } catch (err) {
      this.folderError = errorMessage(err);
      return false;
    }
  }

  /**
   * Marks a folder for the duplicates (by path, or the folder of a photo): reference (never
   * trashed), preferred (kept first) or normal. Answers the sentence saying what it did, or null.
   */
  async markFolder(target: { folder: string } | { photoId: number }, mark: 'reference' | 'preferred' | 'normal'): Promise<string | null> {
    this.folderError = null;
    this.folderNotice = null;
    try {
      const { library, notice, action } = await call('library.markFolder', { ...target, mark });
      this.info = library;
      this.folderNotice = notice;
      // A mark is an edit like any other: Undo (the toast's, the header's, Ctrl+Z) puts the one before back.
      await actions.done(action);
      return notice;
    } catch (err) {
      this.folderError = errorMessage(err);
      toasts.error(err);
      return null;
    }
  }

  async pickFolder(): Promise<void> {
    try {
      const { folder } = await call('library.pickFolder');
      if (folder) await this.addFolder(folder);
    } catch (err) {
      this.folderError = errorMessage(err);
    }
  }

  /** `folder`: a scan of that folder only (start). */
  async control(what: 'start' | 'pause' | 'resume' | 'cancel', folder?: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    // What adding a folder did ("scan it…") is done with once a scan starts.
    if (what === 'start' || what === 'resume') this.folderNotice = null;
    try {
      this.scan = what === 'start' ? await call('scan.start', folder === undefined ? {} : { folder }) : await call(`scan.${what}`);
    } catch (err) {
      toasts.error(err);
    } finally {
      this.busy = false;
    }
  }

  private lastInfo = 0;

  /** Live progress; the counts below the bar follow every two seconds, and at the end. */
  onProgress(state: ScanState): void {
    const finished = this.scan?.status !== state.status && (state.status === 'idle' || state.status === 'paused');
    if (state.status === 'running' && this.scan?.status !== 'running') this.folderNotice = null;
    this.scan = state;
    const now = performance.now();
    if (finished || now - this.lastInfo > 2000) {
      this.lastInfo = now;
      void this.load();
    }
  }
}

export const library = new LibraryState();
