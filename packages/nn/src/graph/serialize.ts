/**
 * Turns a symbolic Graph into ONNX ModelProto bytes. Graph outputs take their public names
 * (the producing value is renamed, or an Identity is added when the value is an input or is
 * exported twice). Values the outputs do not need are pruned so a forward-only model built
 * from a training graph carries no backward nodes.
 */
import { EngineError } from '@netsynth/core';
import {
  AttrType,
  OnnxDataType,
  encodeModel,
  type AttributeProtoJs,
  type ModelProtoJs,
  type NodeProtoJs,
  type TensorProtoJs,
  type ValueInfoProtoJs,
} from '../onnx/proto.js';
import { renameValue, type AttrValue, type ConstData, type DType, type Graph, type Node, type Value } from './ir.js';

export const OPSET = 18;
export const IR_VERSION = 8;

export interface SerializeOptions {
  /** Axis names for dynamic dimensions of graph inputs: { x: { 0: 'batch' } }. */
  dynamicAxes?: Record<string, Record<number, string>>;
  /** Keep the initializers out of the graph inputs and drop them (inputs named in `feedInitializers` become inputs). */
  metadata?: Record<string, string>;
  producer?: string;
  /** Leave output shapes undeclared (when dynamic axes make the static ones wrong). */
  omitOutputShapes?: boolean;
  /**
   * Lower eligible 2-D Convs to onnxruntime's blocked-layout (NCHWc) kernels with this
   * channel block size, reordering the (non-constant) weight in the graph. 0/undefined: off.
   */
  nchwcBlock?: number;
}

const NCHWC = 'com.microsoft.nchwc';

function nchwcEligible(n: Node, block: number): boolean {
  if (n.op !== 'Conv' || n.domain !== '') return false;
  const x = n.inputs[0];
  const w = n.inputs[1];
  if (!x || !w || x.rank !== 4) return false;
  const dil = n.attrs.dilations;
  if ((typeof n.attrs.group === 'number' ? n.attrs.group : 1) !== 1) return false;
  if (Array.isArray(dil) && dil.some((d) => d !== 1)) return false;
  return (w.shape[0] as number) % block === 0 && (w.shape[1] as number) % block === 0;
}

/** Conv → ReorderInput, in-graph weight reorder to OIhw{B}i{B}o, nchwc.Conv, ReorderOutput. */
function lowerToNchwc(n: Node, block: number, k: number, extraInits: TensorProtoJs[]): NodeProtoJs[] {
  const x = n.inputs[0] as Value;
  const w = n.inputs[1] as Value;
  const [o, c, kh, kw] = w.shape as [number, number, number, number];
  const p = `nchwc${k}`;
  const ints = (name: string, xs: number[]): string => {
    extraInits.push(tensorProto(name, { dtype: 'int64', shape: [xs.length], data: BigInt64Array.from(xs.map(BigInt)) }));
    return name;
  };
  const attrs = Object.entries(n.attrs).map(([a, v]) => attrProto(a, v));
  const out = (n.outputs[0] as Value).name;
  return [
    { name: `${p}_in`, opType: 'ReorderInput', domain: NCHWC, input: [x.name], output: [`${p}_x`], attribute: [attrProto('channels_last', 0)] },
    {
      name: `${p}_w1`,
      opType: 'Reshape',
      domain: '',
      input: [w.name, ints(`${p}_s1`, [o / block, block, c / block, block, kh * kw])],
      output: [`${p}_wa`],
      attribute: [],
    },
    { name: `${p}_w2`, opType: 'Transpose', domain: '', input: [`${p}_wa`], output: [`${p}_wb`], attribute: [attrProto('perm', [0, 2, 4, 3, 1])] },
    { name: `${p}_w3`, opType: 'Reshape', domain: '', input: [`${p}_wb`, ints(`${p}_s2`, [o, c, kh, kw])], output: [`${p}_w`], attribute: [] },
    {
      name: `${p}_conv`,
      opType: 'Conv',
      domain: NCHWC,
      input: [`${p}_x`, `${p}_w`, ...(n.inputs[2] ? [n.inputs[2].name] : [])],
      output: [`${p}_y`],
      attribute: attrs,
    },
    {
      name: `${p}_out`,
      opType: 'ReorderOutput',
      domain: NCHWC,
      input: [`${p}_y`],
      output: [out],
      attribute: [attrProto('channels_last', 0), attrProto('channels', o)],
    },
  ];
}

function tensorProto(name: string, d: ConstData): TensorProtoJs {
  const view = d.data;
  return {
    name,
    dims: [...d.shape],
    dataType: OnnxDataType[d.dtype],
    rawData: new Uint8Array(view.buffer, view.byteOffset, view.byteLength),
  };
}

function attrProto(name: string, v: AttrValue): AttributeProtoJs {
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  return { name, type: AttrType.TENSOR, t: tensorProto('', v.tensor) };
}

function valueInfo(name: string, dtype: DType, shape: readonly number[] | null, dyn?: Record<number, string>): ValueInfoProtoJs {
  return {
    name,
    type: {
      tensorType: {
        elemType: OnnxDataType[dtype],
        ...(shape !== null && { shape: { dim: shape.map((d, i) => (dyn?.[i] !== undefined ? { dimParam: dyn[i] as string } : { dimValue: d })) } }),
      },
    },
  };
}

/** Nodes needed to compute `targets`, in graph order. */
export function liveNodes(g: Graph, targets: readonly Value[]): Node[] {
  const producer = new Map<number, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o.id, n);
  const needed = new Set<Node>();
  const stack = [...targets];
  const seen = new Set<number>();
  while (stack.length) {
    const v = stack.pop() as Value;
    if (seen.has(v.id)) continue;
    seen.add(v.id);
    const n = producer.get(v.id);
    if (!n || needed.has(n)) continue;
    needed.add(n);
    for (const i of n.inputs) if (i) stack.push(i);
  }
  return g.nodes.filter((n) => needed.has(n));
}

export function buildModelProto(g: Graph, outputs: Readonly<Record<string, Value>>, opts: SerializeOptions = {}): ModelProtoJs {
  const inputIds = new Set(g.inputs.map((v) => v.id));
  const initIds = new Set(g.initializers.map((i) => i.value.id));
  const outInfos: ValueInfoProtoJs[] = [];
  const claimed = new Set<number>();
  const copies: [Value, string][] = [];
  const outValues: Value[] = [];
  for (const [name, v] of Object.entries(outputs)) {
    outValues.push(v);
    if (v.name !== name) {
      if (inputIds.has(v.id) || initIds.has(v.id) || claimed.has(v.id)) copies.push([v, name]);
      else renameValue(g, v, name);
    }
    claimed.add(v.id);
    outInfos.push(valueInfo(name, v.dtype, opts.omitOutputShapes ? null : v.shape));
  }
  const extra: NodeProtoJs[] = copies.map(([v, name]) => ({
    name: `out_${name}`,
    opType: 'Identity',
    domain: '',
    input: [v.name],
    output: [name],
    attribute: [],
  }));
  const nodes = liveNodes(g, outValues);
  const used = new Set<number>();
  for (const n of nodes) for (const i of n.inputs) if (i) used.add(i.id);
  for (const v of outValues) used.add(v.id);
  let k = 0;
  const extraInits: TensorProtoJs[] = [];
  const block = opts.nchwcBlock ?? 0;
  const nodeProtos: NodeProtoJs[] = nodes.flatMap((n) => {
    k++;
    if (block > 0 && nchwcEligible(n, block)) return lowerToNchwc(n, block, k, extraInits);
    return [
      {
        name: `${n.op}_${k}`,
        opType: n.op,
        domain: n.domain,
        input: n.inputs.map((i) => (i ? i.name : '')),
        output: n.outputs.map((o) => o.name),
        attribute: Object.entries(n.attrs).map(([a, v]) => attrProto(a, v)),
      },
    ];
  });
  const domains = new Set(nodeProtos.map((n) => n.domain).filter((d) => d !== ''));
  for (const v of outValues) if (!used.has(v.id)) throw new EngineError(`output ${v.name} is not computed`);
  return {
    irVersion: IR_VERSION,
    producerName: opts.producer ?? '@netsynth/nn',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: OPSET }, ...[...domains].map((d) => ({ domain: d, version: 1 }))],
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'netsynth',
      node: [...nodeProtos, ...extra],
      initializer: [...g.initializers.filter((i) => used.has(i.value.id)).map((i) => tensorProto(i.value.name, i.data)), ...extraInits],
      input: g.inputs.filter((v) => used.has(v.id)).map((v) => valueInfo(v.name, v.dtype, v.shape, opts.dynamicAxes?.[v.name])),
      output: outInfos,
    },
  };
}

export function serializeGraph(g: Graph, outputs: Readonly<Record<string, Value>>, opts: SerializeOptions = {}): Uint8Array {
  return encodeModel(buildModelProto(g, outputs, opts));
}
