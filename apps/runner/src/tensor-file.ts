import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { endianness } from 'node:os';
import {
  InvalidArgumentError,
  ModelFileError,
  asFileError,
  commitTempFile,
  writeOrAbort,
  makeDir,
  createImageTensor,
  tempPathFor,
  type ImageTensor,
  type JsonValue,
} from '@netsynth/core';

/**
 * Tensor files (`*.safetensors`): the safetensors layout, so Python reads them with
 * `safetensors.safe_open` or a few lines of numpy:
 *
 *   bytes 0..8      header length N, unsigned 64-bit little-endian
 *   bytes 8..8+N    JSON header, space-padded so the data starts on an 8-byte boundary:
 *                   { "images": { "dtype": "F32", "shape": [count, C, H, W], "data_offsets": [0, bytes] },
 *                     "__metadata__": { "format": "netsynth.tensors/1",
 *                                       "labels": "<JSON array: label of each image>",
 *                                       "ids": "<JSON array: sample id of each image>",
 *                                       "info": "<JSON: free-form facts, e.g. the encoder's info()>" } }
 *   bytes 8+N..     count × C × H × W float32 little-endian values, image after image, row-major.
 */
export const TENSOR_FILE_FORMAT = 'netsynth.tensors/1';
const TENSOR_NAME = 'images';

export interface TensorFileHeader {
  count: number;
  channels: number;
  height: number;
  width: number;
  labels: string[];
  ids: string[];
  info: JsonValue;
}

export interface TensorFileContents extends TensorFileHeader {
  tensors: ImageTensor[];
}

function headerBytes(h: TensorFileHeader): Buffer {
  const bytes = h.count * h.channels * h.height * h.width * 4;
  const json = JSON.stringify({
    [TENSOR_NAME]: { dtype: 'F32', shape: [h.count, h.channels, h.height, h.width], data_offsets: [0, bytes] },
    __metadata__: {
      format: TENSOR_FILE_FORMAT,
      labels: JSON.stringify(h.labels),
      ids: JSON.stringify(h.ids),
      info: JSON.stringify(h.info),
    },
  });
  const text = Buffer.from(json, 'utf8');
  const padded = Math.ceil(text.length / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  text.copy(out, 8);
  return out;
}

function littleEndianBytes(data: Float32Array): Buffer {
  if (endianness() === 'LE') return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.length * 4);
  data.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

/**
 * Streams images into a tensor file: the header (with every label and id) first, then
 * each image as it is encoded, so only one image needs to be in hand at a time. The file
 * is written to a temporary sibling and renamed into place by `close()`.
 */
export class TensorFileWriter {
  private written = 0;
  private constructor(
    readonly path: string,
    private readonly header: TensorFileHeader,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly force: boolean,
  ) {}

  static async open(path: string, header: TensorFileHeader, options: { force?: boolean } = {}): Promise<TensorFileWriter> {
    if (header.labels.length !== header.count || header.ids.length !== header.count) {
      throw new InvalidArgumentError(`tensor file ${path}: ${header.count} images but ${header.labels.length} labels and ${header.ids.length} ids`);
    }
    const tmp = tempPathFor(path);
    let fh;
    try {
      await makeDir(dirname(path));
      fh = await open(tmp, 'w');
      await fh.write(headerBytes(header));
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw asFileError(e, path);
    }
    return new TensorFileWriter(path, header, tmp, fh, options.force ?? false);
  }

  async write(tensor: ImageTensor): Promise<void> {
    const h = this.header;
    if (tensor.channels !== h.channels || tensor.height !== h.height || tensor.width !== h.width) {
      throw new InvalidArgumentError(
        `tensor file ${this.path}: image ${this.written} is ${tensor.channels}×${tensor.height}×${tensor.width}, the file holds ${h.channels}×${h.height}×${h.width}`,
      );
    }
    if (this.written >= h.count) throw new InvalidArgumentError(`tensor file ${this.path}: more than the ${h.count} images announced`);
    await this.fh.write(littleEndianBytes(tensor.data)).catch((e: unknown) => {
      throw asFileError(e, this.path); // ENOSPC from write() names no file
    });
    this.written++;
  }

  async close(): Promise<void> {
    await this.fh.close().catch((e: unknown) => {
      throw asFileError(e, this.path);
    });
    if (this.written !== this.header.count) {
      await rm(this.tmp, { force: true });
      throw new InvalidArgumentError(`tensor file ${this.path}: ${this.written} images written, ${this.header.count} announced`);
    }
    await commitTempFile(this.tmp, this.path, { force: this.force });
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

/** Writes a whole list of images (see TensorFileWriter for the format). */
export async function writeTensorFile(
  path: string,
  images: readonly { tensor: ImageTensor; label: string; id: string }[],
  shape: { channels: number; height: number; width: number },
  info: JsonValue = null,
  options: { force?: boolean } = {},
): Promise<void> {
  const writer = await TensorFileWriter.open(
    path,
    { count: images.length, ...shape, labels: images.map((i) => i.label), ids: images.map((i) => i.id), info },
    options,
  );
  await writeOrAbort(writer, async () => {
    for (const image of images) await writer.write(image.tensor);
  });
}

function parseJsonArray(text: unknown, what: string, file: string): string[] {
  try {
    const value = JSON.parse(String(text)) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // reported below
  }
  throw new ModelFileError(`tensor file metadata "${what}" is not a JSON array of strings`, file, 8);
}

/** Reads a tensor file written by TensorFileWriter (or any safetensors file with one F32 [N,C,H,W] tensor named "images"). */
export async function readTensorFile(file: string): Promise<TensorFileContents> {
  const buf = await readFile(file);
  if (buf.length < 8) throw new ModelFileError(`tensor file is ${buf.length} bytes, shorter than its 8-byte header length`, file, 0);
  const headerLength = buf.readBigUInt64LE(0);
  if (headerLength > BigInt(buf.length - 8)) throw new ModelFileError(`header length ${headerLength} runs past the end of the file`, file, 0);
  const dataStart = 8 + Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, dataStart).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ModelFileError('tensor file header is not valid JSON', file, 8, e);
  }
  const entry = header[TENSOR_NAME] as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | undefined;
  const shape = entry?.shape;
  if (!entry || entry.dtype !== 'F32' || !Array.isArray(shape) || shape.length !== 4 || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new ModelFileError(`tensor file has no F32 tensor "${TENSOR_NAME}" of shape [count, C, H, W]`, file, 8);
  }
  const [count, channels, height, width] = shape as [number, number, number, number];
  const offsets = entry.data_offsets;
  const bytes = count * channels * height * width * 4;
  if (!Array.isArray(offsets) || offsets[0] !== 0 || offsets[1] !== bytes || dataStart + bytes > buf.length) {
    throw new ModelFileError(`tensor data of ${bytes} bytes does not fit the file (data_offsets ${JSON.stringify(offsets)})`, file, dataStart);
  }
  const meta = (header['__metadata__'] ?? {}) as Record<string, unknown>;
  const labels = meta['labels'] === undefined ? Array.from({ length: count }, () => '') : parseJsonArray(meta['labels'], 'labels', file);
  const ids = meta['ids'] === undefined ? labels.map((_, i) => String(i)) : parseJsonArray(meta['ids'], 'ids', file);
  if (labels.length !== count || ids.length !== count) throw new ModelFileError(`${count} images but ${labels.length} labels and ${ids.length} ids`, file, 8);
  let info: JsonValue = null;
  if (typeof meta['info'] === 'string') {
    try {
      info = JSON.parse(meta['info']) as JsonValue;
    } catch (e) {
      throw new ModelFileError('tensor file metadata "info" is not JSON', file, 8, e);
    }
  }
  const per = channels * height * width;
  const tensors: ImageTensor[] = [];
  for (let i = 0; i < count; i++) {
    const data = new Float32Array(per);
    const start = dataStart + i * per * 4;
    if (endianness() === 'LE') data.set(new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + per * 4)));
    else for (let k = 0; k < per; k++) data[k] = buf.readFloatLE(start + k * 4);
    tensors.push(createImageTensor(channels, height, width, data));
  }
  return { count, channels, height, width, labels, ids, info, tensors };
}
