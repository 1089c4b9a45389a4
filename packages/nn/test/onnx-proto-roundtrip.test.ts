/**
 * The ONNX descriptor is the whole of onnx.proto: a model carrying the fields a hand-kept
 * subset used to drop (functions, sparse_initializer, training_info, metadata_props on graph
 * and model, device configurations) must survive decode → encode. The input bytes are written
 * with protobufjs's wire Writer and field numbers taken from onnx.proto, not through the
 * descriptor under test, so a missing or misnumbered field shows up as a difference.
 * onnx.proto is proto2: decode → encode must write exactly the fields that were present (an
 * AttributeProto with i and a filled-in f is rejected by onnxruntime), and models nn builds
 * must come back byte for byte and still load.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Graph,
  buildBenchUNet,
  decodeOnnxModel,
  encodeOnnxModel,
  exportInference,
  initParameters,
  ops as op,
  serializeGraph,
  serializeGraphExternal,
  writeExternalModel,
} from '../src/index.js';

const { Writer } = protobuf;

type Field = [id: number, value: string | number | Uint8Array];

/** A message as its wire bytes: strings and sub-messages length-delimited, numbers varint. */
function msg(fields: Field[]): Uint8Array {
  const w = Writer.create();
  for (const [id, value] of fields) {
    if (typeof value === 'number') w.uint32((id << 3) | 0).int64(value);
    else if (typeof value === 'string') w.uint32((id << 3) | 2).string(value);
    else w.uint32((id << 3) | 2).bytes(value);
  }
  return w.finish();
}

const entry = (key: string, value: string): Uint8Array =>
  msg([
    [1, key],
    [2, value],
  ]);
const node = (op: string, input: string, output: string): Uint8Array =>
  msg([
    [1, input],
    [2, output],
    [4, op],
  ]);
const tensor = (name: string, dims: number[], dataType: number, raw: Uint8Array): Uint8Array =>
  msg([...dims.map((d): Field => [1, d]), [2, dataType], [8, name], [9, raw]]);

function foreignModel(): Uint8Array {
  const sparse = msg([
    [1, tensor('w_values', [2], 1, new Uint8Array([0, 0, 128, 63, 0, 0, 0, 64]))], // values 1, 2
    [
      2,
      tensor(
        'w_indices',
        [2],
        7,
        Uint8Array.from({ length: 16 }, (_, i) => (i === 8 ? 3 : 0)),
      ),
    ],
    [3, 4], // dims
  ]);
  const graph = msg([
    [1, node('Relu', 'x', 'y')],
    [2, 'g'],
    [15, sparse], // sparse_initializer
    [16, entry('graph-key', 'graph-value')], // GraphProto.metadata_props
  ]);
  const fn = msg([
    [1, 'MyRelu'],
    [4, 'a'],
    [5, 'b'],
    [7, node('Relu', 'a', 'b')],
    [10, 'custom.domain'],
    [13, 'overload-1'],
  ]);
  const training = msg([
    [2, msg([[2, 'algorithm']])],
    [4, entry('w', 'w_new')], // update_binding
  ]);
  const config = msg([
    [1, 'two-devices'],
    [2, 2],
  ]);
  return msg([
    [1, 10], // ir_version
    [2, 'foreign-exporter'],
    [7, graph],
    [
      8,
      msg([
        [1, ''],
        [2, 21],
      ]),
    ], // opset_import
    [14, entry('model-key', 'model-value')], // ModelProto.metadata_props
    [20, training],
    [25, fn], // functions
    [26, config], // configuration
  ]);
}

describe('ONNX descriptor generated from onnx.proto', () => {
  it('decodes the fields a hand-kept subset dropped', () => {
    const model = decodeOnnxModel(foreignModel()) as {
      metadataProps: { key: string; value: string }[];
      functions: { name: string; domain: string; overload: string; node: { opType: string }[] }[];
      trainingInfo: { algorithm: { name: string }; updateBinding: { key: string; value: string }[] }[];
      configuration: { name: string; numDevices: number }[];
      graph: {
        sparseInitializer: { dims: number[]; values: { name: string }; indices: { name: string } }[];
        metadataProps: { key: string; value: string }[];
      };
    };
    expect(model.metadataProps).toEqual([{ key: 'model-key', value: 'model-value' }]);
    expect(model.functions).toHaveLength(1);
    expect(model.functions[0]).toMatchObject({ name: 'MyRelu', domain: 'custom.domain', overload: 'overload-1' });
    expect(model.functions[0]!.node[0]!.opType).toBe('Relu');
    expect(model.trainingInfo[0]!.algorithm.name).toBe('algorithm');
    expect(model.trainingInfo[0]!.updateBinding).toEqual([{ key: 'w', value: 'w_new' }]);
    expect(model.configuration).toEqual([expect.objectContaining({ name: 'two-devices', numDevices: 2 })]);
    expect(model.graph.sparseInitializer).toHaveLength(1);
    expect(model.graph.sparseInitializer[0]).toMatchObject({
      dims: [4],
      values: { name: 'w_values' },
      indices: { name: 'w_indices' },
    });
    expect(model.graph.metadataProps).toEqual([{ key: 'graph-key', value: 'graph-value' }]);
  });

  it('round-trips every field: decode → encode → decode is the identity', () => {
    const first = decodeOnnxModel(foreignModel());
    const reencoded = encodeOnnxModel(first as object);
    expect(decodeOnnxModel(reencoded)).toEqual(first);
  });

  it('re-encodes a decoded model to the same bytes (presence kept, nothing filled in)', () => {
    const bytes = foreignModel();
    expect(Buffer.from(encodeOnnxModel(decodeOnnxModel(bytes) as object)).equals(Buffer.from(bytes))).toBe(true);
  });
});

interface Attr {
  name: string;
  type: number;
  f: number;
  i: number;
  s: Uint8Array;
  ints: number[];
}

/** A Softmax node with axis = 0 (AttributeProto type INT, i 0): the case proto3-style defaults broke. */
function softmaxAxis0(): Uint8Array {
  const g = new Graph();
  const x = g.input('x', [2, 3]);
  return serializeGraph(g, { y: op.softmax(x, 0) });
}

describe('proto2 field presence', () => {
  it('an attribute keeps only its type and value field; absent fields read their defaults', () => {
    const model = decodeOnnxModel(softmaxAxis0()) as { graph: { node: { opType: string; attribute: Attr[] }[] } };
    const attr = model.graph.node.find((n) => n.opType === 'Softmax')!.attribute[0]!;
    expect(
      Object.keys(attr)
        .filter((k) => !Array.isArray(attr[k as keyof Attr]))
        .sort(),
    ).toEqual(['i', 'name', 'type']);
    expect(attr).toMatchObject({ name: 'axis', type: 2, i: 0 });
    // Defaults are readable but not own properties, so they are not re-encoded.
    expect(attr.f).toBe(0);
    expect(attr.s).toHaveLength(0);
    expect(Object.hasOwn(attr, 'f')).toBe(false);
    const again = decodeOnnxModel(encodeOnnxModel(model)) as typeof model;
    expect(Object.hasOwn(again.graph.node.find((n) => n.opType === 'Softmax')!.attribute[0]!, 'f')).toBe(false);
  });

  it('setting a field makes it present, deleting it makes it absent', () => {
    const model = decodeOnnxModel(softmaxAxis0()) as { graph: { docString: string } };
    expect(model.graph.docString).toBe('');
    model.graph.docString = 'patched';
    const patched = decodeOnnxModel(encodeOnnxModel(model)) as typeof model;
    expect(patched.graph.docString).toBe('patched');
    delete (patched.graph as Partial<typeof patched.graph>).docString;
    expect(Buffer.from(encodeOnnxModel(patched)).equals(Buffer.from(softmaxAxis0()))).toBe(true);
  });

  it('refuses an object that is not a ModelProto, with a typed error', () => {
    expect(() => encodeOnnxModel({ irVersion: 'eight' })).toThrow(/not an ONNX ModelProto: irVersion/);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'nn-proto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** decode → encode gives the same bytes, and onnxruntime loads the re-encoded model. */
async function expectRoundTrip(bytes: Uint8Array, path?: string): Promise<void> {
  const again = encodeOnnxModel(decodeOnnxModel(bytes) as object);
  expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  // A path when the model has external data: onnxruntime finds the side file beside it.
  if (path) writeFileSync(path, again);
  const session = path ? await ort.InferenceSession.create(path) : await ort.InferenceSession.create(again);
  expect(session.inputNames.length).toBeGreaterThan(0);
}

describe('models nn builds round-trip byte for byte and load', () => {
  it('the class-conditional bench U-Net inference export (dynamic batch, metadata)', async () => {
    const net = buildBenchUNet({ res: 8, ch: 8, mults: [1, 2], attnRes: 4, groups: 4, classes: 3 });
    initParameters(net, 0);
    const path = join(dir, 'unet.onnx');
    await exportInference(net, path, {
      inputs: { x: { shape: [1, 1, 8, 8] }, t: { shape: [1] }, y: { shape: [1], dtype: 'int64' } },
      forward: (ctx, i) => ({ sample: net.forward(ctx, i.x!, i.t!, i.y!) }),
      dynamicBatch: true,
      metadata: { model: 'bench-unet' },
    });
    await expectRoundTrip(readFileSync(path));
  });

  it('a graph with its weights in external data (data_location EXTERNAL, no raw_data)', async () => {
    const g = new Graph();
    const x = g.input('x', [1, 64]);
    const w = g.floats(
      Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 7) / 7),
      [64, 64],
    );
    const ext = serializeGraphExternal(g, { y: op.matmul(x, w) }, { location: 'w.bin', threshold: 1024 });
    expect(ext.tensors).toBe(1);
    const t = (decodeOnnxModel(ext.model) as { graph: { initializer: { dataLocation: number; rawData: Uint8Array }[] } }).graph.initializer[0]!;
    expect(t.dataLocation).toBe(1);
    expect(Object.hasOwn(t, 'rawData')).toBe(false);
    await writeExternalModel(join(dir, 'ext.onnx'), dir, ext);
    await expectRoundTrip(ext.model, join(dir, 'ext-again.onnx'));
  });
});
