import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { InvalidArgumentError, ModelFileError, createRng, deriveSeed, type ImageTensor } from '@netsynth/core';
import type { ResidualPrepareArgs, ResidualStepArgs, ResidualTensor, UNetResidualExtension, UNetResiduals } from '@netsynth/generator-stable-diffusion';
import { controlMap, stackControl } from './control/control-map.js';
import type { RgbImage } from './control/rgb.js';
import { ControlNetModel } from './model/controlnet-model.js';
import { controlActive, type ControlNetOptions } from './options.js';
import { buildTinyControlNet, readTinyFolder } from './tiny/build.js';

export const EXTENSION_NAME = '@netsynth/generator-controlnet';

interface Prepared {
  model: ControlNetModel;
  /** Control images of the image batch (B), RGB [0,1], and whether each item has one. */
  cond: Float32Array;
  condDims: number[];
  hasControl: boolean[];
  guidance: boolean;
  residualInputs: ResidualPrepareArgs['residualInputs'];
}

/**
 * The ControlNet beside the SD UNet: `prepare` loads the ONNX ControlNet (once) and makes one
 * control image per batch item from a real sample of its label; `residuals` runs the
 * ControlNet on the UNet's own inputs at every step inside the guidance window.
 */
export class ControlNetExtension implements UNetResidualExtension {
  readonly name = EXTENSION_NAME;
  readonly role = 'controlnet' as const;
  private model: ControlNetModel | undefined;
  private prepared: Prepared | undefined;
  /** The control images of the last prepared batch (for reports and tests). */
  lastControl: RgbImage[] = [];

  constructor(
    readonly options: ControlNetOptions,
    private readonly env: { seed: number; baseDir: string; workDir?: string; executionProviders?: readonly string[] },
  ) {}

  /** Where the ControlNet is: the `model` option, else `<SD folder>/controlnet/model.onnx`. */
  modelPath(modelDir: string): string {
    const m = this.options.model;
    if (m === undefined) return join(modelDir, 'controlnet', 'model.onnx');
    return isAbsolute(m) ? m : resolve(this.env.baseDir, m);
  }

  async prepare(args: ResidualPrepareArgs): Promise<void> {
    const path = this.options.tiny ? await this.tinyModel(args.modelDir, args.progress) : this.modelPath(args.modelDir);
    if (!this.model || this.model.path !== path) {
      await this.model?.dispose();
      const providers = this.options.runtime.executionProviders ?? this.env.executionProviders;
      this.model = await ControlNetModel.load(path, {
        ...this.options.runtime,
        ...(providers && { executionProviders: providers }),
        onWarning: (m) => args.progress.warn(m),
        ...(this.options.inputNames && { inputNames: stripUndefined(this.options.inputNames) }),
      });
    }
    const model = this.model;
    if (model.downCount !== args.residualInputs.down.length) {
      throw new ModelFileError(
        `the ControlNet gives ${model.downCount} down residuals, the UNet takes ${args.residualInputs.down.length} (${args.residualInputs.down.map((d) => d.name).join(', ')}): they are not a pair`,
        path,
      );
    }
    const rng = createRng(deriveSeed(this.env.seed, `reference:${args.seed}`));
    const counters = new Map<string, number>();
    const images: RgbImage[] = [];
    const hasControl: boolean[] = [];
    for (let i = 0; i < args.batch; i++) {
      const label = args.labels[i] ?? '';
      const refs = args.references[i] ?? [];
      const k = counters.get(label) ?? 0;
      counters.set(label, k + 1);
      const ref = pickReference(refs, this.options.reference === 'cycle' ? k % Math.max(1, refs.length) : rng.int(Math.max(1, refs.length)));
      hasControl.push(ref !== undefined);
      images.push(
        ref
          ? controlMap(ref, args.encoderInfo, { kind: this.options.control, width: args.imageWidth, height: args.imageHeight, canny: this.options.canny })
          : { width: args.imageWidth, height: args.imageHeight, data: new Float32Array(3 * args.imageWidth * args.imageHeight) },
      );
    }
    this.lastControl = images;
    const stacked = stackControl(images);
    this.prepared = { model, cond: stacked.data, condDims: stacked.shape, hasControl, guidance: args.guidance, residualInputs: args.residualInputs };
  }

  /**
   * The tiny ControlNet for a tiny SD folder, built once into the work folder under a name
   * derived from the folder's netsynth_tiny.json and the options (same inputs → same file,
   * reused on resume; a different SD folder gets its own).
   */
  private async tinyModel(modelDir: string, progress: ResidualPrepareArgs['progress']): Promise<string> {
    const tiny = this.options.tiny as NonNullable<ControlNetOptions['tiny']>;
    const folder = await readTinyFolder(modelDir);
    const key = createHash('sha256').update(JSON.stringify({ folder, tiny })).digest('hex').slice(0, 16);
    const outDir = join(this.env.workDir ?? join(modelDir, 'controlnet-tiny'), `tiny-controlnet-${key}`);
    const path = join(outDir, 'model.onnx');
    if (!existsSync(path)) {
      progress.log(`building a tiny ControlNet for ${modelDir} in ${outDir}`);
      await buildTinyControlNet(modelDir, {
        seed: tiny.seed,
        perturb: tiny.perturb,
        ...(tiny.conditioningChannels && { conditioningChannels: tiny.conditioningChannels }),
        outDir,
      });
    }
    return path;
  }

  async residuals(args: ResidualStepArgs): Promise<UNetResiduals | null> {
    const p = this.prepared;
    if (!p) throw new InvalidArgumentError('ControlNet residuals asked for before prepare()');
    const o = this.options;
    if (o.conditioningScale === 0 || !controlActive(args.stepIndex, args.totalSteps, o.guidanceStart, o.guidanceEnd)) return null;
    if (!p.hasControl.some(Boolean)) return null;
    const unetBatch = args.latentDims[0] ?? 1;
    const copies = unetBatch / (p.condDims[0] ?? 1);
    if (!Number.isInteger(copies) || copies < 1) {
      throw new InvalidArgumentError(`UNet batch ${unetBatch} is not a multiple of the ${p.condDims[0]} control images`);
    }
    // With classifier-free guidance the UNet batch is [uncond B, cond B]; both halves get the
    // control, as diffusers does outside guess mode.
    const cond = repeatBatch(p.cond, copies);
    const out = await p.model.run({
      sample: args.latents,
      sampleDims: args.latentDims,
      timestep: args.timestep,
      encoderHiddenStates: args.encoderHiddenStates,
      hiddenDims: args.hiddenDims,
      cond,
      condDims: [unetBatch, ...p.condDims.slice(1)],
      conditioningScale: o.conditioningScale,
    });
    const keep = Array.from({ length: unetBatch }, (_, i) => p.hasControl[i % p.hasControl.length] === true);
    const fit = (r: { data: Float32Array; dims: number[] }, want: { name: string; dims: number[] }): ResidualTensor => {
      if (r.dims.length !== want.dims.length || r.dims.some((d, i) => d !== want.dims[i])) {
        throw new ModelFileError(`ControlNet residual for ${want.name} is [${r.dims.join(',')}], the UNet takes [${want.dims.join(',')}]`, p.model.path);
      }
      // Items whose label had no real sample get no steering at all.
      if (!keep.every(Boolean)) zeroItems(r.data, unetBatch, keep);
      return { data: r.data, dims: r.dims };
    };
    return {
      down: out.down.map((r, i) => fit(r, p.residualInputs.down[i] as { name: string; dims: number[] })),
      mid: fit(out.mid, p.residualInputs.mid),
    };
  }

  async dispose(): Promise<void> {
    await this.model?.dispose();
    this.model = undefined;
    this.prepared = undefined;
  }
}

function pickReference(refs: readonly ImageTensor[], index: number): ImageTensor | undefined {
  return refs.length ? refs[index] : undefined;
}

function repeatBatch(data: Float32Array, copies: number): Float32Array {
  if (copies === 1) return data;
  const out = new Float32Array(data.length * copies);
  for (let c = 0; c < copies; c++) out.set(data, c * data.length);
  return out;
}

function zeroItems(data: Float32Array, batch: number, keep: readonly boolean[]): void {
  const per = data.length / batch;
  keep.forEach((k, i) => {
    if (!k) data.fill(0, i * per, (i + 1) * per);
  });
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
