/**
 * Seed embeddings of LFW images kept between evaluation and training runs, beside the LFW
 * scan's cache: `<scan>.cache/seed-embeddings/<sha of the embedding key>.{json,f32}`. A
 * shift-averaged embedding costs ten extractor passes (about 6 faces/s on 2 wasm cores),
 * so each `eval lfw` / `train-fused` / `train-seed-score` run of one model re-embedding the
 * same 2,500 images cost minutes. An entry is used only while its source image (the aligned
 * crop, or the photo) has the size and modification time it had when it was embedded.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { cacheDirFor } from '../../paths.js';

interface CacheIndex {
  embeddingKey: string;
  dim: number;
  /** Per row: image key and the source file's size and mtime when embedded. */
  rows: Array<{ key: string; size: number; mtimeMs: number }>;
}

export interface SeedEmbeddingCache {
  /** The cached embedding of an image whose source file is unchanged, or undefined. */
  get(key: string, sourceFile: string): Float32Array | undefined;
  set(key: string, sourceFile: string, embedding: Float32Array): void;
  /** Writes the cache (all rows, atomically). */
  save(): void;
}

const fingerprint = (file: string): { size: number; mtimeMs: number } | null => {
  try {
    const s = statSync(file);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return null;
  }
};

export function openSeedEmbeddingCache(scanDb: string, embeddingKey: string, dim: number): SeedEmbeddingCache {
  const dir = path.join(cacheDirFor(scanDb), 'seed-embeddings');
  const base = path.join(dir, createHash('sha256').update(embeddingKey).digest('hex').slice(0, 16));
  const rows = new Map<string, { size: number; mtimeMs: number; vector: Float32Array }>();
  if (existsSync(`${base}.json`) && existsSync(`${base}.f32`)) {
    try {
      const index = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as CacheIndex;
      const buf = readFileSync(`${base}.f32`);
      const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      if (index.embeddingKey === embeddingKey && index.dim === dim && all.length === index.rows.length * dim) {
        index.rows.forEach((r, i) => rows.set(r.key, { size: r.size, mtimeMs: r.mtimeMs, vector: all.slice(i * dim, (i + 1) * dim) }));
      }
    } catch {
      rows.clear(); // an unreadable cache is rebuilt
    }
  }
  let dirty = false;
  return {
    get(key, sourceFile) {
      const r = rows.get(key);
      const f = r && fingerprint(sourceFile);
      return r && f && f.size === r.size && f.mtimeMs === r.mtimeMs ? r.vector : undefined;
    },
    set(key, sourceFile, embedding) {
      if (embedding.length !== dim) throw new Error(`a seed embedding has ${dim} values, not ${embedding.length}`);
      const f = fingerprint(sourceFile);
      if (f === null) return;
      rows.set(key, { ...f, vector: embedding.slice() });
      dirty = true;
    },
    save() {
      if (!dirty) return;
      mkdirSync(dir, { recursive: true });
      const entries = [...rows];
      const index: CacheIndex = { embeddingKey, dim, rows: entries.map(([key, r]) => ({ key, size: r.size, mtimeMs: r.mtimeMs })) };
      const all = new Float32Array(entries.length * dim);
      entries.forEach(([, r], i) => all.set(r.vector, i * dim));
      // Vectors first, index last: a crash between leaves an index whose row count no longer matches.
      writeFileSync(`${base}.f32.tmp`, Buffer.from(all.buffer));
      renameSync(`${base}.f32.tmp`, `${base}.f32`);
      writeFileSync(`${base}.json.tmp`, JSON.stringify(index));
      renameSync(`${base}.json.tmp`, `${base}.json`);
      dirty = false;
    },
  };
}
