/**
 * LoRA files in safetensors: kohya-ss (`lora_unet_<path>.lora_down.weight` / `.lora_up.weight`
 * / `.alpha`, `lora_te_` for the text encoder), diffusers/PEFT (`unet.<path>.lora_A.weight` =
 * down, `lora_B` = up; `text_encoder.` prefix) and the older diffusers attention-processor
 * form (`<path>.processor.to_q_lora.down.weight`). Keys are resolved against the modules that
 * really exist in the ONNX graphs (see targets.ts); a key matching nothing is an error naming
 * it, so a LoRA for another architecture is not silently half-applied.
 */
import { ModelFileError } from '@netsynth/core';
import { readSafetensors, type SafeTensor } from '@netsynth/nn';
import { floatsFromBytes, type FloatEncoding } from '../onnx/tensor-data.js';
import { kohyaName, type LoraTarget } from './targets.js';

export type LoraComponent = 'unet' | 'text_encoder';

export interface LoraPair {
  component: LoraComponent;
  target: LoraTarget;
  /** [r, in] or [r, in, kh, kw]. */
  down: Float32Array;
  downShape: number[];
  /** [out, r] or [out, r, 1, 1]. */
  up: Float32Array;
  upShape: number[];
  rank: number;
  /** kohya alpha; defaults to the rank (scale 1) when the file has none (PEFT without metadata). */
  alpha: number;
}

const SAFETENSORS_FLOAT_ENCODINGS = new Map<string, FloatEncoding>([
  ['F32', 'f32'],
  ['F64', 'f64'],
  ['F16', 'f16'],
  ['BF16', 'bf16'],
]);

export function safeTensorFloat32(t: SafeTensor, file: string, name: string): Float32Array {
  const encoding = SAFETENSORS_FLOAT_ENCODINGS.get(t.dtype);
  if (!encoding) throw new ModelFileError(`tensor ${name} has dtype ${t.dtype}, expected a float type`, file);
  return floatsFromBytes(
    t.bytes,
    t.shape.reduce((a, b) => a * b, 1),
    encoding,
  );
}

interface Partial {
  component: LoraComponent;
  module?: string;
  kohya?: string;
  down?: SafeTensor;
  up?: SafeTensor;
  alpha?: number;
  keys: string[];
}

export interface LoraTargets {
  unet: Map<string, LoraTarget>;
  text_encoder?: Map<string, LoraTarget>;
}

/** Reads a LoRA file and resolves every pair against the graphs' modules. */
export async function readLora(path: string, targets: LoraTargets): Promise<{ pairs: LoraPair[]; metadata: Record<string, string> }> {
  const file = await readSafetensors(path);
  const groups = new Map<string, Partial>();
  const group = (id: string, init: Omit<Partial, 'keys'>): Partial => {
    let g = groups.get(id);
    if (!g) {
      g = { ...init, keys: [] };
      groups.set(id, g);
    }
    return g;
  };
  const peftAlpha = file.metadata.lora_alpha !== undefined ? Number(file.metadata.lora_alpha) : undefined;
  for (const [key, t] of file.tensors) {
    let m = /^(lora_unet|lora_te1?|lora_te2)_(.+)\.(lora_down\.weight|lora_up\.weight|alpha)$/.exec(key);
    if (m) {
      const component: LoraComponent = m[1] === 'lora_unet' ? 'unet' : 'text_encoder';
      const g = group(`k:${m[1]}_${m[2]}`, { component, kohya: `${m[1]}_${m[2]}` });
      g.keys.push(key);
      if (m[3] === 'alpha') g.alpha = safeTensorFloat32(t, path, key)[0] as number;
      else if (m[3] === 'lora_down.weight') g.down = t;
      else g.up = t;
      continue;
    }
    m = /^(?:base_model\.model\.)?(?:(unet|text_encoder)\.)?(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(key);
    if (m) {
      const component = (m[1] as LoraComponent | undefined) ?? 'unet';
      const g = group(`p:${component}:${m[2]}`, { component, module: m[2] as string, ...(peftAlpha !== undefined && { alpha: peftAlpha }) });
      g.keys.push(key);
      if (m[3] === 'A') g.down = t;
      else g.up = t;
      continue;
    }
    m = /^(?:(unet|text_encoder)\.)?(.+?)\.(?:processor\.)?(to_q|to_k|to_v|to_out)_lora\.(down|up)\.weight$/.exec(key);
    if (m) {
      const component = (m[1] as LoraComponent | undefined) ?? 'unet';
      const module = `${m[2]}.${m[3] === 'to_out' ? 'to_out.0' : m[3]}`;
      const g = group(`d:${component}:${module}`, { component, module });
      g.keys.push(key);
      if (m[4] === 'down') g.down = t;
      else g.up = t;
      continue;
    }
    m = /^(?:(unet|text_encoder)\.)?(.+)\.lora(?:_linear_layer)?\.(down|up)\.weight$/.exec(key);
    if (m) {
      const component = (m[1] as LoraComponent | undefined) ?? 'unet';
      const g = group(`d:${component}:${m[2]}`, { component, module: m[2] as string });
      g.keys.push(key);
      if (m[3] === 'down') g.down = t;
      else g.up = t;
      continue;
    }
    throw new ModelFileError(`LoRA key "${key}" is in no known format (kohya lora_unet_/lora_te_, diffusers/PEFT lora_A/lora_B)`, path);
  }
  const kohyaIndex = new Map<string, { component: LoraComponent; target: LoraTarget }>();
  for (const [mod, t] of targets.unet) kohyaIndex.set(kohyaName('lora_unet', mod), { component: 'unet', target: t });
  for (const [mod, t] of targets.text_encoder ?? new Map<string, LoraTarget>()) {
    kohyaIndex.set(kohyaName('lora_te', mod), { component: 'text_encoder', target: t });
    kohyaIndex.set(kohyaName('lora_te1', mod), { component: 'text_encoder', target: t });
  }
  const pairs: LoraPair[] = [];
  for (const g of groups.values()) {
    if (!g.down || !g.up) throw new ModelFileError(`LoRA module ${g.kohya ?? g.module}: needs both down and up weights (have ${g.keys.join(', ')})`, path);
    let target: LoraTarget | undefined;
    if (g.kohya) target = kohyaIndex.get(g.kohya)?.target;
    else {
      const map = g.component === 'unet' ? targets.unet : targets.text_encoder;
      // PEFT text-encoder keys may omit CLIP's `text_model.` root.
      target = map?.get(g.module as string) ?? map?.get(`text_model.${g.module as string}`);
    }
    if (!target) throw new ModelFileError(`LoRA module ${g.kohya ?? g.module} (${g.component}) matches no module of the ONNX ${g.component} graph`, path);
    const down = safeTensorFloat32(g.down, path, `${g.keys[0]}`);
    const up = safeTensorFloat32(g.up, path, `${g.keys[0]}`);
    const rank = g.down.shape[0] as number;
    const [out, inp] = target.shape as [number, number];
    const downIn = g.down.shape[1];
    if (g.up.shape[0] !== out || downIn !== inp || g.up.shape[1] !== rank) {
      throw new ModelFileError(
        `LoRA module ${g.kohya ?? g.module}: down [${g.down.shape.join(',')}] / up [${g.up.shape.join(',')}] do not fit weight [${target.shape.join(',')}]`,
        path,
      );
    }
    pairs.push({ component: g.component, target, down, downShape: [...g.down.shape], up, upShape: [...g.up.shape], rank, alpha: g.alpha ?? rank });
  }
  return { pairs, metadata: file.metadata };
}
