/**
 * Fast scoring of face pairs with the seed model's pair head, without tfjs.
 *
 * The head is concat(a, b) -> Dense(100, relu) -> Dense(50, relu) -> Dense(1, sigmoid)
 * (its dropouts are identities at inference). Dense1 is linear in the concatenation:
 * W1·[a; b] + c = Wa·a + Wb·b + c, so each face is projected once (projectFaces:
 * pa = Wa·e, pb = Wb·e, 100 floats each) and a pair (i, j) costs only
 *   h1 = relu(pa_i + pb_j + c)          100 adds
 *   h2 = relu(W2·h1 + b2)               100 x 50 multiply-adds (fewer: zero h1 units are skipped)
 *   p  = sigmoid(w3·h2 + b3)            50 multiply-adds
 *
 * scorePairs runs a small WebAssembly SIMD kernel (f32x4, generated below as raw
 * bytes: no toolchain, no dependency) when the runtime supports wasm SIMD -- Node
 * 16.4+ does -- and otherwise the plain-JS loop scorePairsJs. Both work in float32
 * weights with the active hidden units compacted first, so no branch depends on
 * the data in the 100x50 product.
 */

import {
  align16,
  assembler,
  BLOCK,
  BR_IF,
  END,
  F32_ADD,
  F32_CONST_0,
  F32_GT,
  F32_LOAD,
  F32_STORE,
  F32X4_ADD,
  F32X4_MUL,
  F32X4_PMAX,
  F32X4_SPLAT,
  get,
  I32_ADD,
  I32_EQZ,
  I32_LOAD,
  I32_LT_U,
  I32_MUL,
  I32_STORE,
  i32c,
  locals,
  LOOP,
  mem,
  set,
  simd,
  singleFunctionModule,
  sumLanesF32,
  T_F32,
  T_I32,
  T_V128,
  tee,
  V128_CONST,
  V128_LOAD,
  VOID,
} from '../../ml/wasm-bytes.js';
import { forEachPair, forEachPairChunk, instantiate, kernelModules, pairBuffers, pairRow, type PairBuffers } from '../../ml/wasm-pair-kernel.js';

/**
 * The head's weights as flat Float32Arrays. Dense1's kernel ([2*embeddingDim][hidden1],
 * row-major as tfjs stores it) is split into the rows that multiply `a` (wa) and
 * those that multiply `b` (wb).
 */
export interface HeadWeights {
  embeddingDim: number; // 500
  hidden1: number; // 100
  hidden2: number; // 50
  wa: Float32Array; // embeddingDim x hidden1
  wb: Float32Array; // embeddingDim x hidden1
  b1: Float32Array; // hidden1
  w2: Float32Array; // hidden1 x hidden2 (row-major, as tfjs stores the Dense2 kernel)
  b2: Float32Array; // hidden2
  w3: Float32Array; // hidden2
  b3: number;
}

export interface FaceProjections {
  n: number;
  hidden1: number;
  /** n x hidden1: Wa·e for each face (the face as the first of a pair); no bias. */
  pa: Float32Array;
  /** n x hidden1: Wb·e for each face (the face as the second of a pair); no bias. */
  pb: Float32Array;
}

/**
 * Projects every face embedding through the two halves of Dense1 once.
 * `embeddings` is n x embeddingDim, row-major. Zero entries (relu outputs) are skipped.
 */
export function projectFaces(hw: HeadWeights, embeddings: Float32Array): FaceProjections {
  const d = hw.embeddingDim;
  const h = hw.hidden1;
  if (embeddings.length % d !== 0) throw new Error(`embeddings length ${embeddings.length} is not a multiple of ${d}`);
  const n = embeddings.length / d;
  const pa = new Float32Array(n * h);
  const pb = new Float32Array(n * h);
  const accA = new Float64Array(h);
  const accB = new Float64Array(h);
  const { wa, wb } = hw;
  for (let i = 0; i < n; i++) {
    accA.fill(0);
    accB.fill(0);
    const eo = i * d;
    for (let k = 0; k < d; k++) {
      const e = embeddings[eo + k]!;
      if (e === 0) continue;
      const wo = k * h;
      for (let j = 0; j < h; j++) {
        accA[j]! += e * wa[wo + j]!;
        accB[j]! += e * wb[wo + j]!;
      }
    }
    const po = i * h;
    for (let j = 0; j < h; j++) {
      pa[po + j] = accA[j]!;
      pb[po + j] = accB[j]!;
    }
  }
  return { n, hidden1: h, pa, pb };
}

function checkPairs(proj: FaceProjections, hw: HeadWeights, pairsI: Uint32Array, pairsJ: Uint32Array, out?: Float32Array): Float32Array {
  if (proj.hidden1 !== hw.hidden1) throw new Error(`projections have ${proj.hidden1} units, the head ${hw.hidden1}`);
  const np = pairsI.length;
  if (pairsJ.length !== np) throw new Error('pairsI and pairsJ differ in length');
  const result = out ?? new Float32Array(np);
  if (result.length < np) throw new Error('out is too short');
  const n = proj.n;
  for (let p = 0; p < np; p++) {
    if (pairsI[p]! >= n || pairsJ[p]! >= n) throw new Error(`pair ${p} (${pairsI[p]}, ${pairsJ[p]}) is out of range (n = ${n})`);
  }
  return result;
}

/**
 * Plain-JS scorer (the reference and the fallback). Scores pairs (pairsI[p], pairsJ[p]):
 * sigmoid(w3 · relu(W2 · relu(pa_i + pb_j + b1) + b2) + b3). No allocation per pair.
 */
export function scorePairsJs(
  proj: FaceProjections,
  hw: HeadWeights,
  pairsI: Uint32Array,
  pairsJ: Uint32Array,
  out?: Float32Array,
): Float32Array {
  const result = checkPairs(proj, hw, pairsI, pairsJ, out);
  const np = pairsI.length;
  const h1 = hw.hidden1;
  const h2 = hw.hidden2;
  const { pa, pb } = proj;
  const { b1, w2, b2, w3 } = hw;
  const b3 = hw.b3;
  const val = new Float64Array(h1);
  const row = new Int32Array(h1);
  const acc = new Float64Array(h2);
  for (let p = 0; p < np; p++) {
    const ao = pairsI[p]! * h1;
    const bo = pairsJ[p]! * h1;
    // Compact the active hidden-1 units (branch-free).
    let na = 0;
    for (let k = 0; k < h1; k++) {
      const v = pa[ao + k]! + pb[bo + k]! + b1[k]!;
      val[na] = v;
      row[na] = k * h2;
      na += v > 0 ? 1 : 0;
    }
    for (let q = 0; q < h2; q++) acc[q] = b2[q]!;
    for (let t = 0; t < na; t++) {
      const v = val[t]!;
      const o = row[t]!;
      for (let q = 0; q < h2; q++) acc[q]! += v * w2[o + q]!;
    }
    let z = b3;
    for (let q = 0; q < h2; q++) {
      const s = acc[q]!;
      if (s > 0) z += s * w3[q]!;
    }
    result[p] = 1 / (1 + Math.exp(-z));
  }
  return result;
}

// ---------------------------------------------------------------------------
// WebAssembly SIMD kernel


/** Layout of the weights block in wasm memory (byte offsets from its start). */
interface WasmLayout {
  h1: number;
  h2p: number; // hidden2 padded to a multiple of 4
  b1: number;
  w2: number; // h1 rows of h2p floats
  b2: number;
  w3: number;
  bytes: number;
}

function wasmLayout(h1: number, h2: number): WasmLayout {
  const h2p = Math.ceil(h2 / 4) * 4;
  const b1 = 0;
  const w2 = Math.ceil((h1 * 4) / 16) * 16;
  const b2 = w2 + h1 * h2p * 4;
  const w3 = b2 + h2p * 4;
  return { h1, h2p, b1, w2, b2, w3, bytes: w3 + h2p * 4 };
}

/**
 * Builds the module: (import "env" "mem" memory) and
 * score(pa, pb, w, pi, pj, out, n, scratch) writing the logit z of each pair to out
 * (the sigmoid is applied in JS: wasm has no exp). Pointers are byte addresses;
 * pa/pb rows are h1 floats; scratch holds 2*h1 words.
 */
function buildScoreModule(lay: WasmLayout): Uint8Array<ArrayBuffer> {
  const { h1, h2p } = lay;
  const nAcc = h2p / 4;
  // Params 0..7; locals after.
  const P_PA = 0, P_PB = 1, P_W = 2, P_PI = 3, P_PJ = 4, P_OUT = 5, P_N = 6, P_SCR = 7;
  const L_P = 8, L_A = 9, L_B = 10, L_K = 11, L_NA = 12, L_T = 13, L_ROW = 14, L_WK = 15; // i32
  const L_V = 16, L_Z = 17; // f32
  const L_VV = 18, L_TMP = 19, L_ACC = 20; // v128: vv, tmp, acc0..acc{nAcc-1}
  const rowBytes = h1 * 4;
  const scrRow = h1 * 4; // row addresses live after the values in scratch

  const { code: pair, emit } = assembler();
  // a = pa + pi[p] * rowBytes ; b = pb + pj[p] * rowBytes
  emit(pairRow(P_PA, P_PI, L_P, rowBytes, L_A), pairRow(P_PB, P_PJ, L_P, rowBytes, L_B));
  // Compact active hidden-1 units: for k: v = a[k] + b[k] + b1[k]; val[na] = v; row[na] = &w2[k]; na += v > 0
  emit(i32c(0), set(L_NA), i32c(0), set(L_K), get(P_W), i32c(lay.w2), I32_ADD, set(L_WK));
  emit(LOOP, VOID);
  {
    emit(get(L_A), get(L_K), I32_ADD, F32_LOAD, mem(2, 0));
    emit(get(L_B), get(L_K), I32_ADD, F32_LOAD, mem(2, 0), F32_ADD);
    emit(get(P_W), get(L_K), I32_ADD, F32_LOAD, mem(2, lay.b1), F32_ADD, set(L_V));
    // t = scratch + na*4
    emit(get(P_SCR), get(L_NA), i32c(4), I32_MUL, I32_ADD, tee(L_T), get(L_V), F32_STORE, mem(2, 0));
    emit(get(L_T), get(L_WK), I32_STORE, mem(2, scrRow));
    emit(get(L_NA), get(L_V), F32_CONST_0, F32_GT, I32_ADD, set(L_NA));
    emit(get(L_WK), i32c(h2p * 4), I32_ADD, set(L_WK));
    emit(get(L_K), i32c(4), I32_ADD, tee(L_K), i32c(rowBytes), I32_LT_U, BR_IF, 0);
  }
  emit(END);
  // acc = b2
  for (let q = 0; q < nAcc; q++) emit(get(P_W), simd(V128_LOAD), mem(4, lay.b2 + 16 * q), set(L_ACC + q));
  // for t in 0..na: acc += val[t] * w2[row[t]]
  emit(BLOCK, VOID, get(L_NA), I32_EQZ, BR_IF, 0);
  emit(get(P_SCR), set(L_T), get(P_SCR), get(L_NA), i32c(4), I32_MUL, I32_ADD, set(L_NA)); // L_NA := end pointer
  emit(LOOP, VOID);
  {
    emit(get(L_T), F32_LOAD, mem(2, 0), simd(F32X4_SPLAT), set(L_VV));
    emit(get(L_T), I32_LOAD, mem(2, scrRow), set(L_ROW));
    for (let q = 0; q < nAcc; q++) {
      emit(get(L_ACC + q), get(L_VV), get(L_ROW), simd(V128_LOAD), mem(2, 16 * q), simd(F32X4_MUL), simd(F32X4_ADD), set(L_ACC + q));
    }
    emit(get(L_T), i32c(4), I32_ADD, tee(L_T), get(L_NA), I32_LT_U, BR_IF, 0);
  }
  emit(END, END);
  // z = b3-less sum over lanes of relu(acc) * w3 (b3 is added in JS)
  emit(simd(V128_CONST), new Array<number>(16).fill(0), set(L_TMP));
  for (let q = 0; q < nAcc; q++) {
    emit(get(L_TMP), get(L_ACC + q), simd(V128_CONST), new Array<number>(16).fill(0), simd(F32X4_PMAX));
    emit(get(P_W), simd(V128_LOAD), mem(4, lay.w3 + 16 * q), simd(F32X4_MUL), simd(F32X4_ADD), set(L_TMP));
  }
  emit(sumLanesF32(L_TMP), set(L_Z));
  emit(get(P_OUT), get(L_P), i32c(4), I32_MUL, I32_ADD, get(L_Z), F32_STORE, mem(2, 0));

  return singleFunctionModule('score', 8, locals([8, T_I32], [2, T_F32], [2 + nAcc, T_V128]), [...forEachPair(P_N, L_P, pair), END]);
}

interface WasmScorer {
  memory: WebAssembly.Memory;
  score: (pa: number, pb: number, w: number, pi: number, pj: number, out: number, n: number, scratch: number) => void;
  lay: WasmLayout;
  hw: HeadWeights;
  proj: FaceProjections;
  ptr: { w: number; scratch: number; pa: number; pb: number };
  pairs: PairBuffers;
}

const scoreModule = kernelModules(buildScoreModule, (lay: WasmLayout) => `${lay.h1}x${lay.h2p}`);

/** One wasm instance holding the weights and the projections, reused while they are the same objects. */
const scorers = new WeakMap<FaceProjections, WasmScorer>();

function getWasmScorer(proj: FaceProjections, hw: HeadWeights): WasmScorer | null {
  const cached = scorers.get(proj);
  if (cached !== undefined && cached.hw === hw) return cached;
  const lay = wasmLayout(hw.hidden1, hw.hidden2);
  const mod = scoreModule(lay);
  if (mod === null) return null;
  const h1 = hw.hidden1;
  const w = 0;
  const scratch = align16(w + lay.bytes);
  const pa = align16(scratch + 2 * h1 * 4);
  const pb = align16(pa + proj.n * h1 * 4);
  const pairs = pairBuffers(pb + proj.n * h1 * 4);
  const { memory, exports } = instantiate(mod, pairs.end);
  const f32 = new Float32Array(memory.buffer);
  // Weights: b1, w2 rows padded to h2p, b2 and w3 padded with zeros.
  f32.set(hw.b1, (w + lay.b1) / 4);
  for (let k = 0; k < h1; k++) f32.set(hw.w2.subarray(k * hw.hidden2, (k + 1) * hw.hidden2), (w + lay.w2) / 4 + k * lay.h2p);
  f32.set(hw.b2, (w + lay.b2) / 4);
  f32.set(hw.w3, (w + lay.w3) / 4);
  f32.set(proj.pa, pa / 4);
  f32.set(proj.pb, pb / 4);
  const scorer: WasmScorer = {
    memory,
    score: exports['score'] as WasmScorer['score'],
    lay,
    hw,
    proj,
    ptr: { w, scratch, pa, pb },
    pairs,
  };
  scorers.set(proj, scorer);
  return scorer;
}

/** Whether scorePairs runs the WebAssembly SIMD kernel here (else the plain-JS loop). */
export function wasmSimdAvailable(): boolean {
  return scoreModule(wasmLayout(100, 50)) !== null;
}

/**
 * Scores pairs (pairsI[p], pairsJ[p]) of faces from their projections:
 * sigmoid(w3 · relu(W2 · relu(pa_i + pb_j + b1) + b2) + b3), the tfjs head's
 * prediction (inference mode) on (emb_i, emb_j) to float32 rounding.
 * Uses the wasm SIMD kernel where available (see wasmSimdAvailable), else scorePairsJs.
 * The projections and weights are copied into wasm memory on the first call with a
 * given (proj, hw) and reused after: do not mutate them in place between calls.
 */
export function scorePairs(
  proj: FaceProjections,
  hw: HeadWeights,
  pairsI: Uint32Array,
  pairsJ: Uint32Array,
  out?: Float32Array,
): Float32Array {
  const result = checkPairs(proj, hw, pairsI, pairsJ, out);
  const s = getWasmScorer(proj, hw);
  if (s === null) return scorePairsJs(proj, hw, pairsI, pairsJ, result);
  const { ptr, pairs } = s;
  const f32 = new Float32Array(s.memory.buffer);
  const b3 = hw.b3;
  const zo = pairs.out / 4;
  forEachPairChunk(s.memory, pairs, pairsI, pairsJ, (m, p0) => {
    s.score(ptr.pa, ptr.pb, ptr.w, pairs.pi, pairs.pj, pairs.out, m, ptr.scratch);
    for (let p = 0; p < m; p++) result[p0 + p] = 1 / (1 + Math.exp(-(f32[zo + p]! + b3)));
  });
  return result;
}
