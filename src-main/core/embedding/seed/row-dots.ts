/**
 * Dot products of pairs of rows of one matrix (the root cosine of the seed pair score: 500
 * multiply-adds a pair, more than the head's SIMD kernel costs). A small WebAssembly SIMD
 * kernel (f32x4, two accumulators) where the runtime has wasm SIMD, else the plain-JS loop;
 * both in float32 products, summed in a different order (they agree to about 1e-6).
 */
import {
  assembler,
  BR_IF,
  END,
  F32_STORE,
  F32X4_ADD,
  F32X4_MUL,
  get,
  I32_ADD,
  I32_LT_U,
  I32_MUL,
  i32c,
  locals,
  LOOP,
  mem,
  set,
  simd,
  singleFunctionModule,
  sumLanesF32,
  T_I32,
  T_V128,
  tee,
  V128_CONST,
  V128_LOAD,
  VOID,
} from '../../ml/wasm-bytes.js';
import { forEachPair, forEachPairChunk, instantiate, kernelModules, pairBuffers, pairRow, type PairBuffers } from '../../ml/wasm-pair-kernel.js';

/** Plain-JS dot products of rows (i[p], j[p]) of `rows` (n x dim). */
export function rowDotsJs(rows: Float32Array, dim: number, i: Uint32Array, j: Uint32Array, out = new Float32Array(i.length)): Float32Array {
  for (let p = 0; p < i.length; p++) {
    const a = i[p]! * dim;
    const b = j[p]! * dim;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let k = 0;
    for (; k + 3 < dim; k += 4) {
      s0 += rows[a + k]! * rows[b + k]!;
      s1 += rows[a + k + 1]! * rows[b + k + 1]!;
      s2 += rows[a + k + 2]! * rows[b + k + 2]!;
      s3 += rows[a + k + 3]! * rows[b + k + 3]!;
    }
    for (; k < dim; k++) s0 += rows[a + k]! * rows[b + k]!;
    out[p] = s0 + s1 + s2 + s3;
  }
  return out;
}

/** Floats per row in wasm memory: a multiple of 8 (two f32x4 loads a step), zero-padded. */
const paddedDim = (dim: number): number => Math.ceil(dim / 8) * 8;

/** dots(rows, pi, pj, out, n): out[p] = rows[pi[p]] · rows[pj[p]]; pointers are byte addresses. */
function buildDotsModule(dimP: number): Uint8Array<ArrayBuffer> {
  const P_ROWS = 0, P_PI = 1, P_PJ = 2, P_OUT = 3, P_N = 4;
  const L_P = 5, L_A = 6, L_B = 7, L_K = 8; // i32
  const L_ACC0 = 9, L_ACC1 = 10; // v128
  const rowBytes = dimP * 4;
  const zero = new Array<number>(16).fill(0);
  const { code: pair, emit } = assembler();
  emit(pairRow(P_ROWS, P_PI, L_P, rowBytes, L_A), pairRow(P_ROWS, P_PJ, L_P, rowBytes, L_B));
  emit(simd(V128_CONST), zero, set(L_ACC0), simd(V128_CONST), zero, set(L_ACC1), i32c(0), set(L_K));
  emit(LOOP, VOID);
  {
    emit(get(L_ACC0), get(L_A), get(L_K), I32_ADD, simd(V128_LOAD), mem(4, 0), get(L_B), get(L_K), I32_ADD, simd(V128_LOAD), mem(4, 0), simd(F32X4_MUL), simd(F32X4_ADD), set(L_ACC0));
    emit(get(L_ACC1), get(L_A), get(L_K), I32_ADD, simd(V128_LOAD), mem(4, 16), get(L_B), get(L_K), I32_ADD, simd(V128_LOAD), mem(4, 16), simd(F32X4_MUL), simd(F32X4_ADD), set(L_ACC1));
    emit(get(L_K), i32c(32), I32_ADD, tee(L_K), i32c(rowBytes), I32_LT_U, BR_IF, 0);
  }
  emit(END);
  emit(get(L_ACC0), get(L_ACC1), simd(F32X4_ADD), set(L_ACC0));
  emit(get(P_OUT), get(L_P), i32c(4), I32_MUL, I32_ADD, sumLanesF32(L_ACC0), F32_STORE, mem(2, 0));
  return singleFunctionModule('dots', 5, locals([4, T_I32], [2, T_V128]), [...forEachPair(P_N, L_P, pair), END]);
}

const dotsModule = kernelModules(buildDotsModule, (dimP: number) => dimP);

/** Byte address of the rows in wasm memory; the pair buffers follow them. */
const ROWS = 0;

interface DotsInstance {
  dim: number;
  memory: WebAssembly.Memory;
  dots: (rows: number, pi: number, pj: number, out: number, n: number) => void;
  pairs: PairBuffers;
}

/** The rows copied into wasm memory once, reused while `rows` is the same array: do not change it in place. */
const instances = new WeakMap<Float32Array, DotsInstance>();

function dotsInstance(rows: Float32Array, dim: number): DotsInstance | null {
  const cached = instances.get(rows);
  if (cached !== undefined && cached.dim === dim) return cached;
  const dimP = paddedDim(dim);
  const mod = dotsModule(dimP);
  if (mod === null) return null;
  const n = rows.length / dim;
  const pairs = pairBuffers(ROWS + n * dimP * 4);
  const { memory, exports } = instantiate(mod, pairs.end);
  const f32 = new Float32Array(memory.buffer);
  for (let r = 0; r < n; r++) f32.set(rows.subarray(r * dim, (r + 1) * dim), ROWS / 4 + r * dimP);
  const inst: DotsInstance = { dim, memory, dots: exports['dots'] as DotsInstance['dots'], pairs };
  instances.set(rows, inst);
  return inst;
}

/** Whether rowDots runs the WebAssembly SIMD kernel here (else the plain-JS loop). */
export function rowDotsSimdAvailable(): boolean {
  return dotsModule(paddedDim(500)) !== null;
}

/** Dot products of rows (i[p], j[p]) of `rows` (n x dim, row-major). */
export function rowDots(rows: Float32Array, dim: number, i: Uint32Array, j: Uint32Array): Float32Array {
  if (!Number.isInteger(dim) || dim <= 0 || rows.length % dim !== 0) throw new Error(`rows of ${rows.length} values are not a whole number of ${dim}-value rows`);
  if (j.length !== i.length) throw new Error('the two index arrays differ in length');
  const n = rows.length / dim;
  for (let p = 0; p < i.length; p++) {
    if (i[p]! >= n || j[p]! >= n) throw new Error(`pair ${p} (${i[p]}, ${j[p]}) is out of range (n = ${n})`);
  }
  const out = new Float32Array(i.length);
  const s = n > 0 ? dotsInstance(rows, dim) : null;
  if (s === null) return rowDotsJs(rows, dim, i, j, out);
  const f32 = new Float32Array(s.memory.buffer);
  const { pairs } = s;
  forEachPairChunk(s.memory, pairs, i, j, (m, p0) => {
    s.dots(ROWS, pairs.pi, pairs.pj, pairs.out, m);
    out.set(f32.subarray(pairs.out / 4, pairs.out / 4 + m), p0);
  });
  return out;
}
