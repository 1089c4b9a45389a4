import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTinyStableDiffusion, type TinyStableDiffusionInfo } from '@netsynth/generator-stable-diffusion';
import { buildTinyControlNet, type TinyControlNetInfo, type TinyControlNetOptions } from '../src/index.js';

export interface TinyPair {
  root: string;
  sdDir: string;
  sd: TinyStableDiffusionInfo;
  /** The zero-initialised ControlNet in sdDir/controlnet, and extra ones by name. */
  controlnet: TinyControlNetInfo;
  extra: Record<string, TinyControlNetInfo>;
  cleanup(): void;
}

/** A tiny SD folder (resolution 32 → 4×4 latents, to keep tests fast) with ControlNets beside it. */
export async function makeTinyPair(extra: Record<string, TinyControlNetOptions> = {}, resolution = 32): Promise<TinyPair> {
  const root = mkdtempSync(join(tmpdir(), 'netsynth-cn-'));
  const sdDir = join(root, 'sd');
  const sd = await buildTinyStableDiffusion(sdDir, { seed: 3, resolution });
  const controlnet = await buildTinyControlNet(sdDir, { seed: 5 });
  const built: Record<string, TinyControlNetInfo> = {};
  for (const [name, o] of Object.entries(extra)) built[name] = await buildTinyControlNet(sdDir, { seed: 5, outDir: join(root, name), ...o });
  return { root, sdDir, sd, controlnet, extra: built, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
