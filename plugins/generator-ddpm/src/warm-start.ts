/**
 * `options.init`: start from another run's weights (NetShare pretrains on public traces and
 * fine-tunes privately). The EMA weights of the other run's checkpoint are what it exported,
 * so those are taken; a tensor whose name or shape differs keeps its fresh initialisation.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ModelFileError, type PluginContext } from '@netsynth/core';
import { readSafetensors, tensorToFloat32, type Module } from '@netsynth/nn';
import { modelFile, readModelConfig } from './model-dir.js';

export interface WarmStart {
  dir: string;
  /** The other run's training key (part of this run's key). */
  trainingKey: string;
  loaded: number;
  kept: string[];
}

/** The model folder `options.init` names (relative to the config file's folder). */
export function initDir(init: string, baseDir: string): string {
  return isAbsolute(init) ? init : resolve(baseDir, init);
}

export async function warmStart(net: Module, init: string, ctx: Pick<PluginContext, 'baseDir' | 'progress'>): Promise<WarmStart> {
  const dir = initDir(init, ctx.baseDir);
  const cfg = await readModelConfig(dir);
  const path = modelFile(dir, 'checkpoint');
  if (!existsSync(path)) throw new ModelFileError('options.init: the model folder has no training checkpoint to start from', path);
  const file = await readSafetensors(path);
  let loaded = 0;
  const kept: string[] = [];
  for (const [name, p] of net.namedParameters()) {
    const t = file.tensors.get(`ema.${name}`) ?? file.tensors.get(name);
    if (!t || t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      kept.push(name);
      continue;
    }
    p.data.set(tensorToFloat32(t, path, name));
    loaded++;
  }
  if (loaded === 0) throw new ModelFileError('options.init: no tensor of this network is in the checkpoint (a different architecture?)', path);
  if (kept.length)
    ctx.progress.warn(
      `options.init: ${kept.length} tensor(s) not in ${path} or of another shape keep their fresh values: ${kept.slice(0, 5).join(', ')}${kept.length > 5 ? ', …' : ''}`,
    );
  return { dir, trainingKey: cfg.trainingKey, loaded, kept };
}
