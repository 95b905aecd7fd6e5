/**
 * Hand-assembled WebAssembly: LEB128, opcodes and section helpers for the small SIMD kernels
 * of the pair scorers (no toolchain, no dependency). Only what those kernels use.
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

// Opcodes.
export const BLOCK = 0x02;
export const LOOP = 0x03;
export const END = 0x0b;
export const BR_IF = 0x0d;
export const VOID = 0x40;
export const LOCAL_GET = 0x20;
export const LOCAL_SET = 0x21;
export const LOCAL_TEE = 0x22;
export const I32_LOAD = 0x28;
export const F32_LOAD = 0x2a;
export const I32_STORE = 0x36;
export const F32_STORE = 0x38;
export const I32_CONST = 0x41;
export const I32_EQZ = 0x45;
export const I32_LT_U = 0x49;
export const F32_GT = 0x5e;
export const I32_ADD = 0x6a;
export const I32_MUL = 0x6c;
export const F32_ADD = 0x92;
export const T_I32 = 0x7f;
export const T_F32 = 0x7d;
export const T_V128 = 0x7b;
export const SIMD = 0xfd;
export const V128_LOAD = 0x00;
export const V128_CONST = 0x0c;
export const F32X4_SPLAT = 0x13;
export const F32X4_EXTRACT_LANE = 0x1f;
export const F32X4_ADD = 0xe4;
export const F32X4_MUL = 0xe6;
export const F32X4_PMAX = 0xeb;
export const F32_CONST_0 = [0x43, 0x00, 0x00, 0x00, 0x00]; // f32.const 0.0

export const simd = (op: number): number[] => [SIMD, ...uleb(op)];
export const get = (l: number): number[] => [LOCAL_GET, ...uleb(l)];
export const set = (l: number): number[] => [LOCAL_SET, ...uleb(l)];
export const tee = (l: number): number[] => [LOCAL_TEE, ...uleb(l)];
export const i32c = (v: number): number[] => [I32_CONST, ...sleb(v)];
/** memarg: alignment exponent, static byte offset. */
export const mem = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)];

/** A function body's local declarations: runs of `count` locals of one type, in index order. */
export const locals = (...runs: Array<[count: number, type: number]>): number[] => [...uleb(runs.length), ...runs.flatMap(([count, type]) => [...uleb(count), type])];

/** Pushes the sum of the four f32 lanes of v128 local `v`, as (l0 + l1) + (l2 + l3). */
export const sumLanesF32 = (v: number): number[] => [
  ...get(v), ...simd(F32X4_EXTRACT_LANE), 0, ...get(v), ...simd(F32X4_EXTRACT_LANE), 1, F32_ADD,
  ...get(v), ...simd(F32X4_EXTRACT_LANE), 2, ...get(v), ...simd(F32X4_EXTRACT_LANE), 3, F32_ADD, F32_ADD,
];

/** WebAssembly memory page, bytes. */
export const PAGE = 65536;

export const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * A module importing its memory as env.mem and exporting one function `name` of `params` i32
 * parameters and no result, with `locals` (the function body's local declarations) and `code`.
 */
export function singleFunctionModule(name: string, params: number, locals: number[], code: number[]): Uint8Array<ArrayBuffer> {
  const body = [...locals, ...code];
  const func = [...uleb(body.length), ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [...uleb(1), 0x60, ...uleb(params), ...new Array<number>(params).fill(T_I32), ...uleb(0)]),
    ...section(2, [...uleb(1), ...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)]),
    ...section(3, [...uleb(1), ...uleb(0)]),
    ...section(7, [...uleb(1), ...str(name), 0x00, ...uleb(0)]),
    ...section(10, [...uleb(1), ...func]),
  ]);
}

/** Assembles code from opcodes and byte runs. */
export function assembler(): { code: number[]; emit: (...xs: Array<number | number[]>) => void } {
  const code: number[] = [];
  return {
    code,
    emit: (...xs) => {
      for (const x of xs) {
        if (Array.isArray(x)) code.push(...x);
        else code.push(x);
      }
    },
  };
}
