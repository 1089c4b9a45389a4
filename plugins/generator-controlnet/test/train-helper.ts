/**
 * Trains the tiny ControlNet for a few steps with @netsynth/nn, so the "trained ControlNet"
 * tests use weights that learnt something rather than random ones. The task: with the
 * folder's UNet frozen, make UNet(x, t, c; ControlNet residuals) − UNet(x, t, c) equal
 * `delta` on every latent pixel the control image lights and 0 elsewhere — a control that
 * says "push the prediction up here". Only the conditioning embedding and the zero convs
 * train (the copied UNet encoder stays as copied), which is enough for the task and cheap.
 */
import { createRng } from '@netsynth/core';
import { Module, adamw, buildTrainingSession, mseLoss, ops as op, type TraceContext, type Value } from '@netsynth/nn';
import { createTinyUNet, type TinyUNet } from '@netsynth/generator-stable-diffusion';
import { createTinyControlNet, exportTinyControlNet, type TinyControlNet } from '../src/index.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

class Pair extends Module {
  readonly cn: TinyControlNet;
  readonly unet: TinyUNet;
  constructor(cn: TinyControlNet, unet: TinyUNet) {
    super();
    this.cn = this.child('controlnet', cn);
    this.unet = this.child('unet', unet);
  }
  /** Change of the UNet's prediction made by the ControlNet's residuals. */
  forward(ctx: TraceContext, x: Value, t: Value, c: Value, cond: Value): Value {
    const res = this.cn.controlForward(ctx, x, t, c, cond, null);
    return op.sub(this.unet.forwardWith(ctx, x, t, c, res), this.unet.forwardWith(ctx, x, t, c));
  }
}

/** A control image lit in one random rectangle, and that rectangle at latent resolution. */
function randomControl(rng: ReturnType<typeof createRng>, res: number, lat: number): { image: Float32Array; mask: Float32Array } {
  const f = res / lat;
  const h = 1 + rng.int(lat / 2 + 1);
  const w = 1 + rng.int(lat);
  const y0 = rng.int(lat - h + 1);
  const x0 = rng.int(lat - w + 1);
  const image = new Float32Array(3 * res * res);
  const mask = new Float32Array(lat * lat);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) mask[y * lat + x] = 1;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < res; y++)
      for (let x = 0; x < res; x++) image[c * res * res + y * res + x] = mask[Math.floor(y / f) * lat + Math.floor(x / f)] as number;
  return { image, mask };
}

export interface TrainedControlNet {
  path: string;
  losses: number[];
}

export async function trainTinyControlNet(
  sdDir: string,
  outDir: string,
  o: { steps: number; delta: number; batch?: number; seed?: number; lr?: number },
): Promise<TrainedControlNet> {
  const { net, folder } = await createTinyControlNet(sdDir, { seed: o.seed ?? 0 });
  const unet = createTinyUNet(folder.options);
  const pair = new Pair(net, unet);
  const B = o.batch ?? 4;
  const lat = folder.info.latentSize;
  const res = folder.info.resolution;
  const L = folder.info.maxLength;
  const D = folder.info.textDim;
  const trainer = await buildTrainingSession(pair, {
    inputs: {
      x: { shape: [B, 4, lat, lat] },
      t: { shape: [B] },
      c: { shape: [B, L, D] },
      cond: { shape: [B, 3, res, res] },
      target: { shape: [B, 4, lat, lat] },
    },
    loss: (ctx, i) => mseLoss(pair.forward(ctx, i.x as Value, i.t as Value, i.c as Value, i.cond as Value), i.target as Value),
    optimizer: adamw({ lr: o.lr ?? 3e-3, weightDecay: 0 }),
    frozen: (name) => !name.startsWith('controlnet.controlnet_'),
    seed: o.seed ?? 0,
  });
  const rng = createRng(o.seed ?? 0);
  const losses: number[] = [];
  for (let s = 0; s < o.steps; s++) {
    const x = Float32Array.from({ length: B * 4 * lat * lat }, () => rng.normal());
    const t = Float32Array.from({ length: B }, () => 1 + rng.int(999));
    const c = Float32Array.from({ length: B * L * D }, () => rng.normal());
    const cond = new Float32Array(B * 3 * res * res);
    const target = new Float32Array(B * 4 * lat * lat);
    for (let b = 0; b < B; b++) {
      const { image, mask } = randomControl(rng, res, lat);
      cond.set(image, b * image.length);
      for (let ch = 0; ch < 4; ch++) for (let k = 0; k < lat * lat; k++) target[(b * 4 + ch) * lat * lat + k] = (mask[k] as number) * o.delta;
    }
    losses.push((await trainer.trainStep({ x, t, c, cond, target })).loss);
  }
  trainer.syncToModel();
  const path = join(outDir, 'model.onnx');
  await writeFile(path, exportTinyControlNet(net, folder.info, true));
  return { path, losses };
}
