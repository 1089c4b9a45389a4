#!/usr/bin/env node
// Writes the tiny Stable Diffusion ONNX folder (no downloads): node scripts/build-tiny.mjs DIR [--fp16] [--force]
// Needs the package built (pnpm turbo run build --filter=@netsynth/generator-stable-diffusion...).
import { buildTinyStableDiffusion } from '../dist/index.js';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--'));
if (!dir) {
  console.error('usage: node scripts/build-tiny.mjs DIR [--fp16] [--force]');
  process.exit(2);
}
const info = await buildTinyStableDiffusion(dir, { fp16: args.includes('--fp16'), force: args.includes('--force') });
console.log(JSON.stringify(info, null, 2));
