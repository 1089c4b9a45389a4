/**
 * Multiply-accumulate counts of a UNet step, for the README's CPU-time estimate:
 * - `graphMacs`: counted on an ONNX graph imported into nn's IR with fixed input shapes
 *   (Conv, MatMul, FusedMatMul, Gemm — elementwise work and normalisation are not counted);
 * - `sdUNetMacs`: the same count from a diffusers UNet2DConditionModel description (SD 1.x
 *   block layout), so the tiny model (checked against its graph in the tests) and SD 1.5
 *   (block_out 320/640/1280/1280, 2 layers per block, 64×64 latents, 77×768 context) are
 *   counted the same way.
 */
import { Graph, type ConstData, type Value } from '@netsynth/nn';
import type { ModelProto } from '../onnx/proto.js';
import { replayOnnx } from '../lora/replay.js';

export function graphMacs(model: ModelProto, consts: ReadonlyMap<string, ConstData>, inputShapes: Readonly<Record<string, number[]>>): number {
  const g = new Graph();
  const inputs: Record<string, Value> = {};
  for (const i of model.graph.input) {
    const shape = inputShapes[i.name];
    if (!shape) continue;
    inputs[i.name] = g.input(i.name, shape, i.type?.tensorType?.elemType === 7 ? 'int64' : 'float32');
  }
  replayOnnx(model, consts, g, inputs);
  let macs = 0;
  for (const n of g.nodes) {
    const out = n.outputs[0];
    if (!out) continue;
    if (n.op === 'Conv') {
      const w = n.inputs[1] as Value;
      macs += out.size * w.shape.slice(1).reduce((a, b) => a * b, 1);
    } else if (n.op === 'MatMul' || n.op === 'FusedMatMul' || n.op === 'Gemm') {
      const a = n.inputs[0] as Value;
      const transA = n.attrs.transA === 1;
      const k = transA ? (a.shape[a.rank - 2] as number) : (a.shape[a.rank - 1] as number);
      macs += out.size * k;
    }
  }
  return macs;
}

export interface SdUNetShape {
  blockOut: number[];
  /** Per down block: has cross-attention (SD 1.x: true, true, true, false). */
  downAttention: boolean[];
  layersPerBlock: number;
  crossDim: number;
  latentChannels: number;
  latentHeight: number;
  latentWidth: number;
  sequence: number;
}

export const SD15_UNET: SdUNetShape = {
  blockOut: [320, 640, 1280, 1280],
  downAttention: [true, true, true, false],
  layersPerBlock: 2,
  crossDim: 768,
  latentChannels: 4,
  latentHeight: 64,
  latentWidth: 64,
  sequence: 77,
};

/** MACs of one UNet forward for batch 1. */
export function sdUNetMacs(s: SdUNetShape): number {
  const c0 = s.blockOut[0] as number;
  const temb = 4 * c0;
  let h = s.latentHeight;
  let w = s.latentWidth;
  let macs = c0 * temb + temb * temb; // time embedding MLP
  const conv = (ci: number, co: number, k: number, hh: number, ww: number): number => ci * co * k * k * hh * ww;
  const resnet = (ci: number, co: number, hh: number, ww: number): number =>
    conv(ci, co, 3, hh, ww) + conv(co, co, 3, hh, ww) + (ci !== co ? conv(ci, co, 1, hh, ww) : 0) + temb * co;
  const transformer = (c: number, hh: number, ww: number): number => {
    const n = hh * ww;
    const attn1 = 4 * n * c * c + 2 * n * n * c;
    const attn2 = 2 * n * c * c + 2 * s.sequence * s.crossDim * c + 2 * n * s.sequence * c;
    const ff = n * c * 8 * c + n * 4 * c * c;
    return 2 * n * c * c + attn1 + attn2 + ff;
  };
  macs += conv(s.latentChannels, c0, 3, h, w);
  const skips: number[] = [c0];
  let ch = c0;
  s.blockOut.forEach((co, i) => {
    for (let j = 0; j < s.layersPerBlock; j++) {
      macs += resnet(ch, co, h, w);
      ch = co;
      if (s.downAttention[i]) macs += transformer(co, h, w);
      skips.push(co);
    }
    if (i < s.blockOut.length - 1) {
      h /= 2;
      w /= 2;
      macs += conv(co, co, 3, h, w);
      skips.push(co);
    }
  });
  macs += 2 * resnet(ch, ch, h, w) + transformer(ch, h, w);
  const rev = [...s.blockOut].reverse();
  const upAttention = [...s.downAttention].reverse();
  rev.forEach((co, i) => {
    for (let j = 0; j <= s.layersPerBlock; j++) {
      const skip = skips.pop() as number;
      macs += resnet(ch + skip, co, h, w);
      ch = co;
      if (upAttention[i]) macs += transformer(co, h, w);
    }
    if (i < rev.length - 1) {
      h *= 2;
      w *= 2;
      macs += conv(co, co, 3, h, w);
    }
  });
  macs += conv(c0, s.latentChannels, 3, h, w);
  return macs;
}
