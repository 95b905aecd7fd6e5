// Every stored vector of one model as one matrix, for grouping: read from a file in the
// library's cache where the database says the file still holds what it holds (migration 17's
// epoch), plus the vectors of faces newer than the file's; else read whole from the database
// and the file written again. A scan that found 1,000 new faces in a library of 150,000 then
// reads 1,000 vectors from SQLite, not 150,000.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

import type { Db } from './database.js';
import { NARROW, readInto, readVectorRows } from './derived-rows.js';

/** Rows of one model's vectors in face order: `ids[i]`'s vector is row i of `vectors` (row-major, n x dims). */
export interface DescriptorMatrix {
  ids: Int32Array;
  vectors: Float32Array;
  n: number;
  dims: number;
}

const MAGIC = 0x31_4d_50_46; // "FPM1"
const HEADER_BYTES = 32;

interface Header {
  dims: number;
  modelId: number;
  count: number;
  epoch: bigint;
  maxId: number;
}

/** The file's header, or null where it is missing, unreadable or of another model or size. */
function readHeader(file: string, modelId: number, dims: number): (Header & { fd: number }) | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  const buf = Buffer.alloc(HEADER_BYTES);
  const h = readSync(fd, buf, 0, HEADER_BYTES, 0) === HEADER_BYTES ? { magic: buf.readUInt32LE(0), dims: buf.readUInt32LE(4), modelId: buf.readUInt32LE(8), count: buf.readUInt32LE(12), epoch: buf.readBigInt64LE(16), maxId: buf.readInt32LE(24) } : null;
  if (h === null || h.magic !== MAGIC || h.dims !== dims || h.modelId !== modelId || fstatSync(fd).size !== HEADER_BYTES + h.count * 4 * (1 + dims)) {
    closeSync(fd);
    return null;
  }
  return { ...h, fd };
}


/** Writes the matrix with its epoch (to a file beside, then renamed: a reader sees the old file or the new one). A failed write only costs the next run a full read. */
function writeMatrix(file: string, modelId: number, epoch: bigint, m: DescriptorMatrix): void {
  const tmp = `${file}.${process.pid}.${Math.floor(Math.random() * 1e9)}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(m.dims, 4);
    header.writeUInt32LE(modelId, 8);
    header.writeUInt32LE(m.n, 12);
    header.writeBigInt64LE(epoch, 16);
    header.writeInt32LE(m.n === 0 ? 0 : m.ids[m.n - 1]!, 24);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, header);
      writeSync(fd, new Uint8Array(m.ids.buffer, m.ids.byteOffset, m.n * 4));
      writeSync(fd, new Uint8Array(m.vectors.buffer, m.vectors.byteOffset, m.n * m.dims * 4));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

/** Appends rows (face id, vector blob) in face order to growing arrays. */
function readRows(rows: Iterable<unknown[]>, dims: number, expected: number): DescriptorMatrix {
  const { ids, vectors } = readVectorRows(rows, dims, expected);
  return { ids, vectors, n: ids.length, dims };
}

/** When the faces read past the file are more than this share of it, the file is written again (else they are read from the database each time). */
const REWRITE_SHARE = 1 / 16;

/**
 * The descriptor file's rows read ahead (a scan's grouping worker reads them while the photos
 * are analysed), with room after them for the faces the scan adds. Used by a later
 * readDescriptorMatrix only where the database still matches it as it would the file (epoch,
 * count up to its newest face, that face's vector); else that read goes on as without it.
 */
export interface PreloadedMatrix {
  modelId: number;
  dims: number;
  epoch: bigint;
  count: number;
  maxId: number;
  /** Capacity rows each; the first `count` hold the file's rows. */
  ids: Int32Array;
  vectors: Float32Array;
}

/**
 * Reads the descriptor file ahead where the database's epoch still matches it, into arrays with
 * room for at least `spare` more rows (written once, so that their memory is touched now, not at plan
 * time); null where there is no usable file (the plan then reads as it always has).
 */
export function preloadDescriptorMatrix(db: Db, modelId: number, dims: number, file: string, spare: number): PreloadedMatrix | null {
  return db.transaction(() => {
    const epochRow = epochOf(db, modelId);
    if (epochRow === undefined) return null;
    const header = readHeader(file, modelId, dims);
    if (header === null) return null;
    try {
      if (header.epoch !== epochRow.epoch) return null;
      // Room for as many new faces as may be read past the file before it is written again (REWRITE_SHARE).
      const capacity = header.count + Math.max(spare, Math.ceil(header.count * REWRITE_SHARE));
      const ids = new Int32Array(capacity);
      const vectors = new Float32Array(capacity * dims);
      if (!readInto(header.fd, new Uint8Array(ids.buffer, 0, header.count * 4), HEADER_BYTES)) return null;
      if (!readInto(header.fd, new Uint8Array(vectors.buffer, 0, header.count * dims * 4), HEADER_BYTES + header.count * 4)) return null;
      // The spare rows' pages faulted in now: the scan's new faces land there.
      vectors.fill(0, header.count * dims);
      ids.fill(0, header.count);
      return { modelId, dims, epoch: header.epoch, count: header.count, maxId: header.maxId, ids, vectors };
    } finally {
      closeSync(header.fd);
    }
  })();
}

/**
 * Every vector of `modelId` (n x dims, face order). With `file`: from that file where the
 * epoch, the count of vectors up to its newest face, and that face's vector all still match the
 * database, plus the newer faces' vectors from the database; the file is (re)written where it
 * did not match or the newer faces have grown many. Call inside a read transaction where the
 * caller reads more (so that both see one state of the library).
 */
export function readDescriptorMatrix(db: Db, modelId: number, dims: number, file: string | null, preloaded?: PreloadedMatrix | null): DescriptorMatrix {
  const epochRow = file === null ? undefined : epochOf(db, modelId);
  const rowsFrom = db.prepare<[number, number], unknown[]>('SELECT face_id, vector FROM embeddings WHERE model_id = ? AND face_id > ? ORDER BY face_id').raw(true);
  const countUpTo = db.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM embeddings WHERE model_id = ? AND face_id <= ?');
  // Where the epochs are, through the narrow index (see NARROW).
  const countUpToNarrow = (modelId: number, maxId: number): number => db.prepare<[number, number], { n: number }>(`SELECT count(*) AS n FROM embeddings ${NARROW} WHERE model_id = ? AND face_id <= ?`).get(modelId, maxId)!.n;
  if (file === null || epochRow === undefined) {
    const n = countUpTo.get(modelId, 2 ** 31 - 1)!.n;
    return readRows(rowsFrom.iterate(modelId, -1) as Iterable<unknown[]>, dims, n);
  }
  const epoch = epochRow.epoch;
  const pre = preloaded ?? null;
  if (pre !== null && pre.modelId === modelId && pre.dims === dims && pre.epoch === epoch && countUpToNarrow(modelId, pre.maxId) === pre.count) {
    // The same checks as the file's below, against the rows read ahead: only the newer faces are read now.
    const last = pre.vectors.subarray((pre.count - 1) * dims, pre.count * dims);
    if (pre.count === 0 || (pre.ids[pre.count - 1] === pre.maxId && sameVector(db, modelId, pre.maxId, last))) {
      const tail = readRows(rowsFrom.iterate(modelId, pre.maxId) as Iterable<unknown[]>, dims, 64);
      const n = pre.count + tail.n;
      const fits = n <= pre.ids.length;
      const ids = fits ? pre.ids.subarray(0, n) : new Int32Array(n);
      const vectors = fits ? pre.vectors.subarray(0, n * dims) : new Float32Array(n * dims);
      if (!fits) {
        ids.set(pre.ids.subarray(0, pre.count));
        vectors.set(pre.vectors.subarray(0, pre.count * dims));
      }
      ids.set(tail.ids, pre.count);
      vectors.set(tail.vectors, pre.count * dims);
      const m = { ids, vectors, n, dims };
      if (tail.n > pre.count * REWRITE_SHARE) writeMatrix(file, modelId, epoch, m);
      return m;
    }
  }
  const header = readHeader(file, modelId, dims);
  try {
    if (header !== null && header.epoch === epoch && countUpToNarrow(modelId, header.maxId) === header.count) {
      // The file's rows and the newer faces' straight into one matrix.
      const tail = readRows(rowsFrom.iterate(modelId, header.maxId) as Iterable<unknown[]>, dims, 64);
      const n = header.count + tail.n;
      const ids = new Int32Array(n);
      const vectors = new Float32Array(n * dims);
      const bytes = (a: Int32Array | Float32Array, rows: number, width: number): Uint8Array => new Uint8Array(a.buffer, 0, rows * width * 4);
      const read = readInto(header.fd, bytes(ids, header.count, 1), HEADER_BYTES) && readInto(header.fd, bytes(vectors, header.count, dims), HEADER_BYTES + header.count * 4);
      const last = vectors.subarray((header.count - 1) * dims, header.count * dims);
      if (read && (header.count === 0 || (ids[header.count - 1] === header.maxId && sameVector(db, modelId, header.maxId, last)))) {
        ids.set(tail.ids, header.count);
        vectors.set(tail.vectors, header.count * dims);
        const m = { ids, vectors, n, dims };
        if (tail.n > header.count * REWRITE_SHARE) writeMatrix(file, modelId, epoch, m);
        return m;
      }
    }
  } finally {
    if (header !== null) closeSync(header.fd);
  }
  const n = countUpToNarrow(modelId, 2 ** 31 - 1);
  const m = readRows(rowsFrom.iterate(modelId, -1) as Iterable<unknown[]>, dims, n);
  writeMatrix(file, modelId, epoch, m);
  return m;
}

function sameVector(db: Db, modelId: number, faceId: number, v: Float32Array): boolean {
  const row = db.prepare<[number, number], { vector: Buffer }>('SELECT vector FROM embeddings WHERE model_id = ? AND face_id = ?').get(modelId, faceId);
  return row !== undefined && row.vector.equals(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

/** The model's epoch (migration 17), or undefined where the library has none yet (opened read-only before it was migrated). */
function epochOf(db: Db, modelId: number): { epoch: bigint } | undefined {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'embedding_epochs'").get();
  if (has === undefined) return undefined;
  return db.prepare<[number], { epoch: bigint }>('SELECT epoch FROM embedding_epochs WHERE model_id = ?').safeIntegers(true).get(modelId);
}
