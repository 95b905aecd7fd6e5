import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ActionsRepository } from '../db/actions.repository.js';
import type { Db } from '../db/database.js';
import type { FolderMark, FolderMarksRepository } from '../db/folder-marks.repository.js';
import type { LibraryFoldersRepository } from '../db/library-folders.repository.js';
import { expandHome } from './folder-rules.js';
import { isInside, isWithin } from './inside.js';
import { LibraryFolderError, type LibraryFolders } from './library-folders.js';
import { assertReadableFolder } from './library.service.js';

export type { FolderMark } from '../db/folder-marks.repository.js';
/** What a folder can be marked as; `normal` takes its mark away. */
export type FolderRole = FolderMark | 'normal';
export const FOLDER_ROLES: readonly FolderRole[] = ['reference', 'preferred', 'normal'];

export interface MarkedFolder {
  /** Its real path. */
  path: string;
  mark: FolderMark;
  /** Photos of the library in it. */
  photos: number;
}

export interface MarkResult {
  folder: string;
  role: FolderRole;
  /** What it was before. */
  previous: FolderRole;
  /** A marked folder above it, whose mark still holds for its photos, or null. */
  within: { path: string; mark: FolderMark } | null;
  /** The undoable action that changed the mark; null when nothing changed. */
  action: MarkAction | null;
}

/** An action as the edits answer it (people.service's ActionResult; library sits below people). */
export interface MarkAction {
  id: number;
  kind: string;
  summary: string;
  createdAt: string;
}

/** What marks need of the edits (PeopleService): a step the undo of their actions runs. */
export interface UndoSteps {
  registerUndoStep(kind: string, step: (payload: unknown) => string | null): void;
}

/**
 * The payload of a `folders.mark` action: the mark before, with the empty lists every action's
 * undo record holds (the undo of people's changes reads them: a mark changes none).
 */
interface MarkRecord {
  people: [];
  deleted: [];
  created: [];
  moves: [];
  labels: [];
  folder: string;
  previous: FolderRole;
  role: FolderRole;
}

export const MARK_ACTION = 'folders.mark';

/**
 * Folders the user marks, for the duplicates: a **reference** folder's photos are never
 * proposed for the trash (and a copy there is the one kept); a **preferred** folder is the
 * keep-best rule's last tie-break. A mark is on one of the library's folders or a folder inside
 * one, by real path; the innermost marked folder holding a photo decides its mark.
 */
export class FolderMarks {
  constructor(
    private readonly db: Db,
    private readonly repo: FolderMarksRepository,
    private readonly folders: LibraryFolders,
    private readonly folderRows: LibraryFoldersRepository,
    private readonly actions: ActionsRepository,
    edits: UndoSteps,
  ) {
    edits.registerUndoStep(MARK_ACTION, (payload) => this.restore(payload as MarkRecord));
  }

  list(): MarkedFolder[] {
    return this.repo.list().map((r) => ({ path: r.path, mark: r.mark, photos: this.folderRows.countPhotosUnder(r.path, path.sep).present }));
  }

  /** The mark of each file: one read of the marks for many files (the innermost marked folder wins). */
  reader(): (file: string) => FolderMark | null {
    const marks = this.repo.list().sort((a, b) => b.path.length - a.path.length);
    return (file) => marks.find((m) => isInside(m.path, file))?.mark ?? null;
  }

  /**
   * Marks a folder (`~` is the home folder). Reference and preferred need a folder that exists
   * and lies in the library's folders; `normal` takes the mark off, by the path listed or one
   * that leads to it (the folder may be gone).
   */
  async mark(input: string, role: FolderRole): Promise<MarkResult> {
    if (!FOLDER_ROLES.includes(role)) throw new LibraryFolderError(`A folder is marked reference, preferred or normal, not ${JSON.stringify(role)}`);
    const marks = this.repo.list();
    const previousOf = (folder: string): FolderRole => marks.find((m) => m.path === folder)?.mark ?? 'normal';
    if (role === 'normal') {
      const abs = path.resolve(expandHome(input));
      let folder = marks.find((m) => m.path === abs)?.path;
      if (folder === undefined) {
        try {
          const real = realpathSync(abs);
          folder = marks.find((m) => m.path === real)?.path ?? real;
        } catch {
          folder = abs;
        }
      }
      const previous = previousOf(folder);
      const action = this.change(folder, previous, role);
      return { folder, role, previous, within: this.markAbove(folder), action };
    }
    const real = await realpath(await assertReadableFolder(input));
    const roots = this.folders.roots();
    if (!roots.some((r) => isWithin(r, real))) {
      throw new LibraryFolderError(
        roots.length === 0
          ? `${real} is not in the library: add a folder first (facepair folders add <folder>)`
          : `${real} is not in the library's folders (${roots.join(', ')}): only a library folder or a folder inside one can be marked`,
      );
    }
    const previous = previousOf(real);
    const action = this.change(real, previous, role);
    return { folder: real, role, previous, within: this.markAbove(real), action };
  }

  /** Sets the mark with its action (undo puts the one before back); nothing when it is already so. */
  private change(folder: string, previous: FolderRole, role: FolderRole): MarkAction | null {
    if (previous === role) return null;
    return this.db.transaction(() => {
      const id = this.actions.begin(MARK_ACTION, markSummary(folder, previous, role));
      this.apply(folder, role);
      const record: MarkRecord = { people: [], deleted: [], created: [], moves: [], labels: [], folder, previous, role };
      this.actions.setPayload(id, record);
      const row = this.actions.find(id)!;
      return { id: row.id, kind: row.kind, summary: row.summary, createdAt: row.created_at };
    })();
  }

  private apply(folder: string, role: FolderRole): void {
    if (role === 'normal') this.repo.clear(folder);
    else this.repo.set(folder, role);
  }

  /** The undo of a mark: the folder's mark before it, whatever it is now (a newer mark was undone first). */
  private restore(rec: MarkRecord): string {
    this.apply(rec.folder, rec.previous);
    return rec.previous === 'normal' ? `${rec.folder} is a normal folder again` : `${rec.folder} is ${ROLE_WORDS[rec.previous].split(':')[0]} again`;
  }

  private markAbove(folder: string): { path: string; mark: FolderMark } | null {
    const above = this.repo
      .list()
      .filter((m) => isInside(m.path, folder))
      .sort((a, b) => b.path.length - a.path.length)[0];
    return above ? { path: above.path, mark: above.mark } : null;
  }
}

const ROLE_WORDS: Record<FolderMark, string> = {
  reference: 'a reference folder: its photos are never proposed for the trash, and are kept over equal copies elsewhere',
  preferred: 'a preferred folder: between copies otherwise equal, the one in it is kept',
};

/** An action's summary: "Marked ~/Photos/Archive as reference (was normal)". */
function markSummary(folder: string, previous: FolderRole, role: FolderRole): string {
  return `Marked ${folder} as ${role === 'normal' ? 'a normal folder' : role} (it was ${previous})`;
}

/** What marking a folder did, in a sentence. */
export function describeMarked(r: MarkResult): string {
  const still = r.within ? ` Its photos still count as in the ${r.within.mark} folder ${r.within.path}.` : '';
  if (r.role === 'normal') return r.previous === 'normal' ? `${r.folder} had no mark.${still}` : `${r.folder} is a normal folder again (it was ${r.previous}).${still}`;
  if (r.previous === r.role) return `${r.folder} is already ${ROLE_WORDS[r.role].split(':')[0]}.`;
  return `${r.folder} is ${ROLE_WORDS[r.role]}.`;
}
