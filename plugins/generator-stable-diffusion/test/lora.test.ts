import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRng } from '@netsynth/core';
import { Graph, serializeGraph, writeSafetensors, type TensorToWrite } from '@netsynth/nn';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  StableDiffusion,
  decodeModel,
  enumerateTargets,
  kohyaName,
  loadConstants,
  mergeLora,
  readLora,
  readSdFolder,
  replayOnnx,
  saveKohyaLora,
  tensorFloat32,
  trainLora,
  type LoraBranch,
} from '../src/index.js';
import { maxAbsDiff, tinyModel } from './helpers.js';

const rand = (n: number, seed: number, s = 0.2): Float32Array => {
  const r = createRng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * s);
};

const Q = 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q';
const OUT = 'up_blocks.1.attentions.1.transformer_blocks.0.attn2.to_out.0';
const PROJ = 'mid_block.attentions.0.proj_in';
const GEMM = 'time_embedding.linear_1';

/** A kohya LoRA for four UNet modules (two MatMul, one 1×1 Conv, one Gemm) and one text-encoder projection. */
async function writeKohya(
  dir: string,
  name: string,
  rank: number,
  alpha: number,
): Promise<Record<string, { down: Float32Array; up: Float32Array; dshape: number[]; ushape: number[] }>> {
  const unet = decodeModel(readFileSync(join(dir, 'unet', 'model.onnx')));
  const te = decodeModel(readFileSync(join(dir, 'text_encoder', 'model.onnx')));
  const tu = enumerateTargets(unet);
  const tt = enumerateTargets(te);
  const mods: [string, string, number[]][] = [
    ['lora_unet', Q, tu.get(Q)?.shape ?? []],
    ['lora_unet', OUT, tu.get(OUT)?.shape ?? []],
    ['lora_unet', PROJ, tu.get(PROJ)?.shape ?? []],
    ['lora_unet', GEMM, tu.get(GEMM)?.shape ?? []],
    ['lora_te', 'text_model.encoder.layers.0.self_attn.q_proj', tt.get('text_model.encoder.layers.0.self_attn.q_proj')?.shape ?? []],
  ];
  const tensors = new Map<string, TensorToWrite>();
  const out: Record<string, { down: Float32Array; up: Float32Array; dshape: number[]; ushape: number[] }> = {};
  mods.forEach(([prefix, mod, shape], k) => {
    const [o, i, ...kk] = shape as [number, number, ...number[]];
    const dshape = [rank, i, ...kk];
    const ushape = [o, rank, ...kk.map(() => 1)];
    const down = rand(
      dshape.reduce((a, b) => a * b, 1),
      10 + k,
    );
    const up = rand(
      ushape.reduce((a, b) => a * b, 1),
      20 + k,
    );
    const key = kohyaName(prefix as 'lora_unet', mod);
    tensors.set(`${key}.lora_down.weight`, { shape: dshape, data: down });
    tensors.set(`${key}.lora_up.weight`, { shape: ushape, data: up });
    tensors.set(`${key}.alpha`, { shape: [], data: Float32Array.of(alpha) });
    out[mod] = { down, up, dshape, ushape };
  });
  await writeSafetensors(join(dir, name), tensors, {}, { force: true });
  return out;
}

describe('LoRA merge', () => {
  it('maps kohya keys onto the graph modules (MatMul via node names, Conv and Gemm by name) and adds m·(alpha/r)·up@down', async () => {
    const info = await tinyModel();
    const pairs = await writeKohya(info.dir, 'k.safetensors', 4, 2);
    const unetPath = join(info.dir, 'unet', 'model.onnx');
    const base = decodeModel(readFileSync(unetPath));
    const merged = decodeModel(readFileSync(unetPath));
    const targets = { unet: enumerateTargets(base), text_encoder: enumerateTargets(decodeModel(readFileSync(join(info.dir, 'text_encoder', 'model.onnx')))) };
    expect(targets.unet.get(Q)?.kind).toBe('matmul');
    expect(targets.unet.get(Q)?.initializer.startsWith('onnx::MatMul_')).toBe(true);
    expect(targets.unet.get(PROJ)?.kind).toBe('conv');
    expect(targets.unet.get(GEMM)?.kind).toBe('gemm');
    expect(targets.unet.get(GEMM)?.initializer).toBe(`${GEMM}.weight`);
    const { pairs: lp } = await readLora(join(info.dir, 'k.safetensors'), targets);
    const m = 0.7;
    const rep = await mergeLora(
      merged,
      dirname(unetPath),
      unetPath,
      lp.filter((p) => p.component === 'unet').map((pair) => ({ pair, multiplier: m })),
    );
    expect(rep.patched.sort()).toEqual([Q, OUT, PROJ, GEMM].map((q) => targets.unet.get(q)?.initializer as string).sort());
    for (const mod of [Q, PROJ, GEMM]) {
      const t = targets.unet.get(mod);
      if (!t) throw new Error('missing');
      const before = await tensorFloat32(base.graph.initializer.find((x) => x.name === t.initializer) as never, dirname(unetPath), unetPath);
      const after = await tensorFloat32(merged.graph.initializer.find((x) => x.name === t.initializer) as never, dirname(unetPath), unetPath);
      const { down, up } = pairs[mod] as { down: Float32Array; up: Float32Array };
      const [o, i] = t.shape as [number, number];
      const rank = 4;
      // Expected delta by hand, element by element, in the storage layout.
      let maxErr = 0;
      for (let oo = 0; oo < o; oo++)
        for (let ii = 0; ii < i; ii++) {
          let d = 0;
          for (let r = 0; r < rank; r++) d += (up[oo * rank + r] as number) * (down[r * i + ii] as number);
          const idx = t.transposed ? ii * o + oo : oo * i + ii;
          maxErr = Math.max(maxErr, Math.abs((after[idx] as number) - (before[idx] as number) - m * (2 / rank) * d));
        }
      expect(maxErr).toBeLessThan(1e-6);
    }
  });

  it('the merged UNet equals the base graph with explicit LoRA branches; multiplier 0 equals the base', async () => {
    const info = await tinyModel();
    await writeKohya(info.dir, 'k2.safetensors', 4, 4);
    const lp = join(info.dir, 'k2.safetensors');
    const base = await StableDiffusion.load(info.dir);
    const merged = await StableDiffusion.load(info.dir, { loras: [{ path: lp, multiplier: 1 }] });
    const zero = await StableDiffusion.load(info.dir, { loras: [{ path: lp, multiplier: 0 }] });
    expect(merged.patched.unet.length).toBe(4);
    expect(merged.patched.text_encoder.length).toBe(1);
    const x = rand(2 * 4 * 8 * 8, 1, 1);
    const hid = { data: rand(2 * 77 * 32, 2, 1), dims: [2, 77, 32] };
    const yb = await base.unetStep(x, [2, 4, 8, 8], 500, hid);
    const ym = await merged.unetStep(x, [2, 4, 8, 8], 500, hid);
    const yz = await zero.unetStep(x, [2, 4, 8, 8], 500, hid);
    expect(maxAbsDiff(yz, yb)).toBeLessThan(1e-5);
    expect(maxAbsDiff(ym, yb)).toBeGreaterThan(1e-3);
    // Merged weights in a side file (the >2 GB path) give the same UNet as inlined ones.
    const side = await StableDiffusion.load(info.dir, { loras: [{ path: lp, multiplier: 1 }], inlinePatchLimit: 0 });
    expect(maxAbsDiff(await side.unetStep(x, [2, 4, 8, 8], 500, hid), ym)).toBe(0);
    await side.dispose();
    // Reference: the UNet graph imported into nn with unmerged branches x@downᵀ@upᵀ·(alpha/r).
    const unetPath = join(info.dir, 'unet', 'model.onnx');
    const model = decodeModel(await readFile(unetPath));
    const consts = await loadConstants(model, dirname(unetPath), unetPath);
    const targets = { unet: enumerateTargets(model) };
    const { pairs } = await readLora(lp, {
      ...targets,
      text_encoder: enumerateTargets(decodeModel(readFileSync(join(info.dir, 'text_encoder', 'model.onnx')))),
    });
    const g = new Graph();
    const inputs: Record<string, ReturnType<Graph['input']>> = {
      sample: g.input('sample', [2, 4, 8, 8]),
      timestep: g.input('timestep', [2]),
      encoder_hidden_states: g.input('encoder_hidden_states', [2, 77, 32]),
    };
    for (const r of info.residualInputs)
      inputs[r.name] = g.constant({ dtype: 'float32', shape: [2, ...r.dims.slice(1)], data: new Float32Array(2 * r.dims.slice(1).reduce((a, b) => a * b, 1)) });
    const branches = new Map<string, LoraBranch>();
    for (const p of pairs.filter((q) => q.component === 'unet'))
      branches.set(p.target.node, {
        down: g.constant({ dtype: 'float32', shape: p.downShape, data: p.down }),
        up: g.constant({ dtype: 'float32', shape: p.upShape, data: p.up }),
        scale: p.alpha / p.rank,
      });
    const outs = replayOnnx(model, consts, g, inputs, branches);
    const s = await ort.InferenceSession.create(serializeGraph(g, { out: outs.out_sample as never }));
    const r = await s.run({
      sample: new ort.Tensor('float32', x, [2, 4, 8, 8]),
      timestep: new ort.Tensor('float32', Float32Array.of(500, 500), [2]),
      encoder_hidden_states: new ort.Tensor('float32', hid.data, [2, 77, 32]),
    });
    const yr = r.out?.data as Float32Array;
    expect(maxAbsDiff(yr, ym)).toBeLessThan(2e-4);
    // The prompt embedding changes through the text-encoder LoRA.
    const eb = await base.encodePrompts(['pixelated network data, type-1']);
    const em = await merged.encodePrompts(['pixelated network data, type-1']);
    expect(maxAbsDiff(eb.data, em.data)).toBeGreaterThan(1e-4);
    await Promise.all([base.dispose(), merged.dispose(), zero.dispose()]);
  });

  it('reads diffusers/PEFT keys (lora_A/lora_B) to the same modules as kohya', async () => {
    const info = await tinyModel();
    const k = await writeKohya(info.dir, 'k3.safetensors', 2, 2);
    const q = k[Q] as { down: Float32Array; up: Float32Array; dshape: number[]; ushape: number[] };
    await writeSafetensors(
      join(info.dir, 'peft.safetensors'),
      { [`unet.${Q}.lora_A.weight`]: { shape: q.dshape, data: q.down }, [`unet.${Q}.lora_B.weight`]: { shape: q.ushape, data: q.up } },
      {},
      { force: true },
    );
    const unet = decodeModel(readFileSync(join(info.dir, 'unet', 'model.onnx')));
    const { pairs } = await readLora(join(info.dir, 'peft.safetensors'), { unet: enumerateTargets(unet) });
    expect(pairs.length).toBe(1);
    expect(pairs[0]?.target.module).toBe(Q);
    expect(pairs[0]?.alpha).toBe(2);
    await writeSafetensors(
      join(info.dir, 'bad.safetensors'),
      {
        'lora_unet_no_such_module.lora_down.weight': { shape: [1, 1], data: Float32Array.of(1) },
        'lora_unet_no_such_module.lora_up.weight': { shape: [1, 1], data: Float32Array.of(1) },
      },
      {},
      { force: true },
    );
    await expect(readLora(join(info.dir, 'bad.safetensors'), { unet: enumerateTargets(unet) })).rejects.toThrow(/matches no module/);
  });
});

describe('LoRA training with @netsynth/nn', () => {
  it('loss falls, only the LoRA matrices are trained, and the saved kohya file lowers the loss of the merged model', async () => {
    const info = await tinyModel();
    const folder = await readSdFolder(info.dir);
    const unetPath = folder.unet;
    const hashBefore = createHash('sha256')
      .update(readFileSync(join(info.dir, 'unet', 'model.onnx_data')))
      .digest('hex');
    const N = 2;
    const latents = rand(N * 4 * 8 * 8, 5, 0.8);
    const hidden = rand(N * 77 * 32, 6, 1);
    const res = await trainLora(
      unetPath,
      folder.scheduler,
      { latents, latentDims: [N, 4, 8, 8], hidden, hiddenDims: [N, 77, 32] },
      { rank: 4, alpha: 4, lr: 3e-3, steps: 60, batchSize: 2, seed: 1 },
    );
    expect(res.steps).toBe(60);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(res.losses.slice(0, 15));
    const last = mean(res.losses.slice(-15));
    expect(last).toBeLessThan(first * 0.9);
    // Only LoRA matrices are parameters of the training graph.
    expect(res.trainer.trainable.length).toBe(2 * res.lora.pairs.length);
    expect(res.trainer.trainable.every(([n]) => /\.lora_(down|up)\.weight$/.test(n))).toBe(true);
    expect(res.lora.pairs.length).toBe(4 * 8); // 4 transformer blocks (down 0, mid, up 1 ×2) × (attn1, attn2) × (q, k, v, out)
    expect(
      createHash('sha256')
        .update(readFileSync(join(info.dir, 'unet', 'model.onnx_data')))
        .digest('hex'),
    ).toBe(hashBefore);
    const lp = join(info.dir, 'trained.safetensors');
    await saveKohyaLora(lp, res.lora, res.trainer);
    const sd = await StableDiffusion.load(info.dir, { loras: [{ path: lp }] });
    const base = await StableDiffusion.load(info.dir);
    // The merged model differs from the base only in the adapted projections.
    expect(sd.patched.unet.length).toBe(32);
    expect(sd.patched.unet.every((n) => n.startsWith('onnx::MatMul_'))).toBe(true);
    // Held-out check on the training objective at fixed (t, ε): merged < base.
    const ac = (await import('../src/index.js')).alphasCumprod(folder.scheduler);
    let lb = 0;
    let lm = 0;
    for (const t of [100, 300, 500, 700, 900]) {
      const eps = rand(N * 256, t, 1);
      const a = ac[t] as number;
      const x = latents.map((v, k) => Math.sqrt(a) * v + Math.sqrt(1 - a) * (eps[k] as number));
      const hid = { data: hidden, dims: [N, 77, 32] };
      const mse = (y: Float32Array): number => y.reduce((s, v, k) => s + (v - (eps[k] as number)) ** 2, 0) / y.length;
      lb += mse(await base.unetStep(x, [N, 4, 8, 8], t, hid));
      lm += mse(await sd.unetStep(x, [N, 4, 8, 8], t, hid));
    }
    expect(lm).toBeLessThan(lb);
    await Promise.all([sd.dispose(), base.dispose(), res.trainer.dispose()]);
  });
});
