/**
 * A small builder of ONNX graphs for the exporters (onnx-proto's message types): initializers,
 * attributes, and TF.js conv kernels turned into ONNX's layout. The exporters write a graph
 * operator by operator from the TF.js arithmetic they reproduce, and check the result against
 * TF.js before keeping the file.
 */
import onnxProto, { type onnx as Onnx } from 'onnx-proto';

const { onnx } = onnxProto;
export type { Onnx };
export { onnx };

export const OPSET = 13;

export function floatTensor(name: string, dims: number[], data: Float32Array): Onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() };
}

export function int64Tensor(name: string, values: number[]): Onnx.ITensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer).slice() };
}

export const ints = (name: string, v: number[]): Onnx.IAttributeProto => ({ name, ints: v, type: onnx.AttributeProto.AttributeType.INTS });
export const int = (name: string, v: number): Onnx.IAttributeProto => ({ name, i: v, type: onnx.AttributeProto.AttributeType.INT });
export const float = (name: string, v: number): Onnx.IAttributeProto => ({ name, f: v, type: onnx.AttributeProto.AttributeType.FLOAT });
export const str = (name: string, v: string): Onnx.IAttributeProto => ({ name, s: new TextEncoder().encode(v), type: onnx.AttributeProto.AttributeType.STRING });

/** TF.js conv kernel [kh, kw, in, out] -> ONNX [out, in, kh, kw]. */
export function convKernel(k: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(k.length);
  for (let y = 0; y < kh!; y++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < cin!; i++)
        for (let o = 0; o < cout!; o++) out[((o * cin! + i) * kh! + y) * kw! + x] = k[((y * kw! + x) * cin! + i) * cout! + o]!;
  return out;
}

/** A graph input's or output's type: float unless told, each dimension fixed or named. */
export function valueInfo(name: string, dims: Array<number | string>, elemType: number = onnx.TensorProto.DataType.FLOAT): Onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** A model of one graph: inputs, outputs, nodes and weights. */
export function modelBytes(
  graph: { name: string; nodes: Onnx.INodeProto[]; initializers?: Onnx.ITensorProto[]; inputs: Onnx.IValueInfoProto[]; outputs: Onnx.IValueInfoProto[] },
  producer: string,
  metadata: Record<string, string> = {},
): Uint8Array {
  const proto: Onnx.IModelProto = {
    irVersion: 7,
    producerName: producer,
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: { name: graph.name, node: graph.nodes, initializer: graph.initializers ?? [], input: graph.inputs, output: graph.outputs },
  };
  return onnx.ModelProto.encode(proto).finish();
}

/** Nodes and initializers, each node's output named after it. */
export class GraphBuilder {
  readonly nodes: Onnx.INodeProto[] = [];
  readonly initializers: Onnx.ITensorProto[] = [];
  private count = 0;

  constant(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push(floatTensor(name, dims, data));
    return name;
  }

  int64s(name: string, values: number[]): string {
    this.initializers.push(int64Tensor(name, values));
    return name;
  }

  /** Adds one node; answers its (single) output's name. */
  op(opType: string, input: string[], attribute: Onnx.IAttributeProto[] = [], name = `${opType.toLowerCase()}_${++this.count}`): string {
    const output = `${name}_out`;
    this.nodes.push({ opType, input, output: [output], attribute, name });
    return output;
  }

  /** Names `from` as the graph's output `name`. */
  output(from: string, name: string): void {
    this.nodes.push({ opType: 'Identity', input: [from], output: [name], name: `${name}_identity` });
  }

  model(name: string, producer: string, input: Onnx.IValueInfoProto, output: Onnx.IValueInfoProto, metadata: Record<string, string> = {}): Uint8Array {
    return modelBytes({ name, nodes: this.nodes, initializers: this.initializers, inputs: [input], outputs: [output] }, producer, metadata);
  }
}
