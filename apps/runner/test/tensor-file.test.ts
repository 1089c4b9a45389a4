import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFileError, OutputExistsError, createImageTensor } from '@netsynth/core';
import { TensorFileWriter, readTensorFile, writeTensorFile } from '../src/index.js';
import { cleanupTmp, tmp } from './helpers.js';

afterAll(cleanupTmp);

function image(seed: number) {
  const t = createImageTensor(2, 3, 4);
  t.data.forEach((_, i) => (t.data[i] = Math.sin(seed * 10 + i) * 0.9));
  return t;
}

describe('tensor files (safetensors layout)', () => {
  it('round-trip images, labels and ids, and follow the safetensors layout byte for byte', async () => {
    const file = join(tmp(), 'x.safetensors');
    const images = [0, 1, 2].map((k) => ({ tensor: image(k), label: k === 1 ? 'dns' : 'web', id: `s${k}` }));
    await writeTensorFile(file, images, { channels: 2, height: 3, width: 4 }, { encoder: 'e' });
    const back = await readTensorFile(file);
    expect([back.count, back.channels, back.height, back.width]).toEqual([3, 2, 3, 4]);
    expect(back.labels).toEqual(['web', 'dns', 'web']);
    expect(back.ids).toEqual(['s0', 's1', 's2']);
    expect(back.info).toEqual({ encoder: 'e' });
    back.tensors.forEach((t, k) => expect(Array.from(t.data)).toEqual(Array.from(images[k]!.tensor.data)));

    // What a safetensors reader does: u64 LE header length, JSON header, then F32 LE data.
    const buf = readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    expect(header.images).toEqual({ dtype: 'F32', shape: [3, 2, 3, 4], data_offsets: [0, 3 * 24 * 4] });
    expect(header.__metadata__.format).toBe('netsynth.tensors/1');
    expect(buf.length).toBe(8 + n + 3 * 24 * 4);
    expect(buf.readFloatLE(8 + n + 24 * 4)).toBeCloseTo(images[1]!.tensor.data[0]!, 6);
  });

  it('refuse to overwrite without force, and leave no temp file behind', async () => {
    const d = tmp();
    const file = join(d, 'x.safetensors');
    const one = [{ tensor: image(0), label: 'a', id: '0' }];
    await writeTensorFile(file, one, { channels: 2, height: 3, width: 4 });
    await expect(writeTensorFile(file, one, { channels: 2, height: 3, width: 4 })).rejects.toBeInstanceOf(OutputExistsError);
    await writeTensorFile(file, one, { channels: 2, height: 3, width: 4 }, null, { force: true });
    expect(readdirSync(d)).toEqual(['x.safetensors']);
  });

  it('a writer that is aborted or given the wrong shape leaves the destination untouched', async () => {
    const d = tmp();
    const file = join(d, 'y.safetensors');
    const w = await TensorFileWriter.open(file, { count: 2, channels: 2, height: 3, width: 4, labels: ['a', 'b'], ids: ['0', '1'], info: null });
    await w.write(image(0));
    await expect(w.write(createImageTensor(1, 3, 4))).rejects.toThrow(/1×3×4, the file holds 2×3×4/);
    await w.abort();
    expect(readdirSync(d)).toEqual([]);
  });

  it('damaged files are ModelFileErrors with the file and offset', async () => {
    const d = tmp();
    const short = join(d, 'short.safetensors');
    writeFileSync(short, Buffer.from([1, 2, 3]));
    await expect(readTensorFile(short)).rejects.toMatchObject({ code: 'MODEL_FILE', file: short, offset: 0 });
    const file = join(d, 'cut.safetensors');
    await writeTensorFile(file, [{ tensor: image(0), label: 'a', id: '0' }], { channels: 2, height: 3, width: 4 });
    const buf = readFileSync(file);
    writeFileSync(file, buf.subarray(0, buf.length - 4));
    const err = await readTensorFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect((err as Error).message).toMatch(/does not fit the file/);
  });
});
