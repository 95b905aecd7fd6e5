/**
 * What the pair kernels (the seed head's scorer, pair-scorer.ts, and the row dot products,
 * row-dots.ts) share: the loop over pairs and the row addressing they emit, their
 * compilation (null where the runtime has no wasm SIMD), and how pairs are fed to them in
 * chunks through index buffers in wasm memory.
 */
import { align16, BLOCK, BR_IF, END, get, I32_ADD, I32_EQZ, I32_LOAD, I32_LT_U, I32_MUL, i32c, LOOP, mem, PAGE, set, tee, VOID } from './wasm-bytes.js';

/**
 * Emits `for (p = 0; p < n; p++) body` over i32 locals `p` and `n` (nothing runs when n is 0);
 * the function's own END is the caller's.
 */
export const forEachPair = (n: number, p: number, body: number[]): number[] => [
  BLOCK, VOID, ...get(n), I32_EQZ, BR_IF, 0,
  ...i32c(0), ...set(p),
  LOOP, VOID,
  ...body,
  ...get(p), ...i32c(1), I32_ADD, ...tee(p), ...get(n), I32_LT_U, BR_IF, 0,
  END, END,
];

/** Emits: local `into` = `rows` + indices[p] * rowBytes, the row that pair p names (`indices`: a pointer to u32s). */
export const pairRow = (rows: number, indices: number, p: number, rowBytes: number, into: number): number[] => [
  ...get(rows), ...get(indices), ...get(p), ...i32c(4), I32_MUL, I32_ADD, I32_LOAD, ...mem(2, 0), ...i32c(rowBytes), I32_MUL, I32_ADD, ...set(into),
];

/**
 * A kernel's compiled module for each shape (`key` names the shapes that build the same
 * bytes), built on first use; null where this runtime cannot compile it (no wasm SIMD).
 */
export function kernelModules<S>(build: (shape: S) => Uint8Array<ArrayBuffer>, key: (shape: S) => string | number): (shape: S) => WebAssembly.Module | null {
  const modules = new Map<string | number, WebAssembly.Module | null>();
  return (shape) => {
    const k = key(shape);
    if (!modules.has(k)) {
      try {
        const bytes = build(shape);
        modules.set(k, WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null);
      } catch {
        modules.set(k, null);
      }
    }
    return modules.get(k)!;
  };
}

/** Pairs per kernel call (bounds the pair and output buffers). */
export const PAIR_CHUNK = 1 << 16;

/** Byte addresses of a call's pair indices (pi, pj) and outputs (one f32 per pair), and where they end. */
export interface PairBuffers {
  pi: number;
  pj: number;
  out: number;
  end: number;
}

/** The pair buffers, placed after the first `start` bytes of memory. */
export function pairBuffers(start: number): PairBuffers {
  const pi = align16(start);
  const pj = pi + PAIR_CHUNK * 4;
  const out = pj + PAIR_CHUNK * 4;
  return { pi, pj, out, end: out + PAIR_CHUNK * 4 };
}

/** An instance of `mod` on a new memory of at least `bytes` (imported as env.mem). */
export function instantiate(mod: WebAssembly.Module, bytes: number): { memory: WebAssembly.Memory; exports: WebAssembly.Exports } {
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / PAGE) });
  return { memory, exports: new WebAssembly.Instance(mod, { env: { mem: memory } }).exports };
}

/**
 * Feeds pairs (i[p], j[p]) to a kernel PAIR_CHUNK at a time: copies each chunk's indices to
 * the pair buffers, then `call(m, p0)` runs the kernel on the m pairs from p0 and reads
 * their outputs.
 */
export function forEachPairChunk(memory: WebAssembly.Memory, buffers: PairBuffers, i: Uint32Array, j: Uint32Array, call: (m: number, p0: number) => void): void {
  const u32 = new Uint32Array(memory.buffer);
  for (let p0 = 0; p0 < i.length; p0 += PAIR_CHUNK) {
    const m = Math.min(PAIR_CHUNK, i.length - p0);
    u32.set(i.subarray(p0, p0 + m), buffers.pi / 4);
    u32.set(j.subarray(p0, p0 + m), buffers.pj / 4);
    call(m, p0);
  }
}
