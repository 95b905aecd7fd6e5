// Every stored vector of one model as one matrix, for grouping: read from a file in the
// library's cache where the database says the file still holds what it holds (migration 17's
// epoch), plus the vectors of faces newer than the file's; else read whole from the database
// and the file written again. A scan that found 1,000 new faces in a library of 150,000 then
// reads 1,000 vectors from SQLite, not 150,000.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

import type { Db } from './database.js';

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

/** The file's header and rows, or null where it is missing, unreadable or of another model or size. */
function readFile(file: string, modelId: number, dims: number): (Header & { ids: Int32Array; vectors: Float32Array }) | null {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return null;
  }
  if (buf.byteLength < HEADER_BYTES) return null;
  const h = { magic: buf.readUInt32LE(0), dims: buf.readUInt32LE(4), modelId: buf.readUInt32LE(8), count: buf.readUInt32LE(12), epoch: buf.readBigInt64LE(16), maxId: buf.readInt32LE(24) };
  if (h.magic !== MAGIC || h.dims !== dims || h.modelId !== modelId) return null;
  if (buf.byteLength !== HEADER_BYTES + h.count * 4 * (1 + dims)) return null;
  // Views on one aligned copy (a Buffer read from a file need not start on a 4-byte boundary).
  const body = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
  const ids = new Int32Array(body.buffer, body.byteOffset + HEADER_BYTES, h.count);
  const vectors = new Float32Array(body.buffer, body.byteOffset + HEADER_BYTES + h.count * 4, h.count * dims);
  return { ...h, ids, vectors };
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
  return { ids: ids.subarray(0, n), vectors: vectors.subarray(0, n * dims), n, dims };
}

/** When the faces read past the file are more than this share of it, the file is written again (else they are read from the database each time). */
const REWRITE_SHARE = 1 / 16;

/**
 * Every vector of `modelId` (n x dims, face order). With `file`: from that file where the
 * epoch, the count of vectors up to its newest face, and that face's vector all still match the
 * database, plus the newer faces' vectors from the database; the file is (re)written where it
 * did not match or the newer faces have grown many. Call inside a read transaction where the
 * caller reads more (so that both see one state of the library).
 */
export function readDescriptorMatrix(db: Db, modelId: number, dims: number, file: string | null): DescriptorMatrix {
  const epochRow = file === null ? undefined : epochOf(db, modelId);
  const rowsFrom = db.prepare<[number, number], unknown[]>('SELECT face_id, vector FROM embeddings WHERE model_id = ? AND face_id > ? ORDER BY face_id').raw(true);
  const countUpTo = db.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM embeddings WHERE model_id = ? AND face_id <= ?');
  if (file === null || epochRow === undefined) {
    const n = countUpTo.get(modelId, 2 ** 31 - 1)!.n;
    return readRows(rowsFrom.iterate(modelId, -1) as Iterable<unknown[]>, dims, n);
  }
  const epoch = epochRow.epoch;
  const cached = readFile(file, modelId, dims);
  const trusted =
    cached !== null &&
    cached.epoch === epoch &&
    countUpTo.get(modelId, cached.maxId)!.n === cached.count &&
    (cached.count === 0 || sameVector(db, modelId, cached.maxId, cached.vectors.subarray((cached.count - 1) * dims)));
  if (!trusted) {
    const n = countUpTo.get(modelId, 2 ** 31 - 1)!.n;
    const m = readRows(rowsFrom.iterate(modelId, -1) as Iterable<unknown[]>, dims, n);
    writeMatrix(file, modelId, epoch, m);
    return m;
  }
  const tail = readRows(rowsFrom.iterate(modelId, cached.maxId) as Iterable<unknown[]>, dims, 64);
  if (tail.n === 0) return { ids: cached.ids, vectors: cached.vectors, n: cached.count, dims };
  const n = cached.count + tail.n;
  const ids = new Int32Array(n);
  ids.set(cached.ids);
  ids.set(tail.ids, cached.count);
  const vectors = new Float32Array(n * dims);
  vectors.set(cached.vectors);
  vectors.set(tail.vectors, cached.count * dims);
  const m = { ids, vectors, n, dims };
  if (tail.n > cached.count * REWRITE_SHARE) writeMatrix(file, modelId, epoch, m);
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
