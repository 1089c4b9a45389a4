// Benchmark: one full DDPM training step (noise, forward, MSE, backward, Adam) of the
// benchmark U-Net of shared/bench/torch_unet_step.py on onnxruntime-node, beside the
// PyTorch script run in the same process tree, alternated A B A B … (NETSYNTH_BENCH_PAIRS
// pairs, default 3): `ratio` is the median of the pairwise ratios ours/PyTorch, with
// ratio_min and ratio_max. Prints two JSON lines (engine.train_step, engine.forward).
// Progress and details go to stderr.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRng, deriveSeed } from '@netsynth/core';
import { alternate, benchPairs, median } from '@netsynth/test-support';
import { InferenceSession, buildBenchUNet, exportInferenceModel } from '@netsynth/nn';
import { benchTrainingSession } from './unet-trainer.mjs';

const THREADS = 2;
const B = 32,
  RES = 32,
  IN_CH = 1,
  T = 1000,
  STEPS = 10,
  WARMUP = 2;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const torchScript = fileURLToPath(new URL('../shared/bench/torch_unet_step.py', `file://${repoRoot}`));

// The machine may be shared: the 1-minute load average is printed before and after (stderr);
// above the core count both timings are inflated (PyTorch's more: its OpenMP threads
// spin-wait), so the ratio is only meaningful on an otherwise idle machine.
const load0 = loadavg()[0];
// --- PyTorch reference: one run of the script (steps + forward), or null ---
const HAVE_TORCH = existsSync('/usr/bin/python3') && existsSync(torchScript);
if (!HAVE_TORCH) console.error('[engine.bench] PyTorch reference unavailable (no /usr/bin/python3 or ../shared/bench)');
function runTorch() {
  const r = spawnSync('/usr/bin/python3', [torchScript, '--threads', String(THREADS), '--steps', String(STEPS)], { encoding: 'utf8', cwd: repoRoot });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
  if (r.status === 0 && line) return JSON.parse(line);
  console.error(`[engine.bench] PyTorch reference unavailable: ${(r.stderr ?? '').trim().split('\n').pop()}`);
  return null;
}

// --- ours ---
const net = buildBenchUNet({ res: RES, inChannels: IN_CH, ch: 32, mults: [1, 2, 2], blocks: 1, attnRes: 8 });
const runtime = { intraOpNumThreads: THREADS };
const shape = [B, IN_CH, RES, RES];
const betas = Float64Array.from({ length: T }, (_, i) => 1e-4 + ((0.02 - 1e-4) * i) / (T - 1));
const abar = new Float64Array(T);
betas.reduce((acc, b, i) => (abar[i] = acc * (1 - b)), 1);
const x0rng = createRng(1);
const x0 = Float32Array.from({ length: B * IN_CH * RES * RES }, () => x0rng.next() * 2 - 1);
let xt, tf;

/**
 * Times STEPS training steps (after WARMUP) of a fresh trainer. `replicas`: 'auto' is what
 * the DDPM generator uses (one data-parallel replica per core, each a one-thread session on
 * half the batch); 1 is one session with THREADS intra-op threads.
 */
async function timeTraining(replicas) {
  const trainer = await benchTrainingSession(net, shape, { runtime, replicas });
  const times = [];
  for (let s = 0; s < STEPS + WARMUP; s++) {
    const t0 = performance.now();
    // The noising is part of the timed step, as in the PyTorch script.
    const rng = createRng(deriveSeed(0, `step:${s}`));
    const per = IN_CH * RES * RES;
    const eps = new Float32Array(B * per);
    xt = new Float32Array(B * per);
    tf = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const t = rng.int(T);
      tf[b] = t;
      const a = Math.sqrt(abar[t]),
        c = Math.sqrt(1 - abar[t]);
      for (let i = b * per; i < (b + 1) * per; i++) {
        const e = rng.normal();
        eps[i] = e;
        xt[i] = a * x0[i] + c * e;
      }
    }
    const r = await trainer.trainStep({ x: xt, t: tf, eps });
    if (s >= WARMUP) times.push(performance.now() - t0);
    if (s === 0) console.error(`[engine.bench] replicas ${replicas}: first loss ${r.loss.toFixed(4)}`);
  }
  trainer.syncToModel();
  await trainer.dispose();
  return { times, replicas: trainer.replicas };
}

/** Median forward time of the trained net (the xt/tf of its last step). */
async function timeForward() {
  const session = await InferenceSession.create(
    exportInferenceModel(net, { inputs: { x: { shape }, t: { shape: [B] } }, forward: (ctx, i) => net.forward(ctx, i.x, i.t) }),
    runtime,
  );
  const fwd = [];
  for (let s = 0; s < STEPS + WARMUP; s++) {
    const t0 = performance.now();
    await session.run({ x: { data: xt, shape }, t: { data: tf, shape: [B] } });
    if (s >= WARMUP) fwd.push(performance.now() - t0);
  }
  await session.dispose();
  return fwd;
}

const { times: oneSession } = await timeTraining(1);
// Ours and PyTorch alternate (A B A B …): load drift on a shared machine moves both sides of
// a pair alike, so the median of the pairwise ratios is steady where one-off runs are not.
const pairs = benchPairs(3);
const ours = { step: [], fwd: [], times: [], fwdTimes: [], replicas: 0 };
const torch = { step: [], fwd: [], params: null };
const runOurs = async () => {
  const { times, replicas } = await timeTraining('auto');
  const fwd = await timeForward();
  ours.times.push(...times);
  ours.fwdTimes.push(...fwd);
  ours.replicas = replicas;
  ours.step.push(median(times));
  ours.fwd.push(median(fwd));
  return median(times);
};
const runReference = () => {
  const t = runTorch();
  if (!t) throw new Error('PyTorch reference failed');
  torch.step.push(t.ms_per_step);
  torch.fwd.push(t.forward_ms);
  torch.params = t.params;
  return t.ms_per_step;
};
let alt = null;
if (HAVE_TORCH) {
  try {
    alt = await alternate(pairs, runOurs, runReference, (i, a, b) =>
      console.error(`[engine.bench] pair ${i + 1}: ours ${a.toFixed(1)} ms, PyTorch ${b.toFixed(1)} ms`),
    );
  } catch (e) {
    console.error(`[engine.bench] ${e.message}: timing ours alone`);
  }
}
if (!alt) for (let i = ours.step.length; i < pairs; i++) await runOurs();
const peakMb = process.resourceUsage().maxRSS / 1024;
const r2 = (v) => Math.round(v * 100) / 100;
const load1 = loadavg()[0];
const spread = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;
const fwdRatios = alt ? ours.fwd.map((f, i) => f / torch.fwd[i]) : [];
console.error(
  `[engine.bench] ours: step ${spread(ours.times)} ms with ${ours.replicas} replicas, ${spread(oneSession)} ms as one ${THREADS}-thread session, forward ${spread(ours.fwdTimes)} ms; ${pairs} pairs; load average ${load0.toFixed(1)} → ${load1.toFixed(1)} on ${availableParallelism()} cores${Math.max(load0, load1) > availableParallelism() ? ' (machine busy: timings unreliable)' : ''}`,
);
console.log(
  JSON.stringify({
    bench: 'engine.train_step',
    ms: r2(median(ours.step)),
    torch_ms: alt ? r2(median(torch.step)) : null,
    ratio: alt ? r2(alt.ratio) : null,
    ratio_min: alt ? r2(alt.ratioMin) : null,
    ratio_max: alt ? r2(alt.ratioMax) : null,
    pairs,
    params: net.parameterCount(),
    torch_params: torch.params,
    peak_mb: Math.round(peakMb),
    replicas: ours.replicas,
    one_session_ms: r2(median(oneSession)),
  }),
);
console.log(
  JSON.stringify({
    bench: 'engine.forward',
    ms: r2(median(ours.fwd)),
    torch_ms: alt ? r2(median(torch.fwd)) : null,
    ratio: alt ? r2(median(fwdRatios)) : null,
    ratio_min: alt ? r2(Math.min(...fwdRatios)) : null,
    ratio_max: alt ? r2(Math.max(...fwdRatios)) : null,
    pairs,
  }),
);
