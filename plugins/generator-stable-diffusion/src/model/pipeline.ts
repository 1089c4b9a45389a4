/**
 * Stable Diffusion inference on an SD ONNX folder: prompt encoding, VAE encode/decode, and
 * the denoising loop with classifier-free guidance, img2img strength, seeds and ControlNet
 * residuals. onnxruntime-node runs `session.run` on the calling thread, so the loop yields
 * to the event loop between steps (progress output and Ctrl-C stay alive).
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  EngineError,
  InterruptedError,
  InvalidArgumentError,
  createRng,
  silentProgress,
  type EncoderInfo,
  type ImageTensor,
  type ProgressReporter,
} from '@netsynth/core';
import { DOWN_RESIDUAL_PREFIX, MID_RESIDUAL_INPUT, type UNetResidualExtension, type UNetResiduals } from '../extension.js';
import { readLora, type LoraPair } from '../lora/file.js';
import { mergeLora } from '../lora/merge.js';
import { externalizePatched } from '../lora/side-file.js';
import { enumerateTargets } from '../lora/targets.js';
import { decodeModel, encodeModel } from '../onnx/proto.js';
import { createScheduler, type SchedulerKind } from '@netsynth/schedulers';
import { ClipTokenizer } from '../tokenizer/clip.js';
import { OnnxComponent, type Feed, type RuntimeSettings } from './component.js';
import { readSdFolder, type SdFolder } from './folder.js';

export interface LoraSpec {
  path: string;
  multiplier?: number;
}

export interface LoadOptions extends RuntimeSettings {
  loras?: readonly LoraSpec[];
  /**
   * Merged weights up to this many bytes are inlined in the model bytes; above it they go to a
   * side file (protobuf's 2 GB cap; see side-file.ts). Default 512 MiB.
   */
  inlinePatchLimit?: number;
}

export interface GenerateOptions {
  prompts: readonly string[];
  negativePrompt?: string;
  steps: number;
  /** Classifier-free guidance scale; ≤ 1 runs the conditional branch only. */
  guidance: number;
  scheduler: SchedulerKind;
  eta?: number;
  seed: number;
  /** Pixel size when the UNet's spatial dims are symbolic (multiples of 8). */
  height?: number;
  width?: number;
  /** img2img: start from these images (B×3×H×W in [−1, 1]) noised to `strength` ∈ (0, 1]. */
  init?: { images: Float32Array; strength: number };
  extensions?: readonly UNetResidualExtension[];
  /** Passed through to extensions' prepare(). */
  context?: { labels: string[]; references: ImageTensor[][]; encoderInfo?: EncoderInfo };
  onStep?: (done: number, total: number) => void;
  signal?: AbortSignal;
  progress?: ProgressReporter;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function numericDim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

export class StableDiffusion {
  private zeroResiduals: Map<string, Float32Array> | undefined;
  private constructor(
    readonly folder: SdFolder,
    readonly tokenizer: ClipTokenizer,
    readonly textEncoder: OnnxComponent,
    readonly unet: OnnxComponent,
    readonly vaeDecoder: OnnxComponent,
    readonly vaeEncoder: OnnxComponent | undefined,
    /** Initializers changed by LoRA merging, per component. */
    readonly patched: { unet: string[]; text_encoder: string[] },
  ) {}

  static async load(dir: string, o: LoadOptions = {}): Promise<StableDiffusion> {
    const folder = await readSdFolder(dir);
    const tokenizer = await ClipTokenizer.fromFolder(folder.tokenizerDir);
    const rt: RuntimeSettings = {
      ...(o.threads !== undefined && { threads: o.threads }),
      ...(o.worker && { worker: true }),
      ...(o.signal && { signal: o.signal }),
      ...(o.executionProviders && { executionProviders: o.executionProviders }),
      ...(o.onWarning && { onWarning: o.onWarning }),
    };
    const patched = { unet: [] as string[], text_encoder: [] as string[] };
    const limit = o.inlinePatchLimit ?? 512 * 1024 * 1024;
    type Prepared = { bytes?: Uint8Array; folder?: string; cleanup?: () => Promise<void> };
    const unetP: Prepared = {};
    const teP: Prepared = {};
    if (o.loras?.length) {
      const unetModel = decodeModel(await readFile(folder.unet));
      const teModel = decodeModel(await readFile(folder.textEncoder));
      const targets = { unet: enumerateTargets(unetModel), text_encoder: enumerateTargets(teModel) };
      const unetPairs: { pair: LoraPair; multiplier: number }[] = [];
      const tePairs: { pair: LoraPair; multiplier: number }[] = [];
      for (const l of o.loras) {
        const { pairs } = await readLora(l.path, targets);
        for (const pair of pairs) (pair.component === 'unet' ? unetPairs : tePairs).push({ pair, multiplier: l.multiplier ?? 1 });
      }
      const prepare = async (model: typeof unetModel, path: string, pairs: typeof unetPairs, into: Prepared): Promise<string[]> => {
        if (!pairs.length) return [];
        const names = (await mergeLora(model, dirname(path), path, pairs)).patched;
        const size = model.graph.initializer.filter((t) => names.includes(t.name)).reduce((a, t) => a + (t.rawData?.byteLength ?? 0), 0);
        if (size > limit) {
          const side = await externalizePatched(model, names, dirname(path));
          into.folder = side.folder;
          into.cleanup = side.cleanup;
        }
        into.bytes = encodeModel(model);
        return names;
      };
      patched.unet = await prepare(unetModel, folder.unet, unetPairs, unetP);
      patched.text_encoder = await prepare(teModel, folder.textEncoder, tePairs, teP);
    }
    const settled = await Promise.allSettled([
      OnnxComponent.load(folder.textEncoder, teP.bytes, rt, teP.folder, teP.cleanup),
      OnnxComponent.load(folder.unet, unetP.bytes, rt, unetP.folder, unetP.cleanup),
      OnnxComponent.load(folder.vaeDecoder, undefined, rt),
      folder.vaeEncoder ? OnnxComponent.load(folder.vaeEncoder, undefined, rt) : Promise.resolve(undefined),
    ]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Release what did load (sessions, worker threads, side files) before reporting.
      await Promise.all(settled.map(async (r) => (r.status === 'fulfilled' ? r.value?.dispose() : undefined)));
      throw failed.reason;
    }
    const [te, unet, vd, ve] = settled.map((r) => (r as PromiseFulfilledResult<OnnxComponent | undefined>).value) as [
      OnnxComponent,
      OnnxComponent,
      OnnxComponent,
      OnnxComponent | undefined,
    ];
    return new StableDiffusion(folder, tokenizer, te, unet, vd, ve, patched);
  }

  /** Latent size: the UNet's static spatial dims, or the requested pixel size / 8. */
  latentSize(height?: number, width?: number): { h: number; w: number } {
    const s = this.unet.input('sample').shape;
    const h = numericDim(s[2]) ?? (height !== undefined ? height / 8 : 64);
    const w = numericDim(s[3]) ?? (width !== undefined ? width / 8 : 64);
    if (!Number.isInteger(h) || !Number.isInteger(w)) throw new InvalidArgumentError(`image size ${height}×${width} is not a multiple of 8`);
    return { h, w };
  }

  get latentChannels(): number {
    return numericDim(this.unet.input('sample').shape[1]) ?? 4;
  }

  /** Text embeddings [B, L, D] of the prompts. */
  async encodePrompts(prompts: readonly string[]): Promise<{ data: Float32Array; dims: number[] }> {
    const L = this.tokenizer.maxLength;
    const ids = new BigInt64Array(prompts.length * L);
    prompts.forEach((p, b) => this.tokenizer.encode(p).forEach((id, j) => (ids[b * L + j] = BigInt(id))));
    const inName = this.textEncoder.findInput('input_ids')?.name ?? [...this.textEncoder.inputs.keys()][0];
    if (!inName) throw new EngineError('text encoder has no inputs');
    const outName = this.textEncoder.outputs.has('last_hidden_state') ? 'last_hidden_state' : ([...this.textEncoder.outputs.keys()][0] as string);
    const r = await this.textEncoder.run({ [inName]: { data: ids, dims: [prompts.length, L] } }, [outName]);
    return r[outName] as { data: Float32Array; dims: number[] };
  }

  /** VAE encode images [B,3,H,W] in [−1,1] → scaled latents (sampled with `seed` from the posterior when it has mean+logvar). */
  async encodeImages(
    images: Float32Array,
    dims: readonly number[],
    seed: number,
    mode: 'sample' | 'mean' = 'sample',
  ): Promise<{ data: Float32Array; dims: number[] }> {
    if (!this.vaeEncoder) throw new EngineError(`${this.folder.dir} has no vae_encoder/model.onnx (needed for img2img and LoRA training)`);
    const inName = [...this.vaeEncoder.inputs.keys()][0] as string;
    const r = await this.vaeEncoder.run({ [inName]: { data: images, dims } });
    const out = Object.values(r)[0] as { data: Float32Array; dims: number[] };
    const [b, c, h, w] = out.dims as [number, number, number, number];
    const lc = this.latentChannels;
    const hw = h * w;
    const z = new Float32Array(b * lc * hw);
    const rng = createRng(seed);
    for (let n = 0; n < b; n++)
      for (let k = 0; k < lc; k++)
        for (let p = 0; p < hw; p++) {
          const mean = out.data[(n * c + k) * hw + p] as number;
          let v = mean;
          if (c === 2 * lc && mode === 'sample') {
            const logvar = Math.min(20, Math.max(-30, out.data[(n * c + lc + k) * hw + p] as number));
            v = mean + Math.exp(0.5 * logvar) * rng.normal();
          }
          z[(n * lc + k) * hw + p] = v * this.folder.scalingFactor;
        }
    return { data: z, dims: [b, lc, h, w] };
  }

  /** Latents → images [B,3,H,W] in [−1,1] (clamped). */
  async decodeLatents(latents: Float32Array, dims: readonly number[]): Promise<{ data: Float32Array; dims: number[] }> {
    const inName = this.vaeDecoder.findInput('latent_sample')?.name ?? ([...this.vaeDecoder.inputs.keys()][0] as string);
    const scaled = latents.map((v) => v / this.folder.scalingFactor);
    const r = await this.vaeDecoder.run({ [inName]: { data: scaled, dims } });
    const out = (r.sample ?? Object.values(r)[0]) as { data: Float32Array; dims: number[] };
    return { data: out.data.map((v) => Math.max(-1, Math.min(1, v))), dims: out.dims };
  }

  /** Names and dims (for UNet batch `n`) of the residual inputs the UNet accepts. */
  residualInputs(n: number, lh: number, lw: number): { down: { name: string; dims: number[] }[]; mid: { name: string; dims: number[] } } | null {
    const downs = [...this.unet.inputs.values()]
      .filter((i) => i.name.startsWith(DOWN_RESIDUAL_PREFIX))
      .sort((a, b) => Number(a.name.slice(DOWN_RESIDUAL_PREFIX.length)) - Number(b.name.slice(DOWN_RESIDUAL_PREFIX.length)));
    const mid = this.unet.inputs.get(MID_RESIDUAL_INPUT);
    if (!downs.length || !mid) return null;
    // Spatial divisor of each residual: from static dims against the UNet's static latent
    // size, else SD 1.x's layout (12 down residuals at /1,/1,/1,/2,/2,/2,/4,/4,/4,/8,/8,/8; mid /8).
    const sd1 = [1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8];
    const sample = this.unet.input('sample').shape;
    const dims = (s: (number | string)[], k: number): number[] => {
      const c = numericDim(s[1]);
      if (c === undefined) throw new EngineError(`residual input has no static channel count`);
      let f: number | undefined;
      const sh = numericDim(s[2]);
      const nh = numericDim(sample[2]);
      if (sh !== undefined && nh !== undefined) f = nh / sh;
      else if (downs.length === 12) f = k < 12 ? sd1[k] : 8;
      if (f === undefined) throw new EngineError(`cannot size residual input ${s.join('x')}: symbolic spatial dims and not the SD 1.x layout`);
      return [n, c, Math.max(1, Math.round(lh / f)), Math.max(1, Math.round(lw / f))];
    };
    return { down: downs.map((d, k) => ({ name: d.name, dims: dims(d.shape, k) })), mid: { name: mid.name, dims: dims(mid.shape, 12) } };
  }

  private timestepFeed(t: number, n: number): Feed {
    const info = this.unet.input('timestep');
    const isInt = info.type.startsWith('int');
    const count = info.shape.length === 0 ? 1 : numericDim(info.shape[0]) === 1 ? 1 : n;
    const dims = info.shape.length === 0 ? [] : [count];
    if (info.type === 'int64') return { data: new BigInt64Array(count).fill(BigInt(Math.round(t))), dims };
    if (info.type === 'int32') return { data: new Int32Array(count).fill(Math.round(t)), dims };
    return { data: new Float32Array(count).fill(isInt ? Math.round(t) : t), dims };
  }

  /** One UNet evaluation; residual inputs get zeros when none are given. */
  async unetStep(
    sample: Float32Array,
    dims: readonly number[],
    t: number,
    hidden: { data: Float32Array; dims: number[] },
    residuals?: UNetResiduals | null,
  ): Promise<Float32Array> {
    const n = dims[0] as number;
    const feeds: Record<string, Feed> = {
      sample: { data: sample, dims },
      timestep: this.timestepFeed(t, n),
      encoder_hidden_states: hidden,
    };
    const ri = this.residualInputs(n, dims[2] as number, dims[3] as number);
    if (ri) {
      const all = [...ri.down, ri.mid];
      const given = residuals ? [...residuals.down, residuals.mid] : undefined;
      if (given && given.length !== all.length) throw new EngineError(`extension returned ${given.length} residuals, the UNet takes ${all.length}`);
      this.zeroResiduals ??= new Map();
      all.forEach((r, k) => {
        const size = r.dims.reduce((a, b) => a * b, 1);
        const g = given?.[k];
        if (g && g.data.length !== size) throw new EngineError(`residual ${r.name} has ${g.data.length} values, needs [${r.dims.join(',')}]`);
        let zero = this.zeroResiduals?.get(`${r.name}:${size}`);
        if (!g && !zero) {
          zero = new Float32Array(size);
          this.zeroResiduals?.set(`${r.name}:${size}`, zero);
        }
        feeds[r.name] = { data: g ? g.data : (zero as Float32Array), dims: r.dims };
      });
    }
    const out = await this.unet.run(feeds);
    return ((out.out_sample ?? Object.values(out)[0]) as { data: Float32Array }).data;
  }

  /** Generates one batch; returns images [B,3,H,W] in [−1,1]. */
  async generate(o: GenerateOptions): Promise<{ data: Float32Array; dims: number[] }> {
    const B = o.prompts.length;
    if (B === 0) throw new InvalidArgumentError('no prompts');
    const { h, w } = this.latentSize(o.height, o.width);
    const C = this.latentChannels;
    const per = C * h * w;
    const sched = createScheduler(this.folder.scheduler, { kind: o.scheduler, steps: o.steps, ...(o.eta !== undefined && { eta: o.eta }) });
    const rng = createRng(o.seed);
    const normal = (): number => rng.normal();
    const cfg = o.guidance > 1;
    const cond = await this.encodePrompts(o.prompts);
    let hidden = cond;
    if (cfg) {
      const uncond = await this.encodePrompts(new Array<string>(B).fill(o.negativePrompt ?? ''));
      const data = new Float32Array(2 * cond.data.length);
      data.set(uncond.data, 0);
      data.set(cond.data, cond.data.length);
      hidden = { data, dims: [2 * B, ...cond.dims.slice(1)] };
    }
    // Starting latents: pure noise, or the init images' latents noised to the start level.
    let start = 0;
    let x: Float32Array = new Float32Array(B * per);
    const noise = Float32Array.from({ length: B * per }, normal);
    if (o.init) {
      const s = o.init.strength;
      if (!(s > 0 && s <= 1)) throw new InvalidArgumentError(`img2img strength ${s} must be in (0, 1]`);
      const initSteps = Math.min(Math.floor(o.steps * s), o.steps);
      start = Math.max(o.steps - initSteps, 0);
      if (start >= o.steps) start = o.steps - 1;
      const z = await this.encodeImages(o.init.images, [B, 3, h * 8, w * 8], o.seed + 1);
      x = sched.addNoise(z.data, noise, start);
    } else for (let k = 0; k < x.length; k++) x[k] = (noise[k] as number) * sched.initNoiseSigma;

    const exts = o.extensions ?? [];
    const n = cfg ? 2 * B : B;
    const ri = this.residualInputs(n, h, w);
    if (exts.length && !ri)
      throw new EngineError(
        `${this.folder.unet} takes no ControlNet residual inputs (${DOWN_RESIDUAL_PREFIX}N, ${MID_RESIDUAL_INPUT}); export the UNet with them`,
      );
    for (const e of exts) {
      await e.prepare({
        modelDir: this.folder.dir,
        batch: B,
        imageHeight: h * 8,
        imageWidth: w * 8,
        latentHeight: h,
        latentWidth: w,
        labels: o.context?.labels ?? new Array<string>(B).fill(''),
        references: o.context?.references ?? Array.from({ length: B }, () => []),
        ...(o.context?.encoderInfo && { encoderInfo: o.context.encoderInfo }),
        residualInputs: ri as NonNullable<typeof ri>,
        guidance: cfg,
        seed: o.seed,
        progress: o.progress ?? silentProgress,
      });
    }
    const total = o.steps - start;
    for (let i = start; i < o.steps; i++) {
      if (o.signal?.aborted) throw new InterruptedError('sampling interrupted');
      const t = sched.timesteps[i] as number;
      const scaled = sched.scaleModelInput(x, i);
      const input = cfg ? new Float32Array(2 * scaled.length) : scaled;
      if (cfg) {
        input.set(scaled, 0);
        input.set(scaled, scaled.length);
      }
      const dims = [n, C, h, w];
      let residuals: UNetResiduals | null = null;
      for (const e of exts) {
        const r = await e.residuals({
          timestep: t,
          stepIndex: i - start,
          totalSteps: total,
          latents: input,
          latentDims: dims,
          encoderHiddenStates: hidden.data,
          hiddenDims: hidden.dims,
        });
        if (!r) continue;
        if (!residuals)
          residuals = {
            down: r.down.map((d) => ({ data: new Float32Array(d.data), dims: d.dims })),
            mid: { data: new Float32Array(r.mid.data), dims: r.mid.dims },
          };
        else {
          r.down.forEach((d, k) => {
            const acc = residuals?.down[k]?.data as Float32Array;
            for (let q = 0; q < acc.length; q++) acc[q] = (acc[q] as number) + (d.data[q] as number);
          });
          const m = residuals.mid.data;
          for (let q = 0; q < m.length; q++) m[q] = (m[q] as number) + (r.mid.data[q] as number);
        }
      }
      const out = await this.unetStep(input, dims, t, hidden, residuals);
      let eps: Float32Array;
      if (cfg) {
        eps = new Float32Array(B * per);
        const off = B * per;
        for (let k = 0; k < eps.length; k++) {
          const u = out[k] as number;
          eps[k] = u + o.guidance * ((out[off + k] as number) - u);
        }
      } else eps = out;
      x = sched.step(eps, i, x, normal);
      o.onStep?.(i - start + 1, total);
      await yieldToLoop();
    }
    return this.decodeLatents(x, [B, C, h, w]);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.textEncoder.dispose(), this.unet.dispose(), this.vaeDecoder.dispose(), this.vaeEncoder?.dispose()]);
  }
}
