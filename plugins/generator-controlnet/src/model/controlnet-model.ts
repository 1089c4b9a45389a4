import { InvalidArgumentError, ModelFileError } from '@netsynth/core';
import { floatsToHalf, halfToFloats } from './half.js';
import { openSession, ort, type SessionOptions } from './session.js';

/** Which graph input plays which part; found by name (exporters differ), overridable. */
export interface ControlNetInputNames {
  sample: string;
  timestep: string;
  encoderHiddenStates: string;
  controlnetCond: string;
  /** Present when the export scales its residuals itself. */
  conditioningScale?: string;
}

const CANDIDATES: Record<keyof ControlNetInputNames, readonly string[]> = {
  sample: ['sample', 'latent_sample', 'latents', 'x'],
  timestep: ['timestep', 'timesteps', 't'],
  encoderHiddenStates: ['encoder_hidden_states', 'context', 'text_embeds'],
  controlnetCond: ['controlnet_cond', 'cond', 'control', 'controlnet_image', 'image'],
  conditioningScale: ['conditioning_scale', 'scale'],
};

export interface ControlNetStep {
  /** UNet batch latents [n, c, h, w] as the UNet's `sample` gets them. */
  sample: Float32Array;
  sampleDims: number[];
  timestep: number;
  encoderHiddenStates: Float32Array;
  hiddenDims: number[];
  /** Control images [n, 3, H, W], RGB in [0, 1]. */
  cond: Float32Array;
  condDims: number[];
  conditioningScale: number;
}

export interface ControlNetOutput {
  down: { data: Float32Array; dims: number[] }[];
  mid: { data: Float32Array; dims: number[] };
}

type TensorMeta = { name: string; type: string; shape: readonly (number | string)[] };

/**
 * An ONNX ControlNet: sample, timestep, encoder_hidden_states, controlnet_cond (and
 * conditioning_scale when the export has it) → N down-block residuals and one mid-block
 * residual. Outputs are mapped BY POSITION, because separate exports name them
 * unreliably: the output whose name contains "mid" is the mid residual (else the last
 * one), the others are the down residuals in graph order (12 + 1 for SD 1.x).
 */
export class ControlNetModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly path: string,
    readonly inputs: ControlNetInputNames,
    private readonly meta: Map<string, TensorMeta>,
    readonly downOutputs: readonly string[],
    readonly midOutput: string,
  ) {}

  static async load(path: string, o: SessionOptions & { inputNames?: Partial<ControlNetInputNames> } = {}): Promise<ControlNetModel> {
    const session = await openSession(path, o);
    const meta = new Map<string, TensorMeta>();
    for (const m of session.inputMetadata) {
      if (m.isTensor) meta.set(m.name, { name: m.name, type: m.type, shape: m.shape });
    }
    const names = session.inputNames;
    const pick = (key: keyof ControlNetInputNames, required: boolean): string | undefined => {
      const given = o.inputNames?.[key];
      if (given !== undefined) {
        if (!names.includes(given)) throw new ModelFileError(`ControlNet has no input "${given}" (inputs: ${names.join(', ')})`, path);
        return given;
      }
      const found = CANDIDATES[key].find((c) => names.includes(c));
      if (!found && required) {
        throw new ModelFileError(`cannot tell which ControlNet input is ${key} (inputs: ${names.join(', ')}); name it in options.inputNames`, path);
      }
      return found;
    };
    const scale = pick('conditioningScale', false);
    const inputs: ControlNetInputNames = {
      sample: pick('sample', true) as string,
      timestep: pick('timestep', true) as string,
      encoderHiddenStates: pick('encoderHiddenStates', true) as string,
      controlnetCond: pick('controlnetCond', true) as string,
      ...(scale !== undefined && { conditioningScale: scale }),
    };
    const outs = session.outputNames;
    if (outs.length < 2) throw new ModelFileError(`a ControlNet has down and mid residual outputs; this model has ${outs.length}`, path);
    const midAt = outs.findIndex((n) => /mid/i.test(n));
    const mid = midAt >= 0 ? midAt : outs.length - 1;
    return new ControlNetModel(
      session,
      path,
      inputs,
      meta,
      outs.filter((_, i) => i !== mid),
      outs[mid] as string,
    );
  }

  /** Number of down residuals (12 for SD 1.x). */
  get downCount(): number {
    return this.downOutputs.length;
  }

  /** True when the graph multiplies its residuals by a `conditioning_scale` input itself. */
  get scalesInside(): boolean {
    return this.inputs.conditioningScale !== undefined;
  }

  async run(s: ControlNetStep): Promise<ControlNetOutput> {
    const batch = s.sampleDims[0] ?? 1;
    const feeds: Record<string, ort.Tensor> = {
      [this.inputs.sample]: this.floatTensor(this.inputs.sample, s.sample, s.sampleDims),
      [this.inputs.encoderHiddenStates]: this.floatTensor(this.inputs.encoderHiddenStates, s.encoderHiddenStates, s.hiddenDims),
      [this.inputs.controlnetCond]: this.floatTensor(this.inputs.controlnetCond, s.cond, s.condDims),
      [this.inputs.timestep]: this.scalarTensor(this.inputs.timestep, s.timestep, batch),
    };
    if (this.inputs.conditioningScale) feeds[this.inputs.conditioningScale] = this.scalarTensor(this.inputs.conditioningScale, s.conditioningScale, 1);
    const result = await this.session.run(feeds);
    const take = (name: string): { data: Float32Array; dims: number[] } => {
      const t = result[name];
      if (!t) throw new ModelFileError(`ControlNet run gave no output "${name}"`, this.path);
      let data = t.type === 'float16' ? halfToFloats(t.data as Uint16Array) : Float32Array.from(t.data as Float32Array);
      // Exports without a scale input get the scale applied here, as diffusers multiplies its residuals.
      if (!this.scalesInside && s.conditioningScale !== 1) data = data.map((v) => v * s.conditioningScale);
      return { data, dims: [...t.dims] };
    };
    return { down: this.downOutputs.map(take), mid: take(this.midOutput) };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }

  private floatTensor(name: string, data: Float32Array, dims: readonly number[]): ort.Tensor {
    const size = dims.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new InvalidArgumentError(`ControlNet input "${name}" has ${data.length} values, [${dims.join(',')}] needs ${size}`);
    return this.meta.get(name)?.type === 'float16' ? new ort.Tensor('float16', floatsToHalf(data), [...dims]) : new ort.Tensor('float32', data, [...dims]);
  }

  /**
   * Timestep and scale inputs come as int64 or float, 0-d, [1] or one per batch item; the
   * export's declared shape says which (a symbolic first axis means per item).
   */
  private scalarTensor(name: string, value: number, batch: number): ort.Tensor {
    const m = this.meta.get(name);
    const shape = m?.shape ?? [1];
    const dims = shape.length === 0 ? [] : [shape[0] === 1 ? 1 : typeof shape[0] === 'number' ? shape[0] : batch];
    const n = dims[0] ?? 1;
    switch (m?.type) {
      case 'int64':
        return new ort.Tensor(
          'int64',
          BigInt64Array.from({ length: n }, () => BigInt(Math.round(value))),
          dims,
        );
      case 'int32':
        return new ort.Tensor(
          'int32',
          Int32Array.from({ length: n }, () => Math.round(value)),
          dims,
        );
      case 'float16':
        return new ort.Tensor('float16', floatsToHalf(new Float32Array(n).fill(value)), dims);
      case 'double':
        return new ort.Tensor('float64', new Float64Array(n).fill(value), dims);
      default:
        return new ort.Tensor('float32', new Float32Array(n).fill(value), dims);
    }
  }
}
