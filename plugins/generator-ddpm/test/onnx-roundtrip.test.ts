/**
 * The model.onnx the DDPM writes (images and series) goes through nn's ONNX codec unchanged:
 * decode → encode is byte-identical and the re-encoded model loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, decodeOnnxModel, encodeOnnxModel } from '@netsynth/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { createDdpmGenerator } from '../src/index.js';
import { cleanup, context, tmp, twoClassImages } from './helpers.js';

afterAll(cleanup);

describe('DDPM model.onnx through the ONNX codec', () => {
  for (const dims of [2, 1] as const) {
    it(`decode → encode is byte-identical and loads (dims ${dims})`, async () => {
      const dir = tmp();
      const data = dims === 2 ? twoClassImages(8, 1, 8, 8) : twoClassImages(8, 1, 1, 16);
      await createDdpmGenerator({ dims, channels: 8, groups: 4, batchSize: 8, threads: 1, warmupSteps: 1, steps: 1 }).fit(data, dir, context(1));
      const bytes = readFileSync(join(dir, 'model.onnx'));
      const again = encodeOnnxModel(decodeOnnxModel(bytes) as object);
      expect(Buffer.from(again).equals(bytes)).toBe(true);
      const session = await InferenceSession.create(again);
      await session.dispose();
    });
  }
});
