/**
 * Writes @netsynth/nn modules as ONNX files shaped like a PyTorch (TorchScript exporter)
 * Stable Diffusion export, so the loaders and LoRA mapping are exercised on the real layout:
 * - initializers carry the state_dict names (`conv_in.weight`), Conv/Gemm nodes are named
 *   after their module (`/down_blocks.0/resnets.0/conv1/Conv`);
 * - a Linear applied to token sequences becomes `MatMul` with an ANONYMOUS initializer
 *   (`onnx::MatMul_<n>`) stored transposed [in, out], plus an `Add` of the named bias —
 *   exactly the case where a LoRA key can only be found through the node name;
 * - optional fp16 storage (float16 graph inputs/outputs and weights, computed in float32
 *   through Cast nodes — onnxruntime's CPU provider lacks fp16 kernels for several ops);
 * - optional external data file (`model.onnx_data`) with location/offset/length entries.
 */
import { writeFileAtomic } from '@netsynth/core';
import { Graph, serializeGraph, type Module, type TraceContext, type Value } from '@netsynth/nn';
import { join } from 'node:path';
import { DataType, decodeModel, encodeModel, intAttribute, type ModelProto, type NodeProto, type TensorProto } from './proto.js';
import { alignExternal, moveToExternal, setTensorFloat32 } from './tensor-data.js';

export interface TraceSpec {
  inputs: Record<string, { shape: number[]; dtype?: 'float32' | 'int64' }>;
  forward: (ctx: TraceContext, inputs: Record<string, Value>) => Record<string, Value>;
  /** Symbolic axes per input name, e.g. { sample: { 0: 'batch' } }. */
  dynamicAxes?: Record<string, Record<number, string>>;
}

/**
 * An inference trace context over `graph` in which every parameter of `module` becomes one
 * initializer named by its dotted path (its state_dict name), shared by all its uses.
 */
export function namedTraceContext(graph: Graph, module: Module): TraceContext {
  const names = new Map(module.namedParameters().map(([n, p]) => [p, n]));
  const consts = new Map<unknown, Value>();
  return {
    graph,
    training: false,
    param(p) {
      let v = consts.get(p);
      if (!v) {
        v = graph.constant({ dtype: 'float32', shape: p.shape, data: p.data.slice() }, names.get(p) ?? 'param');
        consts.set(p, v);
      }
      return v;
    },
    dropoutMask() {
      throw new Error('no dropout in exported models');
    },
  };
}

/** Traces `module` with every parameter as an initializer named by its dotted path. */
export function traceNamed(module: Module, spec: TraceSpec): ModelProto {
  const graph = new Graph();
  // Laid out as the TorchScript exporter writes it (GroupNorm as InstanceNormalization).
  const ctx: TraceContext = { ...namedTraceContext(graph, module), exportStyle: 'torch' };
  const inputs: Record<string, Value> = {};
  for (const [name, s] of Object.entries(spec.inputs)) inputs[name] = graph.input(name, s.shape, s.dtype ?? 'float32');
  const outputs = spec.forward(ctx, inputs);
  const bytes = serializeGraph(graph, outputs, { ...(spec.dynamicAxes && { dynamicAxes: spec.dynamicAxes, omitOutputShapes: true }) });
  return decodeModel(bytes);
}

/** `a.b.0.c` → `/a/b.0/c`: the scope path TorchScript gives the nodes of module `a.b.0.c`. */
export function torchScope(modulePath: string): string {
  const segs: string[] = [];
  for (const s of modulePath.split('.')) {
    if (/^\d+$/.test(s) && segs.length) segs[segs.length - 1] += `.${s}`;
    else segs.push(s);
  }
  return `/${segs.join('/')}`;
}

/** The module path of a TorchScript node name: `/a/b.0/c/MatMul` → `a.b.0.c`. */
export function moduleOfNodeName(nodeName: string): string | null {
  const parts = nodeName.split('/').filter((p) => p.length);
  if (parts.length < 2) return null;
  return parts.slice(0, -1).join('.');
}

function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c] as number;
  return out;
}

function rawFloats(t: TensorProto): Float32Array {
  const b = new Uint8Array(t.rawData ?? []);
  return new Float32Array(b.buffer, 0, b.byteLength / 4);
}

/**
 * Names nodes after their modules and turns sequence Linears (`isSequenceLinear(path)`)
 * into MatMul with anonymous transposed weights, as the TorchScript exporter does.
 */
export function torchStyle(model: ModelProto, isSequenceLinear: (modulePath: string) => boolean): void {
  const g = model.graph;
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const nodes: NodeProto[] = [];
  let anon = 1000;
  for (const n of g.node) {
    const wName = n.input[1];
    const w = wName !== undefined ? inits.get(wName) : undefined;
    const path = w && w.name.endsWith('.weight') ? w.name.slice(0, -'.weight'.length) : null;
    if (!w || !path || (n.opType !== 'Conv' && n.opType !== 'Gemm')) {
      nodes.push(n);
      continue;
    }
    const transB = n.attribute.find((a) => a.name === 'transB')?.i ?? 0;
    if (n.opType === 'Gemm' && transB === 1 && isSequenceLinear(path)) {
      const [out, inp] = w.dims as [number, number];
      const anonName = `onnx::MatMul_${anon++}`;
      const tw: TensorProto = { ...w, name: anonName, dims: [inp, out], rawData: new Uint8Array(transpose2d(rawFloats(w), out, inp).buffer) };
      g.initializer.push(tw);
      g.initializer.splice(g.initializer.indexOf(w), 1);
      inits.delete(w.name);
      inits.set(anonName, tw);
      const bias = n.input[2];
      const scope = torchScope(path);
      const y = n.output[0] as string;
      if (bias) {
        nodes.push({
          ...n,
          name: `${scope}/MatMul`,
          opType: 'MatMul',
          input: [n.input[0] as string, anonName],
          output: [`${scope}/MatMul_output_0`],
          attribute: [],
        });
        nodes.push({ name: `${scope}/Add`, opType: 'Add', domain: '', input: [bias, `${scope}/MatMul_output_0`], output: [y], attribute: [] });
      } else nodes.push({ ...n, name: `${scope}/MatMul`, opType: 'MatMul', input: [n.input[0] as string, anonName], attribute: [] });
      continue;
    }
    nodes.push({ ...n, name: `${torchScope(path)}/${n.opType}` });
  }
  g.node = nodes;
}

/**
 * fp16 storage: parameters (named `*.weight`/`*.bias` or `onnx::*`) become FLOAT16 behind a
 * Cast to float; float graph inputs are declared float16 and cast in; float outputs are cast out.
 */
export function toFloat16(model: ModelProto): void {
  const g = model.graph;
  const pre: NodeProto[] = [];
  const rename = new Map<string, string>();
  // Consumers of a float16 tensor `name` read `name_fp32`, cast from it in front of the graph.
  const castIn = (name: string): void => {
    pre.push(castNode(name, name, `${name}_fp32`, DataType.FLOAT));
    rename.set(name, `${name}_fp32`);
  };
  for (const t of g.initializer) {
    if (t.dataType !== DataType.FLOAT || !(/\.(weight|bias)$/.test(t.name) || t.name.startsWith('onnx::'))) continue;
    const vals = rawFloats(t).slice();
    t.dataType = DataType.FLOAT16;
    setTensorFloat32(t, vals);
    castIn(t.name);
  }
  for (const inp of g.input) {
    const tt = inp.type?.tensorType;
    if (!tt || tt.elemType !== DataType.FLOAT) continue;
    tt.elemType = DataType.FLOAT16;
    castIn(inp.name);
  }
  const post: NodeProto[] = [];
  for (const out of g.output) {
    const tt = out.type?.tensorType;
    if (!tt || tt.elemType !== DataType.FLOAT) continue;
    tt.elemType = DataType.FLOAT16;
    const inner = `${out.name}_fp32`;
    for (const n of g.node) n.output = n.output.map((o) => (o === out.name ? inner : o));
    for (const n of g.node) n.input = n.input.map((i) => (i === out.name ? inner : i));
    post.push(castNode(out.name, inner, out.name, DataType.FLOAT16));
  }
  for (const n of g.node) n.input = n.input.map((i) => rename.get(i) ?? i);
  g.node = [...pre, ...g.node, ...post];
}

/** The Cast node `Cast_<name>`: `input` converted to the data type `to` as `output`. */
function castNode(name: string, input: string, output: string, to: number): NodeProto {
  return { name: `Cast_${name}`, opType: 'Cast', domain: '', input: [input], output: [output], attribute: [intAttribute('to', to)] };
}

/** Writes `model.onnx` (and `<file>_data` with every initializer ≥ 1 KiB when `external`). */
export async function writeOnnx(model: ModelProto, dir: string, opts: { file?: string; external?: boolean; force?: boolean } = {}): Promise<void> {
  const file = opts.file ?? 'model.onnx';
  if (opts.external) {
    const dataName = `${file}_data`;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const t of model.graph.initializer) {
      const raw = t.rawData;
      if (!raw || raw.byteLength < 1024) continue;
      const at = alignExternal(offset);
      if (at > offset) chunks.push(new Uint8Array(at - offset));
      chunks.push(raw);
      moveToExternal(t, dataName, at);
      offset = at + raw.byteLength;
    }
    const all = new Uint8Array(offset);
    let p = 0;
    for (const c of chunks) {
      all.set(c, p);
      p += c.byteLength;
    }
    await writeFileAtomic(join(dir, dataName), all, { force: opts.force ?? false });
  }
  await writeFileAtomic(join(dir, file), encodeModel(model), { force: opts.force ?? false });
}
