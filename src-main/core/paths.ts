import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where FacePair keeps its database and caches by default: the platform's app-data folder. */
export function defaultDataDir(): string {
  if (process.env.FACEPAIR_HOME) return path.resolve(process.env.FACEPAIR_HOME);
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'FacePair');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'FacePair');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'facepair');
}

/**
 * Where onnxruntime's optimised models are kept (see keepOptimizedModelsIn): they depend on
 * this machine's CPU and the models, not on a library, so every library's scans share them.
 */
export function optimizedModelsDir(): string {
  return path.join(defaultDataDir(), 'onnx-optimized');
}

/** Where the model weights' hashes are kept between scans (see keepFileHashesIn). */
export function fileHashesFile(): string {
  return path.join(defaultDataDir(), 'file-sha256.json');
}

export function defaultDbFile(): string {
  return path.join(defaultDataDir(), 'library.db');
}

/** Face crops live beside the database they belong to, never in the photo folders. */
export function cacheDirFor(dbFile: string): string {
  const abs = path.resolve(dbFile);
  return path.join(path.dirname(abs), `${path.basename(abs, path.extname(abs))}.cache`);
}

/** The folder of FacePair's own package (where models/ lives), found from this file upward. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'facepair') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the facepair package folder');
    dir = up;
  }
}

/**
 * Models we ship: `models/` in the package, or, in the desktop app (where electron-builder
 * copies it as an extra resource beside the app's folder), `resources/models`.
 */
export function modelsDir(): string {
  const root = packageRoot();
  const own = path.join(root, 'models');
  if (existsSync(own)) return own;
  const beside = path.join(path.dirname(root), 'models');
  return existsSync(beside) ? beside : own;
}
