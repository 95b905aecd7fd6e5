/**
 * Writes the candidate search's ONNX graph, for onnxruntime-node:
 *
 *   node dist/src-main/tools/export-knn-onnx.js [file]     (default models/knn/nearest.onnx)
 *
 * (and beside it nearest-topk.onnx, the same with each row's k best, for long rows; and
 * matmul.onnx, a plain MatMul, for the pair head's projection of each face).
 *
 * One Gemm: for a block of queries Q (m x d) and base vectors B (n x d) with their negated
 * squared norms, score = 2 Q Bᵀ − |B|² (the squared distance less |q|², which orders each row
 * the same). The best k of each row are picked by the caller (one comparison per score in a
 * plain loop: onnxruntime's TopK cost several times the product itself on short rows). The
 * graph has no weights: it is arithmetic only, so it is made at build time and committed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { defaultKnnModelFile } from '../core/grouping/onnx-knn.js';
import { float, int, modelBytes, onnx, valueInfo, type Onnx } from './onnx-graph.js';

const PRODUCER = 'facepair export-knn-onnx';
const { FLOAT, INT64 } = onnx.TensorProto.DataType;
const SCORE_INPUTS = [valueInfo('queries', ['m', 'd']), valueInfo('base', ['n', 'd']), valueInfo('neg_base_sq', [1, 'n'])];

/** score = 2 Q Bᵀ − |B|², one Gemm. */
const scoreNode = (): Onnx.INodeProto => ({
  opType: 'Gemm',
  input: ['queries', 'base', 'neg_base_sq'],
  output: ['score'],
  name: 'score',
  attribute: [float('alpha', 2), float('beta', 1), int('transB', 1)],
});

export function nearestGraph(): Uint8Array {
  return modelBytes({ name: 'nearest', nodes: [scoreNode()], inputs: SCORE_INPUTS, outputs: [valueInfo('score', ['m', 'n'])] }, PRODUCER);
}

/**
 * The same score, then each row's k best (TopK): for long rows (the exact search over a whole
 * library), where onnxruntime's TopK costs little beside the product and saves reading every
 * score back; on short rows (an IVF cell) it costs several times the product, and the plain
 * score graph is used.
 */
export function nearestTopKGraph(): Uint8Array {
  const topK: Onnx.INodeProto = { opType: 'TopK', input: ['score', 'k'], output: ['values', 'indices'], name: 'topk', attribute: [int('axis', -1), int('largest', 1), int('sorted', 1)] };
  return modelBytes(
    {
      name: 'nearest_topk',
      nodes: [scoreNode(), topK],
      inputs: [...SCORE_INPUTS, valueInfo('k', [1], INT64)],
      outputs: [valueInfo('values', ['m', 'k']), valueInfo('indices', ['m', 'k'], INT64)],
    },
    PRODUCER,
  );
}

/** Y = A B: the seed pair head's projection of every face's embedding (n x 500 by 500 x 200), faster than a plain loop. */
export function matmulGraph(): Uint8Array {
  const node: Onnx.INodeProto = { opType: 'MatMul', input: ['a', 'b'], output: ['y'], name: 'matmul' };
  return modelBytes({ name: 'matmul', nodes: [node], inputs: [valueInfo('a', ['m', 'k'], FLOAT), valueInfo('b', ['k', 'n'], FLOAT)], outputs: [valueInfo('y', ['m', 'n'])] }, PRODUCER);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = path.resolve(process.argv[2] ?? defaultKnnModelFile());
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, nearestGraph());
  await writeFile(path.join(path.dirname(file), 'nearest-topk.onnx'), nearestTopKGraph());
  await writeFile(path.join(path.dirname(file), 'matmul.onnx'), matmulGraph());
  console.log(`wrote ${file}, and nearest-topk.onnx and matmul.onnx beside it`);
}
