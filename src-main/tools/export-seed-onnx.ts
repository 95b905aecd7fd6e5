/**
 * Exports the seed model's extractor (TF.js layers format) to ONNX, for onnxruntime-node:
 *
 *   node dist/src-main/tools/export-seed-onnx.js [modelDir]     (default models/seed/v6)
 *
 * writes `<modelDir>/extractor.onnx` and checks that onnxruntime gives the same embeddings as
 * TF.js (largest difference at most 1e-4) on random inputs before keeping it. The file records
 * the SHA-256 of the extractor's weights it was made from; the product refuses an ONNX file
 * whose weights have changed since (and runs TF.js instead), so a retrained model cannot be
 * served stale weights. TF.js stays the training runtime.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';


import { loadMlRuntime, type Tf } from '../core/ml/runtime.js';
import { defaultSeedModelDir } from '../core/embedding/seed/seed-embedder.js';
import { extractorWeightsSha256, OnnxExtractor, ONNX_EXTRACTOR_FILE, ONNX_SHA_KEY, type OnnxProvenance } from '../core/embedding/seed/onnx-extractor.js';
import { SEED_INPUT_SIZE } from '../core/embedding/seed/seed-architecture.js';
import { loadSeedModel } from '../core/embedding/seed/seed-model-files.js';
import { convKernel, float, floatTensor, ints, onnx, OPSET, str, valueInfo, type Onnx } from './onnx-graph.js';

type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Tensor = import('@tensorflow/tfjs').Tensor;

interface Graph {
  nodes: Onnx.INodeProto[];
  initializers: Onnx.ITensorProto[];
}

function weightsOf(layer: LayersModel['layers'][number]): Array<{ data: Float32Array; shape: number[] }> {
  return layer.getWeights().map((w: Tensor) => ({ data: w.dataSync() as Float32Array, shape: w.shape }));
}

/**
 * The extractor as an ONNX graph over NHWC input in [0, 1] (as TF.js takes it): a transpose to
 * NCHW, then each layer as the ONNX operator of the same arithmetic. Dropout is the identity
 * at inference and is left out. Padding 'same' is TF's (the extra pixel after), SAME_UPPER.
 */
export function extractorToOnnx(extractor: LayersModel, extractorSha256: string): Uint8Array {
  const g: Graph = { nodes: [], initializers: [] };
  let current = 'input_nchw';
  g.nodes.push({ opType: 'Transpose', input: ['input'], output: [current], attribute: [ints('perm', [0, 3, 1, 2])], name: 'to_nchw' });
  const next = (name: string): string => (current = name);
  for (const layer of extractor.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Record<string, unknown>;
    const name = layer.name;
    if (cls === 'BatchNormalization') {
      const [gamma, beta, mean, variance] = weightsOf(layer);
      if (!gamma || !beta || !mean || !variance) throw new Error(`${name}: expected gamma, beta, moving mean and variance`);
      g.initializers.push(floatTensor(`${name}/gamma`, gamma.shape, gamma.data), floatTensor(`${name}/beta`, beta.shape, beta.data), floatTensor(`${name}/mean`, mean.shape, mean.data), floatTensor(`${name}/var`, variance.shape, variance.data));
      g.nodes.push({ opType: 'BatchNormalization', input: [current, `${name}/gamma`, `${name}/beta`, `${name}/mean`, `${name}/var`], output: [`${name}_out`], attribute: [float('epsilon', cfg.epsilon as number)], name });
      next(`${name}_out`);
    } else if (cls === 'Conv2D') {
      const [kernel, bias] = weightsOf(layer);
      if (!kernel || !bias) throw new Error(`${name}: expected a kernel and a bias`);
      const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
      g.initializers.push(floatTensor(`${name}/W`, [cout, cin, kh, kw], convKernel(kernel.data, kernel.shape)), floatTensor(`${name}/B`, [cout], bias.data));
      const attrs = [ints('kernel_shape', [kh, kw]), ints('strides', cfg.strides as number[]), str('auto_pad', cfg.padding === 'same' ? 'SAME_UPPER' : 'VALID')];
      g.nodes.push({ opType: 'Conv', input: [current, `${name}/W`, `${name}/B`], output: [`${name}_conv`], attribute: attrs, name });
      if (cfg.activation !== 'relu' && cfg.activation !== 'linear') throw new Error(`${name}: activation ${String(cfg.activation)} is not exported`);
      next(`${name}_conv`);
      if (cfg.activation === 'relu') {
        g.nodes.push({ opType: 'Relu', input: [current], output: [`${name}_relu`], name: `${name}_relu` });
        next(`${name}_relu`);
      }
    } else if (cls === 'MaxPooling2D') {
      const attrs = [ints('kernel_shape', cfg.poolSize as number[]), ints('strides', cfg.strides as number[]), str('auto_pad', cfg.padding === 'same' ? 'SAME_UPPER' : 'VALID')];
      g.nodes.push({ opType: 'MaxPool', input: [current], output: [`${name}_out`], attribute: attrs, name });
      next(`${name}_out`);
    } else if (cls === 'Flatten') {
      // 1 x 1 spatially here, so NCHW and NHWC flatten to the same order; refuse anything else.
      g.nodes.push({ opType: 'Flatten', input: [current], output: ['embedding'], attribute: [{ name: 'axis', i: 1, type: onnx.AttributeProto.AttributeType.INT }], name });
      next('embedding');
    } else if (cls !== 'Dropout') {
      throw new Error(`${name}: layer ${cls} is not exported`);
    }
  }
  if (current !== 'embedding') throw new Error('the extractor must end with Flatten');
  const embDim = extractor.outputs[0]!.shape[1];
  if (typeof embDim !== 'number') throw new Error('the extractor has no fixed embedding size');
  const side = SEED_INPUT_SIZE;
  const model: Onnx.IModelProto = {
    irVersion: 7,
    producerName: 'facepair export-seed-onnx',
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: [{ key: ONNX_SHA_KEY, value: extractorSha256 }],
    graph: {
      name: 'seed_extractor',
      node: g.nodes,
      initializer: g.initializers,
      input: [valueInfo('input', ['n', side, side, 3])],
      output: [valueInfo('embedding', ['n', embDim])],
    },
  };
  return onnx.ModelProto.encode(model).finish();
}

/** The largest absolute difference between TF.js's and onnxruntime's embeddings of `n` random inputs. */
export async function maxDifference(tf: Tf, extractor: LayersModel, onnxFile: string, n = 4): Promise<number> {
  const px = SEED_INPUT_SIZE * SEED_INPUT_SIZE * 3;
  const x = new Float32Array(n * px);
  let seed = 12345;
  for (let i = 0; i < x.length; i++) x[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const expected = tf.tidy(() => (extractor.predict(tf.tensor4d(x, [n, SEED_INPUT_SIZE, SEED_INPUT_SIZE, 3])) as Tensor).dataSync() as Float32Array);
  const ort = await OnnxExtractor.load(onnxFile, null);
  if (ort === null) throw new Error('onnxruntime-node cannot load on this machine');
  try {
    const got = await ort.run(x, n);
    let max = 0;
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - expected[i]!));
    return max;
  } finally {
    await ort.dispose();
  }
}

export async function exportSeedOnnx(dir: string, log: (line: string) => void = () => {}): Promise<{ file: string; maxDiff: number }> {
  const { tf } = await loadMlRuntime();
  const model = await loadSeedModel(dir, tf);
  try {
    const file = path.join(dir, ONNX_EXTRACTOR_FILE);
    const sha = await extractorWeightsSha256(dir);
    await rm(`${file}.json`, { force: true });
    await writeFile(file, extractorToOnnx(model.extractor, sha));
    const maxDiff = await maxDifference(tf, model.extractor, file);
    log(`wrote ${file}; largest difference from TF.js on random inputs: ${maxDiff.toExponential(2)}`);
    if (!(maxDiff <= 1e-4)) throw new Error(`onnxruntime and TF.js disagree by ${maxDiff} (limit 1e-4): ${file} is not to be used`);
    // Written last: without it the product does not use the file.
    const provenance: OnnxProvenance = { extractorWeightsSha256: sha, maxDifferenceFromTfjs: maxDiff, exportedAt: new Date().toISOString() };
    await writeFile(`${file}.json`, JSON.stringify(provenance, null, 2) + '\n');
    return { file, maxDiff };
  } finally {
    model.siamese.dispose();
    model.distill?.dispose();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  exportSeedOnnx(path.resolve(process.argv[2] ?? defaultSeedModelDir()), (l) => console.log(l)).catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
