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

import onnxProto, { type onnx as Onnx } from 'onnx-proto';

import { defaultKnnModelFile } from '../core/grouping/onnx-knn.js';

const { onnx } = onnxProto;
const OPSET = 13;

function valueInfo(name: string, elemType: number, dims: Array<number | string>): Onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

export function nearestGraph(): Uint8Array {
  const { FLOAT } = onnx.TensorProto.DataType;
  const { FLOAT: A_FLOAT, INT } = onnx.AttributeProto.AttributeType;
  const model: Onnx.IModelProto = {
    irVersion: 7,
    producerName: 'facepair export-knn-onnx',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'nearest',
      node: [
        {
          opType: 'Gemm',
          input: ['queries', 'base', 'neg_base_sq'],
          output: ['score'],
          name: 'score',
          attribute: [
            { name: 'alpha', f: 2, type: A_FLOAT },
            { name: 'beta', f: 1, type: A_FLOAT },
            { name: 'transB', i: 1, type: INT },
          ],
        },
      ],
      input: [valueInfo('queries', FLOAT, ['m', 'd']), valueInfo('base', FLOAT, ['n', 'd']), valueInfo('neg_base_sq', FLOAT, [1, 'n'])],
      output: [valueInfo('score', FLOAT, ['m', 'n'])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/**
 * The same score, then each row's k best (TopK): for long rows (the exact search over a whole
 * library), where onnxruntime's TopK costs little beside the product and saves reading every
 * score back; on short rows (an IVF cell) it costs several times the product, and the plain
 * score graph is used.
 */
export function nearestTopKGraph(): Uint8Array {
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const { FLOAT: A_FLOAT, INT } = onnx.AttributeProto.AttributeType;
  const model: Onnx.IModelProto = {
    irVersion: 7,
    producerName: 'facepair export-knn-onnx',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'nearest_topk',
      node: [
        {
          opType: 'Gemm',
          input: ['queries', 'base', 'neg_base_sq'],
          output: ['score'],
          name: 'score',
          attribute: [
            { name: 'alpha', f: 2, type: A_FLOAT },
            { name: 'beta', f: 1, type: A_FLOAT },
            { name: 'transB', i: 1, type: INT },
          ],
        },
        {
          opType: 'TopK',
          input: ['score', 'k'],
          output: ['values', 'indices'],
          name: 'topk',
          attribute: [
            { name: 'axis', i: -1, type: INT },
            { name: 'largest', i: 1, type: INT },
            { name: 'sorted', i: 1, type: INT },
          ],
        },
      ],
      input: [valueInfo('queries', FLOAT, ['m', 'd']), valueInfo('base', FLOAT, ['n', 'd']), valueInfo('neg_base_sq', FLOAT, [1, 'n']), valueInfo('k', INT64, [1])],
      output: [valueInfo('values', FLOAT, ['m', 'k']), valueInfo('indices', INT64, ['m', 'k'])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** Y = A B: the seed pair head's projection of every face's embedding (n x 500 by 500 x 200), faster than a plain loop. */
export function matmulGraph(): Uint8Array {
  const { FLOAT } = onnx.TensorProto.DataType;
  const model: Onnx.IModelProto = {
    irVersion: 7,
    producerName: 'facepair export-knn-onnx',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: 'matmul',
      node: [{ opType: 'MatMul', input: ['a', 'b'], output: ['y'], name: 'matmul' }],
      input: [valueInfo('a', FLOAT, ['m', 'k']), valueInfo('b', FLOAT, ['k', 'n'])],
      output: [valueInfo('y', FLOAT, ['m', 'n'])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = path.resolve(process.argv[2] ?? defaultKnnModelFile());
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, nearestGraph());
  await writeFile(path.join(path.dirname(file), 'nearest-topk.onnx'), nearestTopKGraph());
  await writeFile(path.join(path.dirname(file), 'matmul.onnx'), matmulGraph());
  console.log(`wrote ${file}, and nearest-topk.onnx and matmul.onnx beside it`);
}
