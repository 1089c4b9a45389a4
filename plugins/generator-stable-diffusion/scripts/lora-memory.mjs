// Peak memory of LoRA training on an SD-layout UNet export (run after a build):
//   node scripts/lora-memory.mjs UNET.onnx LATENT [STEPS=2] [CTX=768] [--external]
// Prints one JSON line: peak RSS (process.resourceUsage().maxRSS), RSS before training, base
// weight bytes, seconds per step. Batch 1, 77 text tokens, default LoRA targets, rank 4.
// One configuration per process (peak RSS never goes down).
import { statSync } from 'node:fs';
import { SD15_SCHEDULER, trainLora } from '../dist/index.js';

const [unet, latentArg, stepsArg, ctxArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const external = process.argv.includes('--external');
const h = Number(latentArg);
const steps = Number(stepsArg ?? 2);
const ctx = Number(ctxArg ?? 768);
const rss0 = process.memoryUsage().rss;
const latents = Float32Array.from({ length: 4 * h * h }, (_, i) => Math.sin(i));
const hidden = Float32Array.from({ length: 77 * ctx }, (_, i) => Math.cos(i) * 0.5);
const times = [];
let t = performance.now();
const t0 = t;
const r = await trainLora(
  unet,
  SD15_SCHEDULER,
  { latents, latentDims: [1, 4, h, h], hidden, hiddenDims: [1, 77, ctx] },
  {
    steps,
    batchSize: 1,
    rank: 4,
    lr: 1e-4,
    ...(external && { externalDataAbove: 0 }),
    onStep: () => {
      const n = performance.now();
      times.push((n - t) / 1000);
      t = n;
    },
  },
);
await r.trainer.dispose();
console.log(
  JSON.stringify({
    bench: 'sd-lora-memory',
    unet,
    unetBytes: statSync(unet).size,
    latent: h,
    image: h * 8,
    steps,
    external: r.externalData,
    rssBeforeMiB: Math.round(rss0 / 2 ** 20),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    firstStepS: +(times[0] ?? 0).toFixed(2),
    lastStepS: +(times.at(-1) ?? 0).toFixed(2),
    totalS: +((performance.now() - t0) / 1000).toFixed(1),
  }),
);
