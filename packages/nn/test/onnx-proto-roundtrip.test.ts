/**
 * The ONNX descriptor is the whole of onnx.proto: a model carrying the fields a hand-kept
 * subset used to drop (functions, sparse_initializer, training_info, metadata_props on graph
 * and model, device configurations) must survive decode → encode. The input bytes are written
 * with protobufjs's wire Writer and field numbers taken from onnx.proto, not through the
 * descriptor under test, so a missing or misnumbered field shows up as a difference.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel, encodeOnnxModel } from '../src/index.js';

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

  it('re-encodes a decoded model to the same bytes once defaults are explicit', () => {
    // decodeOnnxModel fills defaults, so the first re-encode writes them; from then on the
    // bytes are a fixed point, which a descriptor that dropped fields could not reach from
    // the original model without losing them (checked above).
    const once = encodeOnnxModel(decodeOnnxModel(foreignModel()) as object);
    const twice = encodeOnnxModel(decodeOnnxModel(once) as object);
    expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
  });
});
