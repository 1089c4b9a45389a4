/**
 * A genuine TorchScript export (torch.onnx.export of a small module with diffusers' names,
 * made by test/fixtures/torch-export/make.py with PyTorch 1.13; 170 kB): anonymous transposed
 * MatMul weights, Shape/Gather/Unsqueeze/Concat shape arithmetic, InstanceNormalization
 * GroupNorm, chunk → Slice, int64 timestep. The kohya LoRA file and the reference outputs
 * (base and LoRA-merged, computed in PyTorch) come from the same script.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Graph, serializeGraph, type Value } from '@netsynth/nn';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SD15_SCHEDULER, decodeModel, encodeModel, enumerateTargets, loadConstants, mergeLora, readLora, replayOnnx, trainLora, type LoraBranch } from '../src/index.js';
import { maxAbsDiff } from './helpers.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch-export');
const MODEL = join(DIR, 'unet.onnx');
const io = JSON.parse(readFileSync(join(DIR, 'io.json'), 'utf8')) as { sample: number[]; timestep: number[]; encoder_hidden_states: number[]; base: number[]; merged: number[]; modules: string[] };
const feeds = (): Record<string, ort.Tensor> => ({
  sample: new ort.Tensor('float32', Float32Array.from(io.sample), [2, 4, 8, 8]),
  timestep: new ort.Tensor('int64', BigInt64Array.from(io.timestep.map(BigInt)), [2]),
  encoder_hidden_states: new ort.Tensor('float32', Float32Array.from(io.encoder_hidden_states), [2, 7, 16]),
});

describe('a real TorchScript export (PyTorch 1.13 fixture)', () => {
  it('finds the anonymous MatMul weights through node names, completing scopes against named modules', () => {
    const t = enumerateTargets(decodeModel(readFileSync(MODEL)));
    const q = t.get('mid_block.attentions.0.transformer_blocks.0.attn1.to_q');
    expect(q?.kind).toBe('matmul');
    expect(q?.initializer.startsWith('onnx::MatMul_')).toBe(true);
    expect(q?.node).toBe('/attentions.0/transformer_blocks.0/attn1/to_q/MatMul');
    expect(t.get('mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj')?.shape).toEqual([256, 32]);
    expect(t.get('mid_block.attentions.0.proj_in')?.kind).toBe('conv');
    expect(t.get('time_embedding.linear_1')?.kind).toBe('gemm');
  });

  it('onnxruntime reproduces PyTorch; the kohya LoRA merged here reproduces PyTorch with the LoRA merged', async () => {
    const s = await ort.InferenceSession.create(MODEL);
    const base = (await s.run(feeds())).out_sample?.data as Float32Array;
    expect(maxAbsDiff(base, io.base)).toBeLessThan(1e-4);
    const model = decodeModel(readFileSync(MODEL));
    const { pairs } = await readLora(join(DIR, 'lora.safetensors'), { unet: enumerateTargets(model) });
    expect(pairs.map((p) => p.target.module).sort()).toEqual([...io.modules].sort());
    const rep = await mergeLora(model, DIR, MODEL, pairs.map((pair) => ({ pair, multiplier: 1 })));
    expect(rep.patched.length).toBe(4);
    const m = await ort.InferenceSession.create(encodeModel(model));
    const merged = (await m.run(feeds())).out_sample?.data as Float32Array;
    expect(maxAbsDiff(merged, io.merged)).toBeLessThan(1e-4);
    expect(maxAbsDiff(io.merged, io.base)).toBeGreaterThan(1e-2);
  });

  it('the graph import (shape arithmetic folded) reproduces it, with unmerged LoRA branches too', async () => {
    const model = decodeModel(readFileSync(MODEL));
    const consts = await loadConstants(model, DIR, MODEL);
    const { pairs } = await readLora(join(DIR, 'lora.safetensors'), { unet: enumerateTargets(model) });
    const run = async (withLora: boolean): Promise<Float32Array> => {
      const g = new Graph();
      const inputs: Record<string, Value> = { sample: g.input('sample', [2, 4, 8, 8]), timestep: g.input('timestep', [2], 'int64'), encoder_hidden_states: g.input('encoder_hidden_states', [2, 7, 16]) };
      const branches = new Map<string, LoraBranch>();
      if (withLora) for (const p of pairs) branches.set(p.target.node, { down: g.constant({ dtype: 'float32', shape: p.downShape, data: p.down }), up: g.constant({ dtype: 'float32', shape: p.upShape, data: p.up }), scale: p.alpha / p.rank });
      const out = replayOnnx(model, consts, g, inputs, branches);
      const s = await ort.InferenceSession.create(serializeGraph(g, { out: out.out_sample as Value }));
      return (await s.run(feeds())).out?.data as Float32Array;
    };
    expect(maxAbsDiff(await run(false), io.base)).toBeLessThan(1e-4);
    expect(maxAbsDiff(await run(true), io.merged)).toBeLessThan(1e-4);
  });

  it('trains a LoRA on it (int64 timestep input): only the LoRA matrices, finite falling loss', async () => {
    const hidden = Float32Array.from(io.encoder_hidden_states);
    const latents = Float32Array.from(io.sample);
    const r = await trainLora(MODEL, SD15_SCHEDULER, { latents, latentDims: [2, 4, 8, 8], hidden, hiddenDims: [2, 7, 16] }, { steps: 30, batchSize: 2, lr: 3e-3, rank: 2, seed: 2 });
    expect(r.lora.pairs.length).toBe(8);
    expect(r.trainer.trainable.every(([n]) => /^lora_unet_mid_block_attentions_0_transformer_blocks_0_attn[12]_to_(q|k|v|out_0)\.lora_(down|up)\.weight$/.test(n))).toBe(true);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(mean(r.losses.slice(-10))).toBeLessThan(mean(r.losses.slice(0, 10)));
    await r.trainer.dispose();
  });
});
