// Benchmark: DP-SGD's price in time. One training step of the engine benchmark's U-Net
// (32×32, batch 32, Adam) without privacy (gradient replicas on the batch) and with DP-SGD
// (the same replicas running a batch-1 graph per example, clipping each gradient, then the
// noise), on the same machine in the same process. Prints one JSON line (nn.dp_sgd_step);
// the 1-minute load average is in it because a shared machine inflates both timings.
import { availableParallelism, loadavg } from 'node:os';
import { createRng } from '@netsynth/core';
import { buildBenchUNet } from '@netsynth/nn';
import { benchTrainingSession } from './unet-trainer.mjs';

const B = 32,
  RES = 32,
  STEPS = 3,
  WARMUP = 1;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const load0 = loadavg()[0];
const net = buildBenchUNet({ res: RES, inChannels: 1, ch: 32, mults: [1, 2, 2], blocks: 1, attnRes: 8 });
const shape = [B, 1, RES, RES];
const rng = createRng(1);
const batch = {
  x: Float32Array.from({ length: B * RES * RES }, () => rng.normal()),
  t: Float32Array.from({ length: B }, () => rng.int(1000)),
  eps: Float32Array.from({ length: B * RES * RES }, () => rng.normal()),
};

async function time(privacy) {
  const trainer = await benchTrainingSession(net, shape, { replicas: 'auto', ...(privacy && { privacy }) });
  const times = [];
  try {
    for (let s = 0; s < STEPS + WARMUP; s++) {
      const t0 = performance.now();
      await trainer.trainStep(batch);
      if (s >= WARMUP) times.push(performance.now() - t0);
    }
    return { ms: median(times), replicas: trainer.replicas };
  } finally {
    await trainer.dispose();
  }
}

const plain = await time(undefined);
const dp = await time({ maxGradNorm: 1, noiseMultiplier: 1, expectedBatchSize: B });
const r2 = (x) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    bench: 'nn.dp_sgd_step',
    ms: r2(dp.ms),
    nonprivate_ms: r2(plain.ms),
    slowdown: r2(dp.ms / plain.ms),
    batch: B,
    params: net.parameterCount(),
    replicas: dp.replicas,
    cores: availableParallelism(),
    load1: [r2(load0), r2(loadavg()[0])],
  }),
);
