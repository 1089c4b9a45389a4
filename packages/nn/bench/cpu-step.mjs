// One-thread process CPU time per U-Net training step at batch B (default 16: one replica's
// share of the benchmark batch), for A/B work on the engine. Less sensitive to other load
// than wall time. Each argument is a JSON object of environment variables set while that
// configuration's trainer is built; configurations run interleaved, step by step.
// Usage: B=16 STEPS=10 node bench/cpu-step.mjs '{}' '{"SOME_SWITCH":"1"}'
import { buildBenchUNet } from '@netsynth/nn';
import { benchTrainingSession } from './unet-trainer.mjs';
const B = Number(process.env.B ?? 16),
  RES = 32,
  STEPS = Number(process.env.STEPS ?? 10);
const cfgs = process.argv.slice(2).map((a) => JSON.parse(a));
const x = Float32Array.from({ length: B * RES * RES }, (_, i) => Math.sin(i));
const eps = Float32Array.from({ length: B * RES * RES }, (_, i) => Math.cos(i * 1.3));
const t = Float32Array.from({ length: B }, (_, i) => (i * 37) % 1000);
const trainers = [];
for (const c of cfgs) {
  const saved = {};
  for (const [k, v] of Object.entries(c)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const net = buildBenchUNet({ res: RES, inChannels: 1, ch: 32, mults: [1, 2, 2], blocks: 1, attnRes: 8 });
  trainers.push(await benchTrainingSession(net, [B, 1, RES, RES], { runtime: { intraOpNumThreads: 1 } }));
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
}
const times = cfgs.map(() => []);
for (let s = 0; s < STEPS + 2; s++)
  for (let k = 0; k < trainers.length; k++) {
    const c0 = process.cpuUsage();
    await trainers[k].trainStep({ x, t, eps });
    const c = process.cpuUsage(c0);
    if (s >= 2) times[k].push((c.user + c.system) / 1000);
  }
cfgs.forEach((c, k) => {
  const ts = times[k].sort((a, b) => a - b);
  console.log(`${JSON.stringify(c).padEnd(50)} cpu median ${ts[ts.length >> 1].toFixed(1)} min ${ts[0].toFixed(1)}`);
});
for (const tr of trainers) await tr.dispose();
