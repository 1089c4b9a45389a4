/**
 * The tiny ControlNet (fp32 and fp16, whose Cast nodes are built here) goes through nn's ONNX
 * codec unchanged: decode → encode is byte-identical and onnxruntime loads the result.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel, encodeModel } from '@netsynth/generator-stable-diffusion';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTinyPair, type TinyPair } from './helpers.js';

let pair: TinyPair | undefined;
afterAll(() => pair?.cleanup());

describe('tiny ControlNet through the ONNX codec', () => {
  it('decode → encode is byte-identical and loads, fp32 and fp16', async () => {
    pair = await makeTinyPair({ half: { fp16: true } });
    for (const info of [pair.controlnet, pair.extra['half']!]) {
      const bytes = readFileSync(info.path);
      const again = encodeModel(decodeModel(bytes));
      expect(Buffer.from(again).equals(bytes), info.path).toBe(true);
      const session = await ort.InferenceSession.create(again);
      expect(session.outputNames).toContain('mid_block_res_sample');
      await session.release();
    }
  });
});
