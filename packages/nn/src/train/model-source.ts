/**
 * Where a session's model comes from: inline bytes (the default), or — with `externalData` —
 * a model file plus side file in a private temporary folder, loaded by path so onnxruntime
 * finds the external tensors (a graph whose frozen constants exceed protobuf's 2 GB cap can
 * only be loaded this way). `remove` deletes the folder when the session is released.
 */
import type { ExternalDataOptions } from '../graph/external-data.js';
import { writeTempExternalModel } from '../graph/external-data.js';
import type { Value, Graph } from '../graph/ir.js';
import { serializeGraph, type SerializeOptions } from '../graph/serialize.js';

export interface ModelSource {
  /** The ModelProto bytes (without the external tensors' data when external). */
  bytes: Uint8Array;
  /** What to hand to onnxruntime: the bytes, or the model file's path. */
  source: Uint8Array | string;
  /** Side-file size (0 when inline). */
  externalBytes: number;
  remove: () => Promise<void>;
}

export async function modelSource(
  g: Graph,
  outputs: Readonly<Record<string, Value>>,
  opts: SerializeOptions,
  ext?: ExternalDataOptions & { dir?: string },
): Promise<ModelSource> {
  if (!ext) {
    const bytes = serializeGraph(g, outputs, opts);
    return { bytes, source: bytes, externalBytes: 0, remove: async () => {} };
  }
  const f = await writeTempExternalModel(g, outputs, ext, opts);
  return { bytes: f.bytes, source: f.path, externalBytes: f.dataBytes, remove: f.remove };
}
