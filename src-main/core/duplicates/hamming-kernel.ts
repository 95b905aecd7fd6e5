/**
 * The inner loop of HammingIndex.pairsWithin as a small hand-assembled WebAssembly function
 * (no toolchain, see ml/wasm-bytes.ts): for one chunk, every bucket against its neighbours
 * within s bits, each comparison an XOR and a native popcount of the two hashes as 64-bit
 * words. The same steps as the JavaScript loop it replaces, about three times faster; null
 * where the runtime has no WebAssembly.
 *
 * Memory (byte addresses given as parameters): the chunk's bucket starts (65,537 u32), the
 * probe masks (u32, in ascending order: grouped by their highest bit), the hashes in bucket order (two u32 each), each one's index (u32), the
 * output (i, j, distance: three u32 a pair) and a u32 where the count of pairs is written
 * (0xffffffff when the output is full: the caller grows it and runs the chunk again), and for
 * each probe the index of the last probe with the same highest bit (u32).
 */
import { BLOCK, BR_IF, END, I32_ADD, I32_LOAD, I32_LT_U, I32_MUL, I32_STORE, i32c, locals, LOOP, mem, set, get, singleFunctionModule, tee, T_I32, VOID } from '../ml/wasm-bytes.js';

const I32_EQ = 0x46;
const I32_NE = 0x47;
const I32_GT_U = 0x4b;
const I32_LE_U = 0x4d;
const I32_GE_U = 0x4f;
const I32_POPCNT = 0x69;
const I32_AND = 0x71;
const I32_XOR = 0x73;
const I32_SHR_U = 0x76;
const SELECT = 0x1b;
const IF = 0x04;
const RETURN = 0x0f;

const I64_LOAD = 0x29;
const I64_POPCNT = 0x7b;
const I64_XOR = 0x85;
const I32_WRAP_I64 = 0xa7;
const T_I64 = 0x7e;

// Parameters, then locals, by index (PV: the hash at p, as one i64).
const [C, S, MAX_D, N_PROBES, CAP, STARTS, PROBES, SORTED, ORDER, OUT, COUNT_AT, SKIPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const [A, A0, A1, QI, B, B0, B1, P, R, XH, XL, D, COUNT, FIRST, AT, PV] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
const PARAMS = 12, I32_LOCALS = 15;

/** Code with named blocks: `br(name)` is the depth of that block or loop. */
function builder(): { code: number[]; emit: (...xs: Array<number | number[]>) => void; open: (kind: number, name: string) => void; close: () => void; brIf: (name: string) => number[] } {
  const code: number[] = [];
  const stack: string[] = [];
  const emit = (...xs: Array<number | number[]>): void => {
    for (const x of xs) {
      if (Array.isArray(x)) code.push(...x);
      else code.push(x);
    }
  };
  const depth = (name: string): number => {
    const k = stack.lastIndexOf(name);
    if (k < 0) throw new Error(`no block ${name}`);
    return stack.length - 1 - k;
  };
  return {
    code,
    emit,
    open: (kind, name) => {
      emit(kind, VOID);
      stack.push(name);
    },
    close: () => {
      stack.pop();
      emit(END);
    },
    brIf: (name) => [BR_IF, depth(name)],
  };
}

/** u32 at byte address base + index × 4 (+ offset). */
const load = (base: number, index: number[], offset = 0): number[] => [...get(base), ...index, ...i32c(4), I32_MUL, I32_ADD, I32_LOAD, ...mem(2, offset)];
/** u32 at byte address base + index × 8 (+ offset): a hash's half. */
const half = (base: number, index: number, offset: number): number[] => [...get(base), ...get(index), ...i32c(8), I32_MUL, I32_ADD, I32_LOAD, ...mem(2, offset)];

function build(): Uint8Array<ArrayBuffer> {
  const k = builder();
  const { emit, open, close, brIf } = k;
  emit(...i32c(0), ...set(COUNT), ...i32c(0), ...set(A));
  open(LOOP, 'a');
  open(BLOCK, 'next a');
  emit(...load(STARTS, get(A)), ...tee(A0), ...load(STARTS, get(A), 4), ...tee(A1), I32_EQ, ...brIf('next a'));
  emit(...i32c(0), ...set(QI));
  open(LOOP, 'q');
  open(BLOCK, 'next q');
  // b = a ^ probe; each unordered pair of buckets once. The probes come by their highest bit:
  // where a has that bit set, every probe of the group gives b < a, and the group is skipped
  // (skips[q]: the group's last probe; the loop goes on from the next).
  emit(...get(A), ...load(PROBES, get(QI)), I32_XOR, ...tee(B), ...get(A), I32_LT_U);
  open(IF, 'b < a');
  emit(...load(SKIPS, get(QI)), ...set(QI), ...i32c(1), ...brIf('next q'));
  close();
  emit(...load(STARTS, get(B)), ...set(B0), ...load(STARTS, get(B), 4), ...set(B1));
  emit(...get(B), ...get(A), I32_NE, ...get(B0), ...get(B1), I32_EQ, I32_AND, ...brIf('next q'));
  emit(...get(A0), ...set(P));
  open(LOOP, 'p');
  // The hash at p as one 64-bit word (its halves swapped: the same bits for a distance).
  emit(...get(SORTED), ...get(P), ...i32c(8), I32_MUL, I32_ADD, I64_LOAD, ...mem(3, 0), ...set(PV));
  // r = b == a ? p + 1 : b0
  emit(...get(P), ...i32c(1), I32_ADD, ...get(B0), ...get(B), ...get(A), I32_EQ, SELECT, ...set(R));
  open(BLOCK, 'end r');
  emit(...get(R), ...get(B1), I32_GE_U, ...brIf('end r'));
  open(LOOP, 'r');
  open(BLOCK, 'skip');
  emit(...get(PV), ...get(SORTED), ...get(R), ...i32c(8), I32_MUL, I32_ADD, I64_LOAD, ...mem(3, 0), I64_XOR, I64_POPCNT, I32_WRAP_I64, ...tee(D));
  emit(...get(MAX_D), I32_GT_U, ...brIf('skip'));
  // Within the distance (rare): the first chunk of the difference with at most s bits, 0 if
  // the high half's top is, else 1, 2, 3.
  emit(...half(SORTED, P, 0), ...half(SORTED, R, 0), I32_XOR, ...set(XH), ...half(SORTED, P, 4), ...half(SORTED, R, 4), I32_XOR, ...set(XL));
  const close16 = (x: number, shift: boolean): number[] => [...get(x), ...(shift ? [...i32c(16), I32_SHR_U] : [...i32c(0xffff), I32_AND]), I32_POPCNT, ...get(S), I32_LE_U];
  emit(...i32c(0), ...i32c(1), ...i32c(2), ...i32c(3), ...close16(XL, true), SELECT, ...close16(XH, false), SELECT, ...close16(XH, true), SELECT, ...tee(FIRST));
  emit(...get(C), I32_NE, ...brIf('skip'));
  emit(...get(COUNT), ...get(CAP), I32_GE_U, IF, VOID, ...get(COUNT_AT), ...i32c(-1), I32_STORE, ...mem(2, 0), RETURN, END);
  emit(...get(OUT), ...get(COUNT), ...i32c(12), I32_MUL, I32_ADD, ...set(AT));
  emit(...get(AT), ...load(ORDER, get(P)), I32_STORE, ...mem(2, 0));
  emit(...get(AT), ...load(ORDER, get(R)), I32_STORE, ...mem(2, 4));
  emit(...get(AT), ...get(D), I32_STORE, ...mem(2, 8));
  emit(...get(COUNT), ...i32c(1), I32_ADD, ...set(COUNT));
  close(); // skip
  emit(...get(R), ...i32c(1), I32_ADD, ...tee(R), ...get(B1), I32_LT_U, ...brIf('r'));
  close(); // loop r
  close(); // end r
  emit(...get(P), ...i32c(1), I32_ADD, ...tee(P), ...get(A1), I32_LT_U, ...brIf('p'));
  close(); // loop p
  close(); // next q
  emit(...get(QI), ...i32c(1), I32_ADD, ...tee(QI), ...get(N_PROBES), I32_LT_U, ...brIf('q'));
  close(); // loop q
  close(); // next a
  emit(...get(A), ...i32c(1), I32_ADD, ...tee(A), ...i32c(65536), I32_LT_U, ...brIf('a'));
  close(); // loop a
  emit(...get(COUNT_AT), ...get(COUNT), I32_STORE, ...mem(2, 0), END);
  return singleFunctionModule('scan', PARAMS, locals([I32_LOCALS, T_I32], [1, T_I64]), k.code);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where this runtime cannot run it. */
export function hammingKernel(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = build();
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export type ScanChunk = (c: number, bits: number, maxDistance: number, probes: number, capacity: number, starts: number, probesAt: number, sorted: number, order: number, out: number, countAt: number, skipsAt: number) => void;
