/**
 * `buildTinyControlNet(sdDir)`: a ControlNet ONNX file matched to the tiny Stable Diffusion
 * folder made by @netsynth/generator-stable-diffusion's `buildTinyStableDiffusion` — same
 * UNet config (read from the folder's `netsynth_tiny.json`), down/mid weights copied from
 * that UNet (diffusers' `ControlNetModel.from_unet`), written to `<sdDir>/controlnet/model.onnx`.
 *
 * Inputs: sample [B,4,h,w], timestep [B] float, encoder_hidden_states [B,L,D],
 * controlnet_cond [B,3,8h,8w] (RGB in [0,1]), conditioning_scale [1] float (optional);
 * outputs down_block_res_sample_<i> (one per UNet `down_block_<i>` input) and
 * mid_block_res_sample, in that order.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelFileError, createRng, deriveSeed, writeFileAtomic } from '@netsynth/core';
import { Graph, initParameters, serializeGraph, type Value } from '@netsynth/nn';
import { createTinyUNet, decodeModel, encodeModel, namedTraceContext, toFloat16, type TinyUNetConfig } from '@netsynth/generator-stable-diffusion';
import { TinyControlNet } from './tiny-controlnet.js';

export interface TinyControlNetOptions {
  /** Seed of the conditioning embedding's initial weights (and of `perturb`). Default 0. */
  seed?: number;
  /** Conditioning embedding widths; 4 entries = three stride-2 steps = the VAE's ×8. Default [8, 16, 32, 32]. */
  conditioningChannels?: number[];
  /**
   * 0 (default): zero convs and the embedding's conv_out start at zero, as a fresh diffusers
   * ControlNet — its residuals are exactly 0. > 0: they are drawn from N(0, perturb²) instead,
   * standing in for a trained ControlNet (tests, benchmarks).
   */
  perturb?: number;
  /** Copy conv_in / time_embedding / down_blocks / mid_block from the folder's UNet (default true). */
  copyUNet?: boolean;
  /** Give the graph a `conditioning_scale` input (default true); without it the runner scales outputs. */
  scaleInput?: boolean;
  /** Store weights and float inputs/outputs as float16 (default: as the SD folder was built). */
  fp16?: boolean;
  /** Output folder (default `<sdDir>/controlnet`). */
  outDir?: string;
  force?: boolean;
}

export interface TinyControlNetInfo {
  path: string;
  downResiduals: number;
  /** Residual shapes for batch 1, down then mid, as the UNet's inputs take them. */
  residuals: { name: string; dims: number[] }[];
  conditioningSize: [number, number];
  parameters: number;
}

interface TinyFolderFile {
  options: Record<string, unknown> & { seed?: number };
  info: {
    resolution: number;
    latentSize: number;
    unet: TinyUNetConfig;
    textDim: number;
    maxLength: number;
    residualInputs: { name: string; dims: number[] }[];
  };
}

export async function readTinyFolder(sdDir: string): Promise<TinyFolderFile> {
  const file = join(sdDir, 'netsynth_tiny.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as TinyFolderFile;
  } catch (e) {
    throw new ModelFileError('not a tiny SD folder made by buildTinyStableDiffusion (no readable netsynth_tiny.json)', file, undefined, e);
  }
}

/** The ControlNet module for a tiny SD folder, with initial (or perturbed) weights. */
export async function createTinyControlNet(sdDir: string, o: TinyControlNetOptions = {}): Promise<{ net: TinyControlNet; folder: TinyFolderFile }> {
  const folder = await readTinyFolder(sdDir);
  const net = new TinyControlNet({ unet: folder.info.unet, conditioningChannels: o.conditioningChannels ?? [8, 16, 32, 32] });
  const seed = o.seed ?? 0;
  initParameters(net, seed);
  if (o.copyUNet ?? true) {
    const unet = createTinyUNet(folder.options);
    const source = new Map(unet.namedParameters());
    for (const [name, p] of net.namedParameters()) {
      const from = source.get(name);
      if (from && !name.startsWith('controlnet_')) p.data.set(from.data);
    }
  }
  const perturb = o.perturb ?? 0;
  for (const [name, p] of net.namedParameters()) {
    if (!TinyControlNet.zeroInitialised(name)) continue;
    if (perturb === 0) p.data.fill(0);
    else {
      const rng = createRng(deriveSeed(seed, `perturb:${name}`));
      for (let i = 0; i < p.data.length; i++) p.data[i] = rng.normal() * perturb;
    }
  }
  return { net, folder };
}

/** Builds the tiny ControlNet for `sdDir` and writes it as `controlnet/model.onnx`. */
export async function buildTinyControlNet(sdDir: string, o: TinyControlNetOptions = {}): Promise<TinyControlNetInfo> {
  const { net, folder } = await createTinyControlNet(sdDir, o);
  const path = join(o.outDir ?? join(sdDir, 'controlnet'), 'model.onnx');
  let bytes = exportTinyControlNet(net, folder.info, o.scaleInput ?? true);
  if (o.fp16 ?? folder.options['fp16'] === true) {
    // The SD package's fp16 storage, so a tiny fp16 folder gets an fp16 ControlNet like a real one.
    const model = decodeModel(bytes);
    toFloat16(model);
    bytes = encodeModel(model);
  }
  await writeFileAtomic(path, bytes, { force: o.force ?? false });
  const lat = folder.info.latentSize;
  const residuals = net.residualLayout();
  return {
    path,
    downResiduals: residuals.down.length,
    residuals: [
      ...residuals.down.map((d, i) => ({ name: `down_block_res_sample_${i}`, dims: [1, d.channels, lat / d.factor, lat / d.factor] })),
      { name: 'mid_block_res_sample', dims: [1, residuals.mid.channels, lat / residuals.mid.factor, lat / residuals.mid.factor] },
    ],
    conditioningSize: [folder.info.resolution, folder.info.resolution],
    parameters: net
      .namedParameters()
      .filter(([n]) => TinyControlNet.ownPrefixes.some((pre) => n.startsWith(pre)))
      .reduce((a, [, p]) => a + p.size, 0),
  };
}

/** ONNX bytes of the ControlNet; initializers carry their state_dict names. */
export function exportTinyControlNet(net: TinyControlNet, info: TinyFolderFile['info'], scaleInput: boolean): Uint8Array {
  const graph = new Graph();
  const ctx = namedTraceContext(graph, net);
  const lat = info.latentSize;
  const res = info.resolution;
  const sample = graph.input('sample', [1, net.cfg.latentChannels, lat, lat]);
  const timestep = graph.input('timestep', [1]);
  const hidden = graph.input('encoder_hidden_states', [1, info.maxLength, info.textDim]);
  const cond = graph.input('controlnet_cond', [1, 3, res, res]);
  const scale = scaleInput ? graph.input('conditioning_scale', [1]) : null;
  const out = net.controlForward(ctx, sample, timestep, hidden, cond, scale);
  const outputs: Record<string, Value> = {};
  out.down.forEach((v, i) => (outputs[`down_block_res_sample_${i}`] = v));
  outputs['mid_block_res_sample'] = out.mid;
  const batch = { 0: 'batch' };
  return serializeGraph(graph, outputs, {
    dynamicAxes: { sample: batch, timestep: batch, encoder_hidden_states: batch, controlnet_cond: batch },
    omitOutputShapes: true,
    metadata: {
      netsynth_model: 'tiny-controlnet',
      down_residuals: String(out.down.length),
      conditioning_channels: net.controlCfg.conditioningChannels.join(','),
    },
  });
}
