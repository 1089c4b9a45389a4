/**
 * The Generator: `fit` trains a LoRA on the encoded images (one caption per class) against
 * a Stable Diffusion ONNX folder and writes the model folder:
 *   lora.safetensors (kohya), sd-generator.json (base model path, geometry, captions,
 *   encoder info), lora-checkpoint.safetensors (resume), base/ (only for model "tiny").
 * `sample` merges the LoRA (and any extra LoRA files) into the base weights, generates n
 * images per label (ControlNet extensions from ctx.extensions add their residuals) and maps
 * them back to the encoder's tensor shape.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  EngineError,
  InvalidArgumentError,
  ModelFileError,
  createImageTensor,
  deriveSeed,
  writeFileAtomic,
  type EncoderInfo,
  type FitResult,
  type GeneratedSample,
  type Generator,
  type GeneratorExtension,
  type ImageTensor,
  type PluginContext,
  type SampleRequest,
  type TrainingSet,
} from '@netsynth/core';
import { pluginRuntime } from '@netsynth/nn';
import { isUNetResidualExtension } from '../extension.js';
import { StableDiffusion } from '../model/pipeline.js';
import { buildTinyStableDiffusion } from '../tiny/build.js';
import { saveKohyaLora, trainLora } from '../lora/train.js';
import { captionFor } from './captions.js';
import { Geometry, medianFill, type GeometryConfig } from './geometry.js';
import type { SdOptions } from './options.js';

export const GENERATOR_NAME = '@netsynth/generator-stable-diffusion';
const META = 'sd-generator.json';
const LORA = 'lora.safetensors';
const CHECKPOINT = 'lora-checkpoint.safetensors';

interface ModelMeta {
  format: 'netsynth-sd-generator-1';
  baseModel: string;
  labels: string[];
  geometry: GeometryConfig;
  encoder: { name: string; info: EncoderInfo };
  steps: number;
  finalLoss: number | null;
  rank: number;
  alpha: number;
}

export class StableDiffusionGenerator implements Generator {
  readonly name = GENERATOR_NAME;
  constructor(
    readonly options: SdOptions,
    private readonly createExtensions: readonly GeneratorExtension[] = [],
  ) {}

  /** The base SD folder: the configured path, or the tiny model built into `modelDir/base`. */
  private async baseModel(modelDir: string, ctx: PluginContext): Promise<string> {
    if (this.options.model === 'tiny') {
      const dir = join(modelDir, 'base');
      if (!existsSync(join(dir, 'netsynth_tiny.json'))) {
        ctx.progress.log(`building the tiny Stable Diffusion model in ${dir}`);
        await buildTinyStableDiffusion(dir, { ...this.options.tiny, force: true });
      }
      return dir;
    }
    const dir = isAbsolute(this.options.model) ? this.options.model : resolve(ctx.baseDir, this.options.model);
    if (!existsSync(join(dir, 'model_index.json')))
      throw new ModelFileError('not a Stable Diffusion ONNX folder (no model_index.json); see the README for how to export one', dir);
    return dir;
  }

  /** Sampling geometry, or the training one when `train.resolution` overrides the size. */
  private geometryFor(sd: StableDiffusion, info: EncoderInfo, fill: number[], training = false): GeometryConfig {
    const o = this.options.image;
    const s = sd.unet.input('sample').shape;
    const staticSize = typeof s[2] === 'number' && s[2] > 0 ? s[2] * 8 : undefined;
    const native = staticSize ?? o.size ?? 512;
    if (staticSize !== undefined && o.size !== undefined && o.size !== staticSize)
      throw new InvalidArgumentError(`image.size ${o.size} differs from the UNet's fixed size ${staticSize}`, { configPath: 'generator.options.image.size' });
    const tr = training ? this.options.train.resolution : undefined;
    if (tr !== undefined && tr !== native) {
      if (staticSize !== undefined)
        throw new InvalidArgumentError(`train.resolution ${tr} differs from the UNet's fixed size ${staticSize}`, {
          configPath: 'generator.options.train.resolution',
        });
      // Tiles and crops are cut at the model size; training them at another size would teach other windows.
      if (o.mode !== 'resize')
        throw new InvalidArgumentError(`train.resolution differs from the sampling size ${native}: only image.mode "resize" can train at another size`, {
          configPath: 'generator.options.train.resolution',
        });
    }
    return {
      mode: o.mode,
      native: tr ?? native,
      channels: info.channels,
      height: info.height,
      width: info.width,
      valueRange: info.valueRange,
      fill,
      cropX: o.cropX,
      cropY: o.cropY,
    };
  }

  /** This plugin's `executionProviders`, else the run's; fallback warnings go to the run's progress. */
  private providers(ctx: PluginContext): { executionProviders?: readonly string[]; onWarning?: (m: string) => void } {
    const rt = pluginRuntime(ctx, this.options.executionProviders);
    return { ...(rt.executionProviders && { executionProviders: rt.executionProviders }), ...(rt.onWarning && { onWarning: rt.onWarning }) };
  }

  async fit(data: TrainingSet, modelDir: string, ctx: PluginContext): Promise<FitResult> {
    if (!data.tensors.length) throw new InvalidArgumentError('no training images');
    const base = await this.baseModel(modelDir, ctx);
    const sd = await StableDiffusion.load(base, {
      worker: this.options.worker,
      ...this.providers(ctx),
      ...(ctx.signal && { signal: ctx.signal }),
      ...(this.options.threads !== undefined && { threads: this.options.threads }),
    });
    try {
      const labels = [...new Set(data.labels)].sort();
      const fill = this.options.image.fill ?? medianFill(data.tensors);
      const geo = new Geometry(this.geometryFor(sd, data.encoder.info, fill, true));
      const sampleGeometry = this.geometryFor(sd, data.encoder.info, fill);
      const n = geo.c.native;
      // Model-space images and their captions (one per tile in tile mode).
      const images: ImageTensor[] = [];
      const captions: string[] = [];
      data.tensors.forEach((t, i) => {
        const label = data.labels[i] as string;
        for (const tile of geo.toModel(t)) {
          images.push(tile.image);
          captions.push(captionFor(this.options.captions, labels, label, geo.c.mode === 'tile' ? tile : undefined));
        }
      });
      const prep = ctx.progress.start('sd: encode images', images.length, 'images');
      const lat: Float32Array[] = [];
      let latDims: number[] = [];
      for (let i = 0; i < images.length; i++) {
        const z = await sd.encodeImages((images[i] as ImageTensor).data, [1, 3, n, n], deriveSeed(ctx.seed, `vae:${i}`), 'mean');
        lat.push(z.data);
        latDims = z.dims;
        prep.tick();
      }
      prep.done();
      const uniq = [...new Set(captions)];
      const emb = new Map<string, Float32Array>();
      let hDims: number[] = [];
      for (const c of uniq) {
        const e = await sd.encodePrompts([c]);
        emb.set(c, e.data);
        hDims = e.dims;
      }
      const per = lat[0]?.length ?? 0;
      const latents = new Float32Array(images.length * per);
      lat.forEach((z, i) => latents.set(z, i * per));
      const hper = (hDims[1] as number) * (hDims[2] as number);
      const hidden = new Float32Array(images.length * hper);
      captions.forEach((c, i) => hidden.set(emb.get(c) as Float32Array, i * hper));
      const t = this.options.train;
      const alpha = t.alpha ?? t.rank;
      const task = ctx.progress.start('sd: LoRA training', t.steps, 'steps');
      let last: number | null = null;
      const res = await trainLora(
        sd.folder.unet,
        sd.folder.scheduler,
        {
          latents,
          latentDims: [images.length, latDims[1] as number, latDims[2] as number, latDims[3] as number],
          hidden,
          hiddenDims: [images.length, hDims[1] as number, hDims[2] as number],
        },
        {
          rank: t.rank,
          alpha,
          lr: t.lr,
          steps: t.steps,
          batchSize: Math.min(t.batchSize, images.length),
          targets: t.targets,
          seed: ctx.seed,
          checkpointPath: join(modelDir, CHECKPOINT),
          checkpointEvery: t.checkpointEvery,
          // A >1 GiB base (SD 1.5) trains from an external-data graph; its side file goes in the model folder, not /tmp.
          externalDataDir: modelDir,
          ...(this.options.threads !== undefined && { threads: this.options.threads }),
          ...this.providers(ctx),
          ...(ctx.signal && { signal: ctx.signal }),
          onStep: (step, loss) => {
            last = loss;
            task.update(step, `loss ${loss.toPrecision(4)}`);
          },
        },
      );
      task.done(last === null ? 'no steps' : `final loss ${(last as number).toPrecision(4)}`);
      await saveKohyaLora(join(modelDir, LORA), res.lora, res.trainer, {
        ss_output_name: 'netsynth',
        ss_tag_frequency: JSON.stringify(Object.fromEntries(uniq.map((c) => [c, captions.filter((x) => x === c).length]))),
      });
      await res.trainer.dispose();
      const meta: ModelMeta = {
        format: 'netsynth-sd-generator-1',
        baseModel: base,
        labels,
        geometry: sampleGeometry,
        encoder: { name: data.encoder.name, info: data.encoder.info },
        steps: res.steps,
        finalLoss: last,
        rank: t.rank,
        alpha,
      };
      await writeFileAtomic(join(modelDir, META), JSON.stringify(meta, null, 2), { force: true });
      return {
        modelDir,
        steps: res.steps,
        ...(last !== null && { finalLoss: last }),
        ...(res.resumedFromStep !== undefined && { resumedFromStep: res.resumedFromStep }),
      };
    } finally {
      await sd.dispose();
    }
  }

  async sample(modelDir: string, request: SampleRequest, ctx: PluginContext): Promise<GeneratedSample[]> {
    let meta: ModelMeta;
    try {
      meta = JSON.parse(await readFile(join(modelDir, META), 'utf8')) as ModelMeta;
    } catch (e) {
      throw new ModelFileError(`cannot read the generator's model description: ${(e as Error).message}`, join(modelDir, META), undefined, e);
    }
    if (meta.format !== 'netsynth-sd-generator-1') throw new ModelFileError(`unknown format ${String(meta.format)}`, join(modelDir, META));
    const o = this.options;
    const loras = [
      { path: join(modelDir, LORA), multiplier: o.sample.loraMultiplier },
      ...o.loras.map((l) => ({ path: isAbsolute(l.path) ? l.path : resolve(ctx.baseDir, l.path), multiplier: l.multiplier })),
    ];
    const sd = await StableDiffusion.load(meta.baseModel, {
      loras,
      worker: o.worker,
      ...this.providers(ctx),
      ...(ctx.signal && { signal: ctx.signal }),
      ...(o.threads !== undefined && { threads: o.threads }),
    });
    const geo = new Geometry(meta.geometry);
    const exts = (ctx.extensions ?? this.createExtensions).filter(isUNetResidualExtension);
    const others = (ctx.extensions ?? this.createExtensions).filter((e) => !isUNetResidualExtension(e));
    if (others.length)
      throw new EngineError(
        `extensions ${others.map((e) => `${e.name} (${e.role})`).join(', ')} are not supported by ${GENERATOR_NAME} (role "controlnet" only)`,
      );
    const out: GeneratedSample[] = [];
    const k = geo.tilesPerImage;
    const labels = Object.keys(request.perLabel).sort();
    const totalSteps = labels.reduce((a, l) => a + (request.perLabel[l] ?? 0), 0) * k * o.sample.steps;
    const task = ctx.progress.start('sd: sampling', totalSteps, 'steps');
    try {
      for (const label of labels) {
        const count = request.perLabel[label] ?? 0;
        const refs = request.references?.[label] ?? [];
        // Images per UNet call: whole samples (their tiles together).
        const samplesPerBatch = Math.max(1, Math.floor(o.sample.batchSize / k));
        for (let first = 0; first < count; first += samplesPerBatch) {
          const m = Math.min(samplesPerBatch, count - first);
          const prompts: string[] = [];
          const refTiles: ImageTensor[][] = [];
          const init: ImageTensor[] = [];
          for (let s = 0; s < m; s++) {
            const ref = refs.length ? refs[(first + s) % refs.length] : undefined;
            const rt = ref ? geo.referenceTiles(ref) : undefined;
            const mt = ref && o.sample.strength !== undefined ? geo.toModel(ref) : undefined;
            for (let q = 0; q < k; q++) {
              const row = Math.floor(q / geo.tilesX);
              const col = q % geo.tilesX;
              prompts.push(captionFor(o.captions, meta.labels, label, geo.c.mode === 'tile' ? { row, col } : undefined));
              refTiles.push(rt ? [rt[q] as ImageTensor] : []);
              if (mt) init.push((mt[q] as { image: ImageTensor }).image);
            }
          }
          const n = geo.c.native;
          const useInit = o.sample.strength !== undefined && init.length === prompts.length;
          if (o.sample.strength !== undefined && !useInit) ctx.progress.warn(`label ${label}: no reference images, sampling from noise instead of img2img`);
          const initData = useInit ? new Float32Array(init.length * 3 * n * n) : undefined;
          if (initData) init.forEach((t, i) => initData.set(t.data, i * 3 * n * n));
          const res = await sd.generate({
            prompts,
            negativePrompt: o.negativePrompt,
            steps: o.sample.steps,
            guidance: o.sample.guidance,
            scheduler: o.sample.scheduler,
            eta: o.sample.eta,
            seed: deriveSeed(ctx.seed, `sample:${label}:${first}`),
            height: n,
            width: n,
            ...(initData && { init: { images: initData, strength: o.sample.strength as number } }),
            extensions: exts,
            context: { labels: prompts.map(() => label), references: refTiles, encoderInfo: meta.encoder.info },
            onStep: () => task.tick(prompts.length),
            ...(ctx.signal && { signal: ctx.signal }),
            progress: ctx.progress,
          });
          const per = 3 * n * n;
          for (let s = 0; s < m; s++) {
            const tiles = Array.from({ length: k }, (_, q) => createImageTensor(3, n, n, res.data.slice((s * k + q) * per, (s * k + q + 1) * per)));
            out.push({ label, tensor: geo.fromModel(tiles) });
          }
        }
      }
    } finally {
      task.done(`${out.length} samples`);
      await Promise.all(exts.map(async (e) => e.dispose?.()));
      await sd.dispose();
    }
    return out;
  }
}
