/**
 * The weight-bearing modules of an exported ONNX graph, by their PyTorch module path
 * (`down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q`). LoRA keys are matched
 * against this list — never by turning underscores back into dots, which is ambiguous
 * (`to_out_0`, `transformer_blocks`). Found as the TorchScript exporter leaves them:
 * - Conv / Gemm: the weight initializer keeps its state_dict name `<path>.weight`;
 * - bias-free or 3-D Linear → MatMul with an anonymous initializer stored TRANSPOSED
 *   [in, out]; its module comes from the node name `/<scope>/MatMul`.
 * A Cast between the initializer and the node (fp16 storage) is looked through.
 * A node's scope follows the forward calls, not the attribute path: a module called from an
 * ancestor that skips its parent's forward (e.g. `self.mid_block.attentions[0](h)`) gets
 * `/attentions.0/...`. Scope paths are therefore completed against the module paths that the
 * NAMED initializers (biases, norms, convs) prove to exist: `attentions.0.….attn1` becomes
 * `mid_block.attentions.0.….attn1` when exactly one known module ends with it.
 */
import { moduleOfNodeName } from '../onnx/export.js';
import type { ModelProto, NodeProto, TensorProto } from '../onnx/proto.js';

export interface LoraTarget {
  /** PyTorch module path. */
  module: string;
  kind: 'conv' | 'gemm' | 'matmul';
  /** The initializer holding the weight. */
  initializer: string;
  /** Stored [in, out] (MatMul) instead of PyTorch's [out, in]. */
  transposed: boolean;
  /** PyTorch weight shape: [out, in] or [out, in, kh, kw]. */
  shape: number[];
  /** The node using it (its name, for training-graph insertion). */
  node: string;
}

export function enumerateTargets(model: ModelProto): Map<string, LoraTarget> {
  const g = model.graph;
  const inits = new Map<string, TensorProto>(g.initializer.map((t) => [t.name, t]));
  // Output of a Cast fed by an initializer → that initializer.
  const castOf = new Map<string, string>();
  for (const n of g.node) if (n.opType === 'Cast' && n.input[0] && inits.has(n.input[0])) castOf.set(n.output[0] as string, n.input[0]);
  const initOf = (name: string | undefined): TensorProto | undefined =>
    name === undefined ? undefined : (inits.get(name) ?? inits.get(castOf.get(name) ?? ''));
  const out = new Map<string, LoraTarget>();
  const add = (t: LoraTarget): void => {
    if (!out.has(t.module)) out.set(t.module, t);
  };
  // Module paths proven by named initializers: every dotted prefix of `a.b.c.weight`.
  const known = new Set<string>();
  for (const t of g.initializer) {
    if (!/\.(weight|bias)$/.test(t.name)) continue;
    const parts = t.name.split('.');
    for (let k = 1; k < parts.length; k++) known.add(parts.slice(0, k).join('.'));
  }
  const complete = (scopePath: string): string => {
    if (known.has(scopePath)) return scopePath;
    const dot = scopePath.lastIndexOf('.');
    const parent = dot > 0 ? scopePath.slice(0, dot) : '';
    const leaf = dot > 0 ? scopePath.slice(dot + 1) : scopePath;
    // Try the path itself, then its parent (the projection itself may have no named tensor).
    for (const [probe, tail] of [
      [scopePath, ''],
      [parent, `.${leaf}`],
    ] as const) {
      if (!probe) continue;
      const hits = [...known].filter((m) => m.endsWith(`.${probe}`));
      if (hits.length === 1) return `${hits[0] as string}${tail}`;
      if (hits.length > 1) return scopePath;
    }
    return scopePath;
  };
  for (const n of g.node as NodeProto[]) {
    if (n.opType === 'Conv' || n.opType === 'Gemm') {
      const w = initOf(n.input[1]);
      if (!w || !w.name.endsWith('.weight')) continue;
      const transB = n.attribute.find((a) => a.name === 'transB')?.i ?? 0;
      if (n.opType === 'Gemm' && transB !== 1) {
        add({
          module: w.name.slice(0, -7),
          kind: 'gemm',
          initializer: w.name,
          transposed: true,
          shape: [w.dims[1] as number, w.dims[0] as number],
          node: n.name,
        });
        continue;
      }
      add({
        module: w.name.slice(0, -7),
        kind: n.opType === 'Conv' ? 'conv' : 'gemm',
        initializer: w.name,
        transposed: false,
        shape: [...w.dims],
        node: n.name,
      });
    } else if (n.opType === 'MatMul') {
      const w = initOf(n.input[1]);
      if (!w || w.dims.length !== 2) continue;
      const scope = w.name.endsWith('.weight') ? null : moduleOfNodeName(n.name);
      if (!scope) continue;
      const mod = complete(scope);
      add({ module: mod, kind: 'matmul', initializer: w.name, transposed: true, shape: [w.dims[1] as number, w.dims[0] as number], node: n.name });
    }
  }
  return out;
}

/** kohya key body of a module path: dots become underscores. */
export function kohyaName(prefix: 'lora_unet' | 'lora_te' | 'lora_te1' | 'lora_te2', module: string): string {
  return `${prefix}_${module.replace(/\./g, '_')}`;
}
