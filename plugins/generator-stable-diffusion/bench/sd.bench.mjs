// Benchmark: seconds per denoising step (one UNet evaluation at batch 2, i.e. one
// classifier-free-guidance step for one image) of the tiny SD UNet on onnxruntime-node, and
// of a wider tiny UNet used to measure the achieved multiply-accumulate rate, from which an
// SD 1.5 (512×512) time per step and per image is ESTIMATED (MACs counted by sdUNetMacs;
// elementwise work, the text encoder and the VAE decoder are not in the estimate).
// Prints JSON lines `{"bench":"sd.unet_step",...}` and `{"bench":"sd.unet_step_wide",...}`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SD15_UNET, StableDiffusion, buildTinyStableDiffusion, sdUNetMacs } from '../dist/index.js';

const THREADS = 2;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measure(opts, warmup, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'sd-bench-'));
  try {
    const info = await buildTinyStableDiffusion(dir, opts);
    const sd = await StableDiffusion.load(dir, { threads: THREADS });
    const lat = info.latentSize;
    const n = 2;
    const x = Float32Array.from({ length: n * 4 * lat * lat }, (_, i) => Math.sin(i));
    const hid = await sd.encodePrompts(['', 'pixelated network data, type-0']);
    const times = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = process.hrtime.bigint();
      await sd.unetStep(x, [n, 4, lat, lat], 981 - i * 10, hid);
      const dt = Number(process.hrtime.bigint() - t0) / 1e9;
      if (i >= warmup) times.push(dt);
    }
    await sd.dispose();
    const macs =
      n *
      sdUNetMacs({
        blockOut: info.unet.blockOut,
        downAttention: [true, false],
        layersPerBlock: 1,
        crossDim: info.textDim,
        latentChannels: 4,
        latentHeight: lat,
        latentWidth: lat,
        sequence: info.maxLength,
      });
    return { seconds: median(times), macs, lat, blockOut: info.unet.blockOut, batch: n };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The facts every UNet-step line starts with, from a `measure` result. */
const stepFacts = (bench, m) => ({
  bench,
  seconds_per_step: Number(m.seconds.toPrecision(4)),
  batch: m.batch,
  latent: [m.lat, m.lat],
  block_out: m.blockOut,
});

const tiny = await measure({}, 3, 20);
console.log(JSON.stringify({ ...stepFacts('sd.unet_step', tiny), macs_per_step: tiny.macs, threads: THREADS }));
if (!process.env.NETSYNTH_BENCH_ONLY || !/^sd\.unet_step$/.test(process.env.NETSYNTH_BENCH_ONLY)) {
  const wide = await measure({ blockOut: [128, 256], resolution: 256, textDim: 128, heads: 4 }, 2, 5);
  const rate = wide.macs / wide.seconds;
  const sdStep = (2 * sdUNetMacs(SD15_UNET)) / rate;
  console.log(
    JSON.stringify({
      ...stepFacts('sd.unet_step_wide', wide),
      gmacs_per_second: Number((rate / 1e9).toPrecision(4)),
      sd15_macs_per_step: 2 * sdUNetMacs(SD15_UNET),
      sd15_estimate_seconds_per_step: Number(sdStep.toPrecision(3)),
      sd15_estimate_seconds_per_image_25_steps: Number((25 * sdStep).toPrecision(3)),
      estimate: 'SD 1.5 time = its UNet MACs / the rate measured on the wide tiny UNet; UNet only',
      threads: THREADS,
    }),
  );
}
