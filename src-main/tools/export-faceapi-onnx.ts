/**
 * Exports face-api's 68-point landmark net, 128-d descriptor net and Tiny Face Detector (the
 * second look; its shipped TF.js weights) to ONNX, for onnxruntime-node:
 *
 *   node dist/src-main/tools/export-faceapi-onnx.js [outDir] [--force]     (default models/face-api)
 *
 * `npm run build` runs it: the files are made from the installed face-api package, not kept in git.
 * Each graph reproduces face-api's forward pass operator by operator (mean subtraction, the
 * residual blocks with their scale layers, the dense blocks of separable convolutions) from
 * the input face-api's `toBatchTensor` makes, and is kept only when onnxruntime's output is
 * within 1e-4 of TF.js's on the same inputs. `<file>.json` records the SHA-256 of the weights
 * it was made from; the product uses a file only while those weights are the installed ones.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { loadFaceNets } from '../core/analysis/face-models.js';
import { EXPORT_FORMAT, FACE_NETS, faceApiWeightsSha256, faceNetsOnnxDir, OnnxFaceNet, type FaceNetName, type FaceNetProvenance } from '../core/analysis/onnx-face-nets.js';
import { loadOrt } from '../core/ml/ort.js';
import type { MlRuntime } from '../core/ml/runtime.js';
import { convKernel, float, GraphBuilder, int, ints, str, valueInfo } from './onnx-graph.js';

type Tensor = import('@tensorflow/tfjs').Tensor;
interface ConvParams { filters: Tensor; bias: Tensor }
interface ScaleParams { weights: Tensor; biases: Tensor }
interface ConvLayerParams { conv: ConvParams; scale: ScaleParams }
interface ResidualParams { conv1: ConvLayerParams; conv2: ConvLayerParams }
interface SeparableParams { depthwise_filter: Tensor; pointwise_filter: Tensor; bias: Tensor }
interface DenseBlockParams { conv0: SeparableParams | ConvParams; conv1: SeparableParams; conv2: SeparableParams; conv3: SeparableParams }

const MEAN_RGB = [122.782, 117.001, 104.298];
const data = (t: Tensor): Float32Array => t.dataSync() as Float32Array;
/** A TF.js tensor, or values already computed from one. */
type Weights = Tensor | { data: Float32Array; shape: number[] };
const valuesOf = (w: Weights): Float32Array => ('dataSync' in w ? data(w) : w.data);

/** A tensor flowing through the graph, with its NCHW shape tracked (the nets have fixed input sizes). */
interface Flow { name: string; c: number; h: number; w: number }

class FaceNetGraph extends GraphBuilder {
  private n = 0;
  private next = (prefix: string): string => `${prefix}${++this.n}`;

  /** NHWC 0–255 in, NCHW (x - mean) / 255 out: face-api's `normalize(...).div(255)`. */
  input(side: number, meanRgb: readonly number[] = MEAN_RGB): Flow {
    const nchw = this.op('Transpose', ['input'], [ints('perm', [0, 3, 1, 2])], 'to_nchw');
    const mean = this.constant('mean_rgb', [1, 3, 1, 1], Float32Array.from(meanRgb));
    const centred = this.op('Sub', [nchw, mean], [], 'sub_mean');
    const div = this.constant('div_255', [1], Float32Array.of(255));
    return { name: this.op('Div', [centred, div], [], 'div_255'), c: 3, h: side, w: side };
  }

  /** TF's conv2d: 'same' pads the extra pixel after (SAME_UPPER); optional bias. */
  conv(x: Flow, filters: Weights, bias: Weights | null, stride: number, padding: 'same' | 'valid', group = 1): Flow {
    const [kh, kw, cin, cout] = filters.shape as [number, number, number, number];
    const id = this.next('conv');
    // A depthwise kernel [kh, kw, C, 1] is [C, 1, kh, kw] in ONNX: the same memory as [1, C, kh, kw].
    const dims = group > 1 ? [cin, 1, kh, kw] : [cout, cin, kh, kw];
    const inputs = [x.name, this.constant(`${id}/W`, dims, convKernel(valuesOf(filters), [kh, kw, cin, cout]))];
    if (bias) inputs.push(this.constant(`${id}/B`, [bias.shape[0]!], valuesOf(bias)));
    const attrs = [ints('kernel_shape', [kh, kw]), ints('strides', [stride, stride]), str('auto_pad', padding === 'same' ? 'SAME_UPPER' : 'VALID')];
    if (group > 1) attrs.push(int('group', group));
    const out = group > 1 ? cin : cout;
    const size = (s: number): number => (padding === 'same' ? Math.ceil(s / stride) : Math.floor((s - kh) / stride) + 1);
    return { name: this.op('Conv', inputs, attrs, id), c: out, h: size(x.h), w: size(x.w) };
  }

  add(a: Flow, b: Flow): Flow {
    if (a.c !== b.c || a.h !== b.h || a.w !== b.w) throw new Error(`cannot add ${a.c}x${a.h}x${a.w} and ${b.c}x${b.h}x${b.w}`);
    return { ...a, name: this.op('Add', [a.name, b.name]) };
  }

  relu(x: Flow): Flow {
    return { ...x, name: this.op('Relu', [x.name]) };
  }

  /** face-api's leaky ReLU: relu(x - 0.1x) + 0.1x, that is max(x, 0.1x). */
  leaky(x: Flow): Flow {
    return { ...x, name: this.op('LeakyRelu', [x.name], [float('alpha', 0.10000000149011612)]) };
  }

  /** TF's 'same' max pooling (the extra padding after, never chosen). */
  maxPoolSame(x: Flow, k: number, stride: number): Flow {
    return { name: this.op('MaxPool', [x.name], [ints('kernel_shape', [k, k]), ints('strides', [stride, stride]), str('auto_pad', 'SAME_UPPER')]), c: x.c, h: Math.ceil(x.h / stride), w: Math.ceil(x.w / stride) };
  }

  /** Zeros around the image: one row and column on each side. */
  padOne(x: Flow): Flow {
    const id = this.next('pad');
    const pads = this.int64s(`${id}/pads`, [0, 0, 1, 1, 0, 0, 1, 1]);
    return { name: this.op('Pad', [x.name, pads], [str('mode', 'constant')], id), c: x.c, h: x.h + 2, w: x.w + 2 };
  }

  pool(opType: 'MaxPool' | 'AveragePool', x: Flow, k: number, stride: number): Flow {
    const size = (s: number): number => Math.floor((s - k) / stride) + 1;
    return { name: this.op(opType, [x.name], [ints('kernel_shape', [k, k]), ints('strides', [stride, stride]), str('auto_pad', 'VALID')]), c: x.c, h: size(x.h), w: size(x.w) };
  }

  /** Zeros after the last channel, row and column: face-api's concat with zeros. */
  padEnd(x: Flow, c: number, h: number, w: number): Flow {
    if (c === 0 && h === 0 && w === 0) return x;
    const id = this.next('pad');
    const pads = this.int64s(`${id}/pads`, [0, 0, 0, 0, 0, c, h, w]);
    return { name: this.op('Pad', [x.name, pads], [str('mode', 'constant')], id), c: x.c + c, h: x.h + h, w: x.w + w };
  }

  /** Fully connected over a flat [n, k] flow. */
  dense(x: string, weights: Tensor, bias: Tensor | null): string {
    const id = this.next('fc');
    let out = this.op('MatMul', [x, this.constant(`${id}/W`, weights.shape as number[], data(weights))], [], id);
    if (bias) out = this.op('Add', [out, this.constant(`${id}/B`, [bias.shape[0]!], data(bias))], [], `${id}_bias`);
    return out;
  }
}

// --- the descriptor: face-api's FaceRecognitionNet (a ResNet-34-like net on 150 px chips) ---

/**
 * conv, + bias, then the scale layer (× w + b per channel), folded into one convolution:
 * W' = W·w, b' = bias·w + b. One set of weights in the file, and none for onnxruntime to fold
 * again at load (its fused copies beside the originals cost about 50 MB per session).
 */
function convLayer(g: FaceNetGraph, x: Flow, p: ConvLayerParams, stride: number, relu: boolean, padding: 'same' | 'valid' = 'same'): Flow {
  const [w, b, bias] = [data(p.scale.weights), data(p.scale.biases), data(p.conv.bias)];
  const filters = data(p.conv.filters);
  const cout = w.length;
  const folded = filters.map((v, i) => v * w[i % cout]!);
  const foldedBias = bias.map((v, o) => v * w[o]! + b[o]!);
  const out = g.conv(x, { data: folded, shape: p.conv.filters.shape }, { data: foldedBias, shape: [cout] }, stride, padding);
  return relu ? g.relu(out) : out;
}

function residual(g: FaceNetGraph, x: Flow, p: ResidualParams): Flow {
  const out = convLayer(g, convLayer(g, x, p.conv1, 1, true), p.conv2, 1, false);
  return g.relu(g.add(out, x));
}

function residualDown(g: FaceNetGraph, x: Flow, p: ResidualParams): Flow {
  let out = convLayer(g, convLayer(g, x, p.conv1, 2, true, 'valid'), p.conv2, 1, false);
  let pooled = g.pool('AveragePool', x, 2, 2);
  if (pooled.h !== out.h || pooled.w !== out.w) out = g.padEnd(out, 0, 1, 1);
  if (pooled.c !== out.c) pooled = g.padEnd(pooled, pooled.c, 0, 0);
  return g.relu(g.add(pooled, out));
}

export function descriptorToOnnx(params: Record<string, unknown>, sha256: string): Uint8Array {
  const p = params as Record<string, ResidualParams> & { conv32_down: ConvLayerParams; fc: Tensor };
  const g = new FaceNetGraph();
  let out = convLayer(g, g.input(FACE_NETS.descriptor.inputSize), p.conv32_down, 2, true, 'valid');
  out = g.pool('MaxPool', out, 3, 2);
  for (const [kind, name] of [
    ['r', 'conv32_1'], ['r', 'conv32_2'], ['r', 'conv32_3'],
    ['d', 'conv64_down'], ['r', 'conv64_1'], ['r', 'conv64_2'], ['r', 'conv64_3'],
    ['d', 'conv128_down'], ['r', 'conv128_1'], ['r', 'conv128_2'],
    ['d', 'conv256_down'], ['r', 'conv256_1'], ['r', 'conv256_2'], ['d', 'conv256_down_out'],
  ] as const) {
    out = kind === 'r' ? residual(g, out, p[name]!) : residualDown(g, out, p[name]!);
  }
  const mean = g.op('ReduceMean', [out.name], [ints('axes', [2, 3]), int('keepdims', 0)], 'global_mean');
  g.output(g.dense(mean, p.fc, null), 'output');
  return g.model('faceapi_descriptor128', 'facepair export-faceapi-onnx', valueInfo('input', ['n', 150, 150, 3]), valueInfo('output', ['n', 128]), { 'facepair.faceApiWeightsSha256': sha256 });
}

// --- the landmarks: face-api's FaceLandmark68Net (four dense blocks of separable convolutions) ---

function separable(g: FaceNetGraph, x: Flow, p: SeparableParams, stride: number): Flow {
  const depthwise = g.conv(x, p.depthwise_filter, null, stride, 'same', x.c);
  return g.conv(depthwise, p.pointwise_filter, p.bias, 1, 'same');
}

function denseBlock4(g: FaceNetGraph, x: Flow, p: DenseBlockParams, first: boolean): Flow {
  const out1 = g.relu(first ? g.conv(x, (p.conv0 as ConvParams).filters, (p.conv0 as ConvParams).bias, 2, 'same') : separable(g, x, p.conv0 as SeparableParams, 2));
  const out2 = separable(g, out1, p.conv1, 1);
  const in3 = g.relu(g.add(out1, out2));
  const out3 = separable(g, in3, p.conv2, 1);
  const in4 = g.relu(g.add(out1, g.add(out2, out3)));
  const out4 = separable(g, in4, p.conv3, 1);
  return g.relu(g.add(out1, g.add(out2, g.add(out3, out4))));
}

export function landmarksToOnnx(extractorParams: Record<string, DenseBlockParams>, fc: { weights: Tensor; bias: Tensor }, sha256: string): Uint8Array {
  const g = new FaceNetGraph();
  let out = g.input(FACE_NETS.landmarks.inputSize);
  for (const [i, name] of (['dense0', 'dense1', 'dense2', 'dense3'] as const).entries()) out = denseBlock4(g, out, extractorParams[name]!, i === 0);
  out = g.pool('AveragePool', out, 7, 2);
  if (out.h !== 1 || out.w !== 1) throw new Error(`the landmark features are ${out.h}x${out.w}, expected 1x1`);
  const flat = g.op('Flatten', [out.name], [int('axis', 1)], 'flatten');
  g.output(g.dense(flat, fc.weights, fc.bias), 'output');
  return g.model('faceapi_landmarks68', 'facepair export-faceapi-onnx', valueInfo('input', ['n', 112, 112, 3]), valueInfo('output', ['n', 136]), { 'facepair.faceApiWeightsSha256': sha256 });
}

// --- the second look: face-api's Tiny Face Detector (a Tiny YOLO v2 of separable convolutions) ---

/** face-api's TinyFaceDetector config: its mean colour, subtracted before dividing by 255. */
const TINY_MEAN_RGB = [117.001, 114.697, 97.404];

interface TinyParams {
  conv0: ConvParams;
  conv1: SeparableParams; conv2: SeparableParams; conv3: SeparableParams; conv4: SeparableParams; conv5: SeparableParams;
  conv6?: SeparableParams; conv7?: SeparableParams;
  conv8: ConvParams;
}

/** face-api's depthwiseSeparableConv: pad by one, separable 3x3 'valid', + bias, leaky. */
function tinySeparable(g: FaceNetGraph, x: Flow, p: SeparableParams): Flow {
  const padded = g.padOne(x);
  const depthwise = g.conv(padded, p.depthwise_filter, null, 1, 'valid', padded.c);
  return g.leaky(g.conv(depthwise, p.pointwise_filter, p.bias, 1, 'valid'));
}

/**
 * TinyYolov2.runMobilenet with the Tiny Face Detector's config (first layer a plain 3x3 'valid'
 * convolution): input NHWC 0–255 of any side, output NHWC [n, cells, cells, 25] (the raw grid
 * that face-api's extractBoxes reads). The side is symbolic; shapes are tracked for 416.
 */
export function tinyFaceDetectorToOnnx(params: Record<string, unknown>, sha256: string): Uint8Array {
  const p = params as unknown as TinyParams;
  const g = new FaceNetGraph();
  let out = g.leaky(g.conv(g.input(FACE_NETS.tinyFaceDetector.inputSize, TINY_MEAN_RGB), p.conv0.filters, p.conv0.bias, 1, 'valid'));
  out = g.maxPoolSame(out, 2, 2);
  for (const layer of [p.conv1, p.conv2, p.conv3, p.conv4]) out = g.maxPoolSame(tinySeparable(g, out, layer), 2, 2);
  out = tinySeparable(g, out, p.conv5);
  out = g.maxPoolSame(out, 2, 1);
  if (p.conv6) out = tinySeparable(g, out, p.conv6);
  if (p.conv7) out = tinySeparable(g, out, p.conv7);
  const grid = g.conv(out, p.conv8.filters, p.conv8.bias, 1, 'valid');
  g.output(g.op('Transpose', [grid.name], [ints('perm', [0, 2, 3, 1])], 'to_nhwc'), 'output');
  return g.model('faceapi_tiny_face_detector', 'facepair export-faceapi-onnx', valueInfo('input', ['n', 'side', 'side', 3]), valueInfo('output', ['n', 'cells', 'cells', 25]), {
    'facepair.faceApiWeightsSha256': sha256,
  });
}

/** Deterministic inputs in 0–255, smooth enough to look like an image to the nets. */
function testInputs(n: number, side: number): Float32Array {
  const x = new Float32Array(n * side * side * 3);
  let seed = 12345;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let b = 0; b < n; b++) {
    const [fx, fy, phase] = [1 + rand() * 6, 1 + rand() * 6, rand() * 6];
    for (let i = 0; i < side * side; i++)
      for (let c = 0; c < 3; c++) {
        const [px, py] = [(i % side) / side, Math.floor(i / side) / side];
        x[(b * side * side + i) * 3 + c] = 127.5 + 90 * Math.sin(fx * px * 6.28 + phase + c) * Math.cos(fy * py * 6.28) + 30 * (rand() - 0.5);
      }
  }
  return x;
}

/** The largest absolute difference between TF.js's raw net output and onnxruntime's. */
async function maxDifference(rt: MlRuntime, net: FaceNetName, file: string, n = net === 'tinyFaceDetector' ? 1 : 4): Promise<number> {
  const { tf, faceapi } = rt;
  const side = FACE_NETS[net].inputSize;
  const x = testInputs(n, side);
  const expected = tf.tidy(() => {
    // One 3-d tensor per face, as the analyser gives them (face-api's toBatchTensor keeps a square input of its size as is).
    const input = new faceapi.NetInput(tf.unstack(tf.tensor4d(x, [n, side, side, 3])) as never);
    if (net === 'tinyFaceDetector') return (faceapi.nets.tinyFaceDetector.forwardInput(input, side) as unknown as Tensor).dataSync() as Float32Array;
    if (net === 'descriptor') return (faceapi.nets.faceRecognitionNet.forwardInput(input) as unknown as Tensor).dataSync() as Float32Array;
    return (faceapi.nets.faceLandmark68Net.runNet(input) as unknown as Tensor).dataSync() as Float32Array;
  });
  const ort = await OnnxFaceNet.load(net, file, null);
  if (ort === null) throw new Error('onnxruntime-node cannot load on this machine');
  try {
    const got = await ort.run(x, n);
    if (got.length !== expected.length) throw new Error(`${net}: ${got.length} outputs against TF.js's ${expected.length}`);
    let max = 0;
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - expected[i]!));
    return max;
  } finally {
    await ort.dispose();
  }
}

/**
 * Writes both files into `outDir` unless they are there already, made from the installed weights
 * (`force` makes them again). Answers each net's largest difference from TF.js (null: kept as it
 * was), or null for all where onnxruntime cannot load: the product then runs TF.js.
 */
export async function exportFaceApiOnnx(outDir: string, log: (line: string) => void = () => {}, force = false): Promise<Record<FaceNetName, number | null> | null> {
  if ((await loadOrt()) === null) {
    log('onnxruntime-node does not load on this platform: the landmark, descriptor and second-look nets will run on TF.js');
    return null;
  }
  const result = {} as Record<FaceNetName, number | null>;
  const todo: FaceNetName[] = [];
  for (const net of Object.keys(FACE_NETS) as FaceNetName[]) {
    const file = path.join(outDir, FACE_NETS[net].onnx);
    const made = existsSync(file) ? await readFile(`${file}.json`, 'utf8').then((t) => JSON.parse(t) as FaceNetProvenance, () => null) : null;
    if (!force && made?.format === EXPORT_FORMAT && made.faceApiWeightsSha256 === (await faceApiWeightsSha256(net))) result[net] = null;
    else todo.push(net);
  }
  if (todo.length === 0) {
    log(`${outDir}: the ONNX landmark, descriptor and second-look nets are up to date`);
    return result;
  }
  const rt = await loadFaceNets();
  const { nets } = rt.faceapi;
  await mkdir(outDir, { recursive: true });
  for (const net of todo) {
    const file = path.join(outDir, FACE_NETS[net].onnx);
    const sha = await faceApiWeightsSha256(net);
    await rm(`${file}.json`, { force: true });
    const bytes =
      net === 'tinyFaceDetector'
        ? tinyFaceDetectorToOnnx(nets.tinyFaceDetector.params as unknown as Record<string, unknown>, sha)
        : net === 'descriptor'
        ? descriptorToOnnx(nets.faceRecognitionNet.params as unknown as Record<string, unknown>, sha)
        : landmarksToOnnx(
            nets.faceLandmark68Net.faceFeatureExtractor.params as unknown as Record<string, DenseBlockParams>,
            (nets.faceLandmark68Net.params as unknown as { fc: { weights: Tensor; bias: Tensor } }).fc,
            sha,
          );
    await writeFile(file, bytes);
    const maxDiff = await maxDifference(rt, net, file);
    log(`wrote ${file} (${(bytes.length / 1e6).toFixed(1)} MB); largest difference from TF.js: ${maxDiff.toExponential(2)}`);
    if (!(maxDiff <= 1e-4)) throw new Error(`onnxruntime and TF.js disagree by ${maxDiff} on the ${net} net (limit 1e-4): ${file} is not to be used`);
    const provenance: FaceNetProvenance = { format: EXPORT_FORMAT, faceApiWeightsSha256: sha, maxDifferenceFromTfjs: maxDiff, exportedAt: new Date().toISOString() };
    await writeFile(`${file}.json`, JSON.stringify(provenance, null, 2) + '\n');
    result[net] = maxDiff;
  }
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  exportFaceApiOnnx(path.resolve(dir ?? faceNetsOnnxDir()), (l) => console.log(l), args.includes('--force')).catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}
