/**
 * Writes a tiny ONNX model without any ONNX tooling: the protobuf wire format by hand.
 * The model is features = Relu(Flatten(images) · W), images [N, C, H, W] float32, W [C·H·W, D]:
 * a stand-in of the same format as an exported Inception-v3 feature extractor.
 */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(v: number | bigint): void {
    let x = BigInt(v);
    if (x < 0n) x &= (1n << 64n) - 1n;
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (x > 0n);
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytesField(field, m.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1;

function valueInfo(name: string, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

export function linearReluOnnxModel(channels: number, height: number, width: number, weights: Float32Array, outDim: number): Uint8Array {
  const inDim = channels * height * width;
  if (weights.length !== inDim * outDim) throw new Error(`weights must hold ${inDim * outDim} values`);
  const node = (op: string, inputs: string[], outputs: string[]): ProtoWriter => {
    const n = new ProtoWriter();
    for (const i of inputs) n.string(1, i);
    for (const o of outputs) n.string(2, o);
    return n.string(3, `${op}_node`).string(4, op);
  };
  const w = new ProtoWriter()
    .int(1, inDim)
    .int(1, outDim)
    .int(2, FLOAT)
    .string(8, 'W')
    .bytesField(9, new Uint8Array(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)));
  const graph = new ProtoWriter()
    .message(1, node('Flatten', ['images'], ['flat']))
    .message(1, node('MatMul', ['flat', 'W'], ['projected']))
    .message(1, node('Relu', ['projected'], ['features']))
    .string(2, 'tiny_feature_extractor')
    .message(5, w)
    .message(11, valueInfo('images', ['N', channels, height, width]))
    .message(12, valueInfo('features', ['N', outDim]));
  return new ProtoWriter().int(1, 8).string(2, 'netsynth-test').message(7, graph).message(8, new ProtoWriter().string(1, '').int(2, 13)).finish();
}
