/**
 * Standalone inference models: the forward pass traced with every parameter as an ONNX
 * initializer (no training inputs, dropout off), loadable by any ONNX Runtime. The batch
 * axis can be left symbolic so one file serves any batch size.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, ModelFileError, writeFileAtomic, type WriteOptions } from '@netsynth/core';
import type { Value } from '../graph/ir.js';
import { serializeGraph } from '../graph/serialize.js';
import type { Module, TraceContext } from '../layers/module.js';
import { createOrtSession, ort, type RuntimeOptions } from '../runtime/ort.js';
import { traceModel } from '../train/trace.js';
import type { FeedValue, InputSpec } from '../train/trainer.js';

export interface ExportOptions {
  inputs: Readonly<Record<string, InputSpec>>;
  /** Builds the named outputs (or one output called "output"). */
  forward: (ctx: TraceContext, inputs: Readonly<Record<string, Value>>) => Value | Readonly<Record<string, Value>>;
  /** Declare axis 0 of every input and output as the symbolic dimension "batch". */
  dynamicBatch?: boolean;
  metadata?: Record<string, string>;
}

/** The inference model as ONNX bytes. */
export function exportInferenceModel(model: Module, o: ExportOptions): Uint8Array {
  const tr = traceModel(model, { training: false, trainable: [] });
  const inputs: Record<string, Value> = {};
  for (const [name, spec] of Object.entries(o.inputs)) inputs[name] = tr.graph.input(name, spec.shape, spec.dtype ?? 'float32');
  const res = o.forward(tr.ctx, inputs);
  const outputs = 'graph' in res && 'shape' in res ? { output: res as Value } : (res as Record<string, Value>);
  const dynamicAxes = o.dynamicBatch ? Object.fromEntries(Object.keys(o.inputs).map((n) => [n, { 0: 'batch' }])) : undefined;
  return serializeGraph(tr.graph, outputs, { ...(dynamicAxes && { dynamicAxes, omitOutputShapes: true }), ...(o.metadata && { metadata: o.metadata }) });
}

/** Writes the inference model atomically to `path`. */
export async function exportInference(model: Module, path: string, o: ExportOptions & WriteOptions): Promise<void> {
  await writeFileAtomic(path, exportInferenceModel(model, o), { force: o.force ?? false });
}

export type Outputs = Record<string, Float32Array | BigInt64Array>;

/** A thin wrapper over an onnxruntime session taking and returning plain typed arrays. */
export class InferenceSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly shapes: Map<string, readonly number[]>,
  ) {}

  static async create(model: Uint8Array | string, runtime: RuntimeOptions = {}): Promise<InferenceSession> {
    let bytes: Uint8Array;
    if (typeof model === 'string') {
      try {
        bytes = await readFile(model);
      } catch (e) {
        throw new ModelFileError(`cannot read: ${(e as Error).message}`, model, undefined, e);
      }
    } else bytes = model;
    const s = await createOrtSession(bytes, runtime);
    return new InferenceSession(s, new Map());
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs with feeds given as typed arrays and their shapes. */
  async run(feeds: Readonly<Record<string, { data: FeedValue; shape: readonly number[] }>>): Promise<Outputs> {
    const t: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      const size = f.shape.reduce((a, b) => a * b, 1);
      if (f.data.length !== size) throw new InvalidArgumentError(`input "${name}" has ${f.data.length} values, shape [${f.shape.join(',')}] needs ${size}`);
      t[name] = new ort.Tensor(f.data instanceof BigInt64Array ? 'int64' : 'float32', f.data, [...f.shape]);
      this.shapes.set(name, f.shape);
    }
    const r = await this.session.run(t);
    const out: Outputs = {};
    for (const [k, v] of Object.entries(r)) out[k] = (v as ort.Tensor).data as Float32Array | BigInt64Array;
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
