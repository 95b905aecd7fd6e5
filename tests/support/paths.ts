import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATASETS = path.resolve(REPO_ROOT, '../shared/datasets');
export const IDENTITIES = path.join(DATASETS, 'photos/identities');
export const GROUPS = path.join(DATASETS, 'photos/groups');
export const LFW = path.join(DATASETS, 'lfw');
export const CLI = path.join(REPO_ROOT, 'dist/src-main/cli/main.js');

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `facepair-${prefix}-`));
}
