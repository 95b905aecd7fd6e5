// Rows computed from one model's stored vectors (the seed pair head's projections of each
// face), kept in the library's cache so that a scan's grouping computes them only for its new
// faces. A pure cache: the rows are kept in chunk files, each for the faces of one id range, in
// face order, with the model's epoch (migration 17) and a hash of what computed them (`key`);
// a chunk is read only where the database still holds exactly the vectors it was computed
// from (the same epoch, the same count of vectors in its range, the same vector of its last
// face), else every chunk is dropped and the rows computed again. The faces newer than the
// last chunk are read from the database, computed, and kept as one more chunk; past
// MAX_CHUNKS chunks the newer ones are merged.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

import type { Db } from './database.js';
import { trace } from '../trace.js';

export interface DerivedRowsSpec {
  modelId: number;
  /** Floats of a stored vector. */
  dims: number;
  /** Floats of a computed row. */
  rowDims: number;
  /** Names what `derive` computes (the weights it uses): rows kept under another key are never read. */
  key: string;
  /** The folder of the chunk files; null: nothing kept, every row computed. */
  dir: string | null;
  /** Rows (n x rowDims) of n stored vectors (n x dims); a vector's row must not depend on the others in the batch. */
  derive(vectors: Float32Array, n: number): Promise<Float32Array>;
}

/** Rows in the order of the faces asked for; `has[i]` 0 where the face has no vector of the model (its row is zeros). */
export interface DerivedRows {
  /** Empty where the rows went to a RowSink instead. */
  rows: Float32Array;
  has: Uint8Array;
}

/**
 * Where each asked face's row goes, instead of one n x rowDims array: a caller that splits the
 * rows (the pair head's two projections and its root embedding) takes them as they are read,
 * without a second copy of them all (at 8,000 faces 24 MB of fresh memory, whose first touch
 * costs more than the copy).
 */
export interface RowSink {
  /** Row of the asked face at `pos` (only valid during the call). */
  put(pos: number, row: Float32Array): void;
  /** Forget every row put so far (a chunk went missing: they are put again). */
  clear(): void;
}

function arraySink(rows: Float32Array, rowDims: number): RowSink {
  return { put: (pos, row) => rows.set(row, pos * rowDims), clear: () => rows.fill(0) };
}

const MAGIC = 0x31_44_50_46; // "FPD1"
const HEADER_BYTES = 64;
/** Past this many chunks the newer ones are merged into one. */
export const MAX_CHUNKS = 8;
/** Vectors computed at once. */
const BLOCK = 8192;
/** The faces newer than the last chunk are computed and kept when they are at most this many, or at most 8 times the faces asked for. */
const TAIL_ALWAYS = 16384;

interface ChunkHeader {
  rowDims: number;
  modelId: number;
  count: number;
  epoch: bigint;
  keyHash: Buffer;
  /** The chunk holds the model's faces with lower < id <= last. */
  lower: number;
  last: number;
  /** Hash of the last face's stored vector. */
  lastHash: Buffer;
}

interface OpenChunk extends ChunkHeader {
  file: string;
  fd: number;
}

const hash8 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest().subarray(0, 8);

function encodeHeader(h: ChunkHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt32LE(MAGIC, 0);
  b.writeUInt32LE(h.rowDims, 4);
  b.writeUInt32LE(h.modelId, 8);
  b.writeUInt32LE(h.count, 12);
  b.writeBigInt64LE(h.epoch, 16);
  h.keyHash.copy(b, 24);
  b.writeInt32LE(h.lower, 32);
  b.writeInt32LE(h.last, 36);
  h.lastHash.copy(b, 40);
  return b;
}

/** The chunk's header where the file is whole and of this model, key and epoch; else null (and the file closed). */
function openChunk(file: string, want: { rowDims: number; modelId: number; epoch: bigint; keyHash: Buffer }): OpenChunk | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const b = Buffer.alloc(HEADER_BYTES);
    if (readSync(fd, b, 0, HEADER_BYTES, 0) === HEADER_BYTES && b.readUInt32LE(0) === MAGIC) {
      const h: ChunkHeader = {
        rowDims: b.readUInt32LE(4),
        modelId: b.readUInt32LE(8),
        count: b.readUInt32LE(12),
        epoch: b.readBigInt64LE(16),
        keyHash: Buffer.from(b.subarray(24, 32)),
        lower: b.readInt32LE(32),
        last: b.readInt32LE(36),
        lastHash: Buffer.from(b.subarray(40, 48)),
      };
      const whole = fstatSync(fd).size === HEADER_BYTES + h.count * 4 * (1 + h.rowDims);
      if (whole && h.count > 0 && h.rowDims === want.rowDims && h.modelId === want.modelId && h.epoch === want.epoch && h.keyHash.equals(want.keyHash) && h.lower < h.last) {
        return { ...h, file, fd };
      }
    }
  } catch {
    // unreadable: as missing
  }
  closeSync(fd);
  return null;
}

/** Reads into the view at `position`, in parts (readSync reads at most 2 GiB at once); false where the file is shorter. */
export function readInto(fd: number, into: Uint8Array, position: number): boolean {
  for (let done = 0; done < into.byteLength; ) {
    const got = readSync(fd, into, done, Math.min(into.byteLength - done, 1 << 30), position + done);
    if (got <= 0) return false;
    done += got;
  }
  return true;
}

function writeAll(fd: number, data: Uint8Array, position: number): void {
  for (let done = 0; done < data.byteLength; ) done += writeSync(fd, data, done, Math.min(data.byteLength - done, 1 << 30), position + done);
}

const bytesOf = (a: Int32Array | Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Counts read the narrow index of (face, model), not the table: its rows hold the vectors (2 kB
 * a seed embedding), and a count over them walks 300 MB at 150,000 faces. The index is older
 * than the epochs (migration 16), so it is there wherever an epoch is.
 */
export const NARROW = 'INDEXED BY embeddings_by_face';

function epochOf(db: Db, modelId: number): bigint | undefined {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'embedding_epochs'").get();
  if (has === undefined) return undefined;
  return db.prepare<[number], { epoch: bigint }>('SELECT epoch FROM embedding_epochs WHERE model_id = ?').safeIntegers(true).get(modelId)?.epoch;
}

/** What the database says, read in one transaction: which chunks still hold, and the stored vectors the rows must be computed from. */
interface Snapshot {
  epoch: bigint | undefined;
  chain: OpenChunk[];
  /** The faces (ascending) past the chain whose vectors are read, and their vectors. */
  ids: Int32Array;
  vectors: Float32Array;
  /** Whether `ids` are the whole tail past the chain (then kept as a chunk), not only the faces asked for. */
  wholeTail: boolean;
}

/** The chain of chunks from the first face on, each starting where the last ended; files off the chain are removed. Every chunk is checked against the database. */
function validChain(db: Db, spec: DerivedRowsSpec, epoch: bigint, keyHash: Buffer): OpenChunk[] {
  const dir = spec.dir!;
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /^\d+-\d+\.bin$/.test(f));
  } catch {
    return [];
  }
  const open: OpenChunk[] = [];
  for (const name of names) {
    const c = openChunk(path.join(dir, name), { rowDims: spec.rowDims, modelId: spec.modelId, epoch, keyHash });
    if (c) open.push(c);
    else rmSync(path.join(dir, name), { force: true });
  }
  const countIn = db.prepare<[number, number, number], { n: number }>(`SELECT count(*) AS n FROM embeddings ${NARROW} WHERE model_id = ? AND face_id > ? AND face_id <= ?`);
  const vectorOf = db.prepare<[number, number], Buffer>('SELECT vector FROM embeddings WHERE face_id = ? AND model_id = ?').pluck(true);
  // Longest first from each start: a merged chunk is taken over the ones it replaced.
  open.sort((a, b) => a.lower - b.lower || b.last - a.last);
  const chain: OpenChunk[] = [];
  let at = 0;
  for (const c of open) {
    if (c.lower !== at) continue;
    const blob = vectorOf.get(c.last, spec.modelId);
    if (countIn.get(spec.modelId, c.lower, c.last)!.n !== c.count || blob === undefined || !hash8(blob).equals(c.lastHash)) break;
    chain.push(c);
    at = c.last;
  }
  for (const c of open) {
    if (chain.includes(c)) continue;
    closeSync(c.fd);
    rmSync(c.file, { force: true });
  }
  return chain;
}

/** Appends rows (face id, vector blob of `dims` floats; others skipped) in face order to growing arrays. */
export function readVectorRows(rows: Iterable<unknown[]>, dims: number, expected: number): { ids: Int32Array; vectors: Float32Array } {
  let ids = new Int32Array(Math.max(16, expected));
  let vectors = new Float32Array(ids.length * dims);
  let n = 0;
  for (const [id, blob] of rows as Iterable<[number, Buffer]>) {
    if (blob.byteLength !== dims * 4) continue;
    if (n === ids.length) {
      const moreIds = new Int32Array(ids.length * 2);
      moreIds.set(ids);
      const moreVectors = new Float32Array(moreIds.length * dims);
      moreVectors.set(vectors);
      ids = moreIds;
      vectors = moreVectors;
    }
    ids[n] = id;
    new Uint8Array(vectors.buffer, n * dims * 4, dims * 4).set(blob);
    n++;
  }
  return { ids: ids.subarray(0, n), vectors: vectors.subarray(0, n * dims) };
}

/** The stored vectors of these faces (ascending, distinct), those that have one. */
function lookUp(db: Db, spec: DerivedRowsSpec, sortedIds: Int32Array): { ids: Int32Array; vectors: Float32Array } {
  const pluck = db.prepare<[number, number], Buffer>('SELECT vector FROM embeddings WHERE face_id = ? AND model_id = ?').pluck(true);
  function* rows(): Iterable<unknown[]> {
    for (const id of sortedIds) {
      const blob = pluck.get(id, spec.modelId);
      if (blob !== undefined) yield [id, blob];
    }
  }
  return readVectorRows(rows(), spec.dims, sortedIds.length);
}

function snapshot(db: Db, spec: DerivedRowsSpec, sortedIds: Int32Array, keyHash: Buffer): Snapshot {
  return db.transaction((): Snapshot => {
    const epoch = spec.dir === null ? undefined : epochOf(db, spec.modelId);
    const chain = epoch === undefined ? [] : validChain(db, spec, epoch, keyHash);
    const covered = chain.at(-1)?.last ?? 0;
    let first = 0;
    while (first < sortedIds.length && sortedIds[first]! <= covered) first++;
    const asked = sortedIds.subarray(first);
    const tail = epoch === undefined ? 0 : db.prepare<[number, number], { n: number }>(`SELECT count(*) AS n FROM embeddings ${NARROW} WHERE model_id = ? AND face_id > ?`).get(spec.modelId, covered)!.n;
    if (epoch !== undefined && tail > 0 && (tail <= TAIL_ALWAYS || tail <= 8 * sortedIds.length)) {
      const rows = db.prepare<[number, number], unknown[]>('SELECT face_id, vector FROM embeddings WHERE model_id = ? AND face_id > ? ORDER BY face_id').raw(true);
      return { epoch, chain, ...readVectorRows(rows.iterate(spec.modelId, covered) as Iterable<unknown[]>, spec.dims, tail), wholeTail: true };
    }
    return { epoch, chain, ...lookUp(db, spec, asked), wholeTail: false };
  })();
}

/** Positions of the asked faces (their ids ascending) and the ids in that order. */
function sortedAsked(faceIds: readonly number[]): { order: Int32Array; sorted: Int32Array } {
  const order = Int32Array.from(faceIds, (_, i) => i).sort((a, b) => faceIds[a]! - faceIds[b]!);
  return { order, sorted: Int32Array.from(order, (i) => faceIds[i]!) };
}

/** Copies the rows of the chunk's faces that are asked for (sorted ids from `from`) into `out`; returns where the next chunk's faces start. */
function readFromChunk(c: OpenChunk, sorted: Int32Array, order: Int32Array, from: number, out: { sink: RowSink; has: Uint8Array }, rowDims: number): number {
  const ids = new Int32Array(c.count);
  if (!readInto(c.fd, bytesOf(ids), HEADER_BYTES)) throw new Error(`${c.file}: short`);
  const rowBytes = rowDims * 4, rowsAt = HEADER_BYTES + c.count * 4;
  const rowOf: number[] = [], posOf: number[] = [];
  let p = 0, a = from;
  for (; a < sorted.length && sorted[a]! <= c.last; a++) {
    const id = sorted[a]!;
    while (p < c.count && ids[p]! < id) p++;
    if (p < c.count && ids[p] === id) {
      rowOf.push(p);
      posOf.push(order[a]!);
    }
  }
  // Runs of rows close together in one read.
  const SPAN = 64, GAP = 4;
  const scratch = new Float32Array(SPAN * rowDims);
  for (let i = 0; i < rowOf.length; ) {
    const start = rowOf[i]!;
    let j = i;
    while (j + 1 < rowOf.length && rowOf[j + 1]! - start < SPAN && rowOf[j + 1]! - rowOf[j]! <= GAP) j++;
    const span = rowOf[j]! - start + 1;
    if (!readInto(c.fd, new Uint8Array(scratch.buffer, 0, span * rowBytes), rowsAt + start * rowBytes)) throw new Error(`${c.file}: short`);
    for (let k = i; k <= j; k++) {
      const r = rowOf[k]! - start;
      out.sink.put(posOf[k]!, scratch.subarray(r * rowDims, (r + 1) * rowDims));
      out.has[posOf[k]!] = 1;
    }
    i = j + 1;
  }
  return a;
}

/** Writes a chunk through a file beside it, renamed when whole. */
function writeChunk(dir: string, h: ChunkHeader, ids: Int32Array, fill: (fd: number, rowsAt: number) => void | Promise<void>): Promise<void> | void {
  const file = path.join(dir, `${h.lower + 1}-${h.last}.bin`);
  const tmp = `${file}.${process.pid}.${Math.floor(Math.random() * 1e9)}.tmp`;
  mkdirSync(dir, { recursive: true });
  const fd = openSync(tmp, 'w');
  const done = (ok: boolean): void => {
    closeSync(fd);
    if (ok) renameSync(tmp, file);
    else rmSync(tmp, { force: true });
  };
  try {
    writeAll(fd, encodeHeader(h), 0);
    writeAll(fd, bytesOf(ids), HEADER_BYTES);
    const r = fill(fd, HEADER_BYTES + ids.length * 4);
    if (r instanceof Promise) {
      return r.then(
        () => done(true),
        (e: unknown) => {
          done(false);
          throw e;
        },
      );
    }
  } catch (e) {
    done(false);
    throw e;
  }
  done(true);
}

/** Merges the chunks (consecutive, whole) into one. */
function merge(dir: string, chunks: OpenChunk[]): void {
  const count = chunks.reduce((s, c) => s + c.count, 0);
  const ids = new Int32Array(count);
  let at = 0;
  for (const c of chunks) {
    if (!readInto(c.fd, bytesOf(ids.subarray(at, at + c.count)), HEADER_BYTES)) throw new Error(`${c.file}: short`);
    at += c.count;
  }
  const first = chunks[0]!, last = chunks.at(-1)!;
  writeChunk(dir, { ...first, count, lower: first.lower, last: last.last, lastHash: last.lastHash }, ids, (fd, rowsAt) => {
    let row = 0;
    const buf = new Float32Array(BLOCK * first.rowDims);
    for (const c of chunks) {
      for (let s = 0; s < c.count; s += BLOCK) {
        const m = Math.min(BLOCK, c.count - s);
        const part = new Uint8Array(buf.buffer, 0, m * c.rowDims * 4);
        if (!readInto(c.fd, part, HEADER_BYTES + c.count * 4 + s * c.rowDims * 4)) throw new Error(`${c.file}: short`);
        writeAll(fd, part, rowsAt + row * c.rowDims * 4);
        row += m;
      }
    }
  });
}

/**
 * The rows of these faces: read from the chunks where they hold, the rest computed from the
 * stored vectors (and kept as a new chunk where they are the faces past the last one). Never
 * different from computing every row from the database; a chunk that cannot be read or
 * written only costs time.
 */
export async function readDerivedRows(db: Db, spec: DerivedRowsSpec, faceIds: readonly number[], sink?: RowSink): Promise<DerivedRows> {
  const { rowDims, dims } = spec;
  const keyHash = hash8(`${spec.key}|${spec.dims}|${spec.rowDims}`);
  const { order, sorted } = sortedAsked(faceIds);
  const rowsOut = new Float32Array(sink === undefined ? faceIds.length * rowDims : 0);
  const out = { sink: sink ?? arraySink(rowsOut, rowDims), has: new Uint8Array(faceIds.length) };
  let snap: Snapshot;
  try {
    snap = snapshot(db, spec, sorted, keyHash);
  } catch {
    snap = { epoch: undefined, chain: [], ...lookUp(db, spec, sorted), wholeTail: false };
  }
  const { chain, ids, vectors } = snap;
  trace(`derived rows: snapshot (${chain.length} chunks, ${ids.length} to compute)`);
  try {
    // Faces the chunks hold.
    const covered = chain.at(-1)?.last ?? 0;
    let from = 0;
    while (from < sorted.length && sorted[from]! <= covered) from++;
    try {
      let a = 0;
      for (const c of chain) a = readFromChunk(c, sorted, order, a, out, rowDims);
    } catch {
      // A chunk went missing or short meanwhile: the faces they hold computed from the database instead.
      out.has.fill(0);
      out.sink.clear();
      const again = lookUp(db, spec, sorted.subarray(0, from));
      await fillComputed(spec, again.ids, again.vectors, sorted, order, 0, out, null);
    }
    trace('derived rows: chunks read');
    // Faces past them, computed block by block (and kept, where they are the whole tail).
    if (ids.length > 0) {
      const keep = snap.wholeTail && spec.dir !== null && snap.epoch !== undefined;
      const lastBlob = vectors.subarray((ids.length - 1) * dims, ids.length * dims);
      const header: ChunkHeader = { rowDims, modelId: spec.modelId, count: ids.length, epoch: snap.epoch ?? 0n, keyHash, lower: covered, last: ids[ids.length - 1]!, lastHash: hash8(bytesOf(lastBlob)) };
      let kept = false;
      if (keep) {
        try {
          await writeChunk(spec.dir!, header, ids, (fd, rowsAt) => fillComputed(spec, ids, vectors, sorted, order, from, out, { fd, rowsAt }));
          kept = true;
        } catch {
          kept = false;
        }
      }
      if (!kept) await fillComputed(spec, ids, vectors, sorted, order, from, out, null);
    }
    trace('derived rows: computed');
    if (snap.wholeTail && spec.dir !== null && chain.length + 1 > MAX_CHUNKS) compact(db, spec, keyHash);
  } finally {
    for (const c of chain) closeSync(c.fd);
  }
  return { rows: rowsOut, has: out.has };
}

/** Computes the rows of `ids` (ascending) block by block into `out` for the asked faces from `from` on, and into the chunk file where one is written. */
async function fillComputed(
  spec: DerivedRowsSpec,
  ids: Int32Array,
  vectors: Float32Array,
  sorted: Int32Array,
  order: Int32Array,
  from: number,
  out: { sink: RowSink; has: Uint8Array },
  file: { fd: number; rowsAt: number } | null,
): Promise<void> {
  const { rowDims, dims } = spec;
  let a = from;
  for (let s = 0; s < ids.length; s += BLOCK) {
    const m = Math.min(BLOCK, ids.length - s);
    const rows = await spec.derive(vectors.subarray(s * dims, (s + m) * dims), m);
    if (rows.length !== m * rowDims) throw new Error(`derive gave ${rows.length} floats for ${m} rows of ${rowDims}`);
    if (file) writeAll(file.fd, bytesOf(rows), file.rowsAt + s * rowDims * 4);
    for (let r = 0; r < m && a < sorted.length; r++) {
      const id = ids[s + r]!;
      while (a < sorted.length && sorted[a]! < id) a++;
      while (a < sorted.length && sorted[a] === id) {
        out.sink.put(order[a]!, rows.subarray(r * rowDims, (r + 1) * rowDims));
        out.has[order[a]!] = 1;
        a++;
      }
    }
  }
}

/** Merges the chunks after the first into one (all of them, where those have grown larger than the first). */
function compact(db: Db, spec: DerivedRowsSpec, keyHash: Buffer): void {
  try {
    const epoch = epochOf(db, spec.modelId);
    if (epoch === undefined) return;
    const chain = db.transaction(() => validChain(db, spec, epoch, keyHash))();
    let merged: OpenChunk[] = [];
    try {
      if (chain.length <= MAX_CHUNKS) return;
      const rest = chain.slice(1);
      merged = rest.reduce((s, c) => s + c.count, 0) > chain[0]!.count ? chain : rest;
      merge(spec.dir!, merged);
    } catch {
      merged = [];
    } finally {
      for (const c of chain) closeSync(c.fd);
    }
    // The merged chunk replaces them (a reader that opened one meanwhile falls back to the database).
    for (const c of merged) rmSync(c.file, { force: true });
  } catch {
    // Left as it is: the chunks stay valid.
  }
}

/**
 * Removes the folders `<prefix><model id>` in `parent` of models that no longer have a stored
 * vector (a seed model replaced by a newer one: its rows can never be read again).
 */
export function dropUnusedRowDirs(db: Db, parent: string, prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const any = db.prepare<[number], { one: number }>('SELECT 1 AS one FROM embeddings WHERE model_id = ? LIMIT 1');
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) continue;
    if (any.get(Number(name.slice(prefix.length))) !== undefined) continue;
    try {
      rmSync(path.join(parent, name), { recursive: true, force: true });
    } catch {
      // left for a later run
    }
  }
}
