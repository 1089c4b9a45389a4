/**
 * A genuine TorchScript export of a miniature diffusers UNet2DConditionModel (SD 1.5 block
 * layout, diffusers 0.14's modules re-implemented line for line, PyTorch 1.13, opset 14 as
 * diffusers' converter and optimum use; test/fixtures/torch-export/make.py, 51 k parameters,
 * stored gzipped). Its graph holds what a real SD 1.5 export holds: anonymous transposed
 * MatMul weights, Shape/Gather/Unsqueeze/Concat chains for the dynamic batch/height/width,
 * timestep Expand via ConstantOfShape/Equal/Where, baddbmm's ConstantOfShape zeros,
 * decomposed LayerNorm (ReduceMean/Pow/Sqrt) and GELU (Erf), GroupNorm as
 * InstanceNormalization, chunk → Slice, nearest Resize, and Einsum (ldm attention, mid block).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Graph, serializeGraph, type Value } from '@netsynth/nn';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  SD15_SCHEDULER,
  decodeModel,
  encodeModel,
  enumerateTargets,
  loadConstants,
  mergeLora,
  readLora,
  replayOnnx,
  trainLora,
  type LoraBranch,
} from '../src/index.js';
import { maxAbsDiff, tempDir } from './helpers.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'torch-export');
const io = JSON.parse(readFileSync(join(FIX, 'io.json'), 'utf8')) as {
  sample: number[];
  timestep: number[];
  encoder_hidden_states: number[];
  base: number[];
  merged: number[];
  modules: string[];
};
const DIMS = { sample: [2, 4, 8, 8], hidden: [2, 7, 8] } as const;
let DIR = '';
let MODEL = '';
const feeds = (): Record<string, ort.Tensor> => ({
  sample: new ort.Tensor('float32', Float32Array.from(io.sample), [...DIMS.sample]),
  timestep: new ort.Tensor('int64', BigInt64Array.from(io.timestep.map(BigInt)), [2]),
  encoder_hidden_states: new ort.Tensor('float32', Float32Array.from(io.encoder_hidden_states), [...DIMS.hidden]),
});
const trainData = () => ({
  latents: Float32Array.from(io.sample),
  latentDims: [...DIMS.sample] as [number, number, number, number],
  hidden: Float32Array.from(io.encoder_hidden_states),
  hiddenDims: [...DIMS.hidden] as [number, number, number],
});

beforeAll(() => {
  DIR = tempDir('sd-torch-export-');
  MODEL = join(DIR, 'unet.onnx');
  writeFileSync(MODEL, gunzipSync(readFileSync(join(FIX, 'unet.onnx.gz'))));
});

describe('a real diffusers-layout TorchScript export (PyTorch 1.13, opset 14 fixture)', () => {
  it('contains the ops of a real SD 1.5 export', () => {
    const ops = new Set(decodeModel(readFileSync(MODEL)).graph.node.map((n) => n.opType));
    for (const o of [
      'ConstantOfShape',
      'Equal',
      'Where',
      'Expand',
      'Einsum',
      'Resize',
      'Erf',
      'Pow',
      'ReduceMean',
      'InstanceNormalization',
      'Slice',
      'Gemm',
      'MatMul',
      'Shape',
      'Gather',
    ])
      expect(ops.has(o), o).toBe(true);
  });

  it('finds the anonymous MatMul weights through node names', () => {
    const t = enumerateTargets(decodeModel(readFileSync(MODEL)));
    const q = t.get('down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q');
    expect(q?.kind).toBe('matmul');
    expect(q?.initializer.startsWith('onnx::MatMul_')).toBe(true);
    expect(t.get('mid_block.attentions.0.transformer_blocks.0.attn2.to_k')?.shape).toEqual([16, 8]);
    expect(t.get('up_blocks.1.attentions.1.transformer_blocks.0.ff.net.0.proj')?.shape).toEqual([64, 8]);
    expect(t.get('up_blocks.1.attentions.0.proj_in')?.kind).toBe('conv');
    expect(t.get('time_embedding.linear_1')?.kind).toBe('gemm');
  });

  it('completes a scope shortened by a call past the parent forward, only when unambiguous', () => {
    // TorchScript scopes follow forward calls: a block called from an ancestor's forward gets
    // `/attentions.1/…` (seen in an earlier export of this kind); the named weights prove the
    // full path when exactly one module ends with it.
    const model = decodeModel(readFileSync(MODEL));
    const rename = (from: string, to: string): void => {
      const n = model.graph.node.find((k) => k.name === from);
      expect(n).toBeDefined();
      (n as { name: string }).name = to;
    };
    rename('/up_blocks.1/attentions.1/transformer_blocks.0/attn1/to_q/MatMul', '/attentions.1/transformer_blocks.0/attn1/to_q/MatMul');
    rename('/mid_block/attentions.0/transformer_blocks.0/attn1/to_q/MatMul', '/attentions.0/transformer_blocks.0/attn1/to_q/MatMul');
    const t = enumerateTargets(model);
    expect(t.get('up_blocks.1.attentions.1.transformer_blocks.0.attn1.to_q')?.node).toBe('/attentions.1/transformer_blocks.0/attn1/to_q/MatMul');
    // attentions.0 exists in three blocks: left as the scope says, never guessed
    expect(t.has('mid_block.attentions.0.transformer_blocks.0.attn1.to_q')).toBe(false);
    expect(t.get('attentions.0.transformer_blocks.0.attn1.to_q')?.shape).toEqual([16, 16]);
  });

  it('onnxruntime reproduces PyTorch; the kohya LoRA merged here reproduces PyTorch with the LoRA merged', async () => {
    const s = await ort.InferenceSession.create(MODEL);
    const base = (await s.run(feeds())).out_sample?.data as Float32Array;
    expect(maxAbsDiff(base, io.base)).toBeLessThan(1e-4);
    const model = decodeModel(readFileSync(MODEL));
    const { pairs } = await readLora(join(FIX, 'lora.safetensors'), { unet: enumerateTargets(model) });
    expect(pairs.map((p) => p.target.module).sort()).toEqual([...io.modules].sort());
    const rep = await mergeLora(
      model,
      DIR,
      MODEL,
      pairs.map((pair) => ({ pair, multiplier: 1 })),
    );
    expect(rep.patched.length).toBe(5);
    const m = await ort.InferenceSession.create(encodeModel(model));
    const merged = (await m.run(feeds())).out_sample?.data as Float32Array;
    expect(maxAbsDiff(merged, io.merged)).toBeLessThan(1e-4);
    expect(maxAbsDiff(io.merged, io.base)).toBeGreaterThan(1e-2);
  });

  it('the graph import reproduces PyTorch (shape logic folded, Einsum/Where rewritten, no materialised zeros), with unmerged LoRA branches too', async () => {
    const model = decodeModel(readFileSync(MODEL));
    const consts = await loadConstants(model, DIR, MODEL);
    const { pairs } = await readLora(join(FIX, 'lora.safetensors'), { unet: enumerateTargets(model) });
    const largestWeight = Math.max(...[...consts.values()].map((c) => c.data.length));
    const run = async (withLora: boolean): Promise<Float32Array> => {
      const g = new Graph();
      const inputs: Record<string, Value> = {
        sample: g.input('sample', [...DIMS.sample]),
        timestep: g.input('timestep', [2], 'int64'),
        encoder_hidden_states: g.input('encoder_hidden_states', [...DIMS.hidden]),
      };
      const branches = new Map<string, LoraBranch>();
      if (withLora)
        for (const p of pairs)
          branches.set(p.target.node, {
            down: g.constant({ dtype: 'float32', shape: p.downShape, data: p.down }),
            up: g.constant({ dtype: 'float32', shape: p.upShape, data: p.up }),
            scale: p.alpha / p.rank,
          });
      const out = replayOnnx(model, consts, g, inputs, branches);
      const used = serializeGraph(g, { out: out.out_sample as Value });
      const ops = new Set(decodeModel(used).graph.node.map((n) => n.opType));
      for (const o of ['Einsum', 'Where', 'ConstantOfShape', 'Equal', 'Shape', 'Range']) expect(ops.has(o), o).toBe(false);
      // baddbmm's β·empty term is dropped, not built as a [B·heads, N, M] constant
      expect(Math.max(...decodeModel(used).graph.initializer.map((t) => t.dims.reduce((a, b) => a * b, 1)))).toBeLessThanOrEqual(largestWeight);
      const s = await ort.InferenceSession.create(used);
      return (await s.run(feeds())).out?.data as Float32Array;
    };
    expect(maxAbsDiff(await run(false), io.base)).toBeLessThan(1e-4);
    expect(maxAbsDiff(await run(true), io.merged)).toBeLessThan(1e-4);
  });

  it('trains a LoRA on it (all 32 attention projections, einsum attention included): only the LoRA matrices, falling loss', async () => {
    const r = await trainLora(MODEL, SD15_SCHEDULER, trainData(), { steps: 60, batchSize: 2, lr: 1e-2, rank: 4, seed: 2 });
    expect(r.lora.pairs.length).toBe(32);
    expect(r.externalData).toBe(false);
    expect(
      r.trainer.trainable.every(([n]) =>
        /^lora_unet_(down_blocks_0|mid_block|up_blocks_1)_attentions_\d_transformer_blocks_0_attn[12]_to_(q|k|v|out_0)\.lora_(down|up)\.weight$/.test(n),
      ),
    ).toBe(true);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(mean(r.losses.slice(-15))).toBeLessThan(mean(r.losses.slice(0, 15)));
    // up starts at zero (kohya init) and must have moved in the einsum-attention block too
    const up = r.trainer.parameter('lora_unet_mid_block_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight');
    expect(up.some((v) => v !== 0)).toBe(true);
    await r.trainer.dispose();
  });

  it('moves the base weights to ONNX external data above externalDataAbove, bit-identically', async () => {
    const o = { steps: 4, batchSize: 2, lr: 1e-2, rank: 2, seed: 5 };
    const inline = await trainLora(MODEL, SD15_SCHEDULER, trainData(), o);
    const ext = await trainLora(MODEL, SD15_SCHEDULER, trainData(), { ...o, externalDataAbove: 64 * 1024, externalDataDir: DIR });
    expect(inline.externalData).toBe(false);
    expect(ext.externalData).toBe(true);
    // the 200 kB of weights left the model proto
    expect(ext.trainer.trainingModel.byteLength).toBeLessThan(inline.trainer.trainingModel.byteLength - 150_000);
    expect(ext.losses).toEqual(inline.losses);
    for (const p of inline.lora.pairs) {
      const name = `${p.key}.lora_up.weight`;
      expect(Buffer.from(ext.trainer.parameter(name).slice().buffer).equals(Buffer.from(inline.trainer.parameter(name).slice().buffer))).toBe(true);
    }
    await inline.trainer.dispose();
    await ext.trainer.dispose();
  });
});
