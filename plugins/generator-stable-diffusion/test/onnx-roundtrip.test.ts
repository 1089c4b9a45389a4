/**
 * The tiny SD components this package writes (text encoder, UNet with residual inputs, VAE
 * encoder/decoder; fp32 with external data and fp16 with Cast nodes) go through nn's ONNX
 * codec unchanged: decode → encode is byte-identical (proto2 presence kept: the fp16 Casts'
 * INT attributes carry no f/s, the external tensors no raw_data), and onnxruntime loads the
 * re-encoded files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../src/index.js';
import { tinyModel } from './helpers.js';

const COMPONENTS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'];

describe('tiny SD models through the ONNX codec', () => {
  for (const fp16 of [false, true]) {
    it(`decode → encode is byte-identical and loads (${fp16 ? 'fp16' : 'fp32, external data'})`, async () => {
      const info = await tinyModel({ fp16 });
      const found = COMPONENTS.filter((c) => existsSync(join(info.dir, c, 'model.onnx')));
      expect(found).toEqual(COMPONENTS);
      for (const c of found) {
        const bytes = readFileSync(join(info.dir, c, 'model.onnx'));
        const again = encodeModel(decodeModel(bytes));
        expect(Buffer.from(again).equals(bytes), c).toBe(true);
        // Beside the original, so external data resolves the same way.
        const path = join(info.dir, c, 'again.onnx');
        writeFileSync(path, again);
        const session = await ort.InferenceSession.create(path);
        expect(session.outputNames.length, c).toBeGreaterThan(0);
        await session.release();
      }
    });
  }

  it('an fp16 Cast keeps only its INT attribute field', async () => {
    const info = await tinyModel({ fp16: true });
    const cast = decodeModel(readFileSync(join(info.dir, 'text_encoder', 'model.onnx'))).graph.node.find((n) => n.opType === 'Cast');
    const to = cast?.attribute.find((a) => a.name === 'to');
    expect(to).toBeDefined();
    expect(
      Object.keys(to as object)
        .filter((k) => !Array.isArray((to as unknown as Record<string, unknown>)[k]))
        .sort(),
    ).toEqual(['i', 'name', 'type']);
  });
});
