// Benchmark: what nPrint image sizes the DDPM can train and sample on a CPU. Real nPrint
// tensors of the bundled demo captures (examples/data/demo) at several crops (packets per
// sample = rows, header blocks = columns, tensor channels); per size, seconds per training
// step (batch 8, 16-channel U-Net, default depth for the size) and seconds per image with
// DPM-Solver++ 20 steps (batch 8, no guidance). One `ddpm.nprint` line per size.
// DDPM_NPRINT_STEPS (4) training steps are timed (the first included: it is a real cost).
// By default the three smaller sizes run (about 1.5 min); DDPM_NPRINT_ONLY=all adds the two
// largest (several more minutes), or DDPM_NPRINT_ONLY=3,4 picks sizes by index.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, parseRunConfig, silentProgress } from '@netsynth/core';
import { NprintEncoder, nprintOptionsSchema } from '@netsynth/encoder-nprint';
import { createDdpmGenerator } from '@netsynth/generator-ddpm';
import { loadSamples } from '@netsynth/pcap';

const STEPS = Number(process.env.DDPM_NPRINT_STEPS ?? 4);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const demo = join(root, 'examples', 'data', 'demo');
const SIZES = [
  { name: 'ipv4+udp, signed1, 16 packets', opts: { headers: { ipv6: false, tcp: false, icmp: false }, tensor: 'signed1', maxPackets: 16 } },
  { name: 'ipv4+tcp+udp, signed1, 16 packets', opts: { headers: { ipv6: false, icmp: false }, tensor: 'signed1', maxPackets: 16 } },
  { name: 'ipv4+tcp+udp, signed1, 32 packets', opts: { headers: { ipv6: false, icmp: false }, tensor: 'signed1', maxPackets: 32 } },
  { name: 'ipv4+tcp+udp, onehot3, 32 packets', opts: { headers: { ipv6: false, icmp: false }, tensor: 'onehot3', maxPackets: 32 } },
  { name: 'all headers (NetDiffusion width), onehot3, 64 packets', opts: { tensor: 'onehot3', maxPackets: 64 } },
];
// The two largest sizes take minutes per run: only with DDPM_NPRINT_ONLY=3,4 (or DDPM_NPRINT_ONLY=all).
const only = process.env.DDPM_NPRINT_ONLY === 'all' ? '0,1,2,3,4' : (process.env.DDPM_NPRINT_ONLY ?? '0,1,2');
const input = parseRunConfig({ input: { captures: [demo], flows: { windowPackets: 64, minPackets: 2, maxSamplesPerLabel: 16 }, holdout: 0 } }).input;
const samples = await loadSamples(input, demo, { seed: 0 });
for (const [i, size] of SIZES.entries()) {
  if (only && !only.split(',').includes(String(i))) continue;
  const enc = new NprintEncoder(nprintOptionsSchema.parse(size.opts), { seed: 0 });
  const info = enc.info();
  const tensors = samples.map((s) => enc.encode(s));
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-nprint-'));
  const ctx = { seed: 1, rng: createRng(1), progress: silentProgress, workDir: dir, baseDir: dir };
  try {
    const g = createDdpmGenerator({
      channels: 16,
      steps: STEPS,
      batchSize: 8,
      warmupSteps: 0,
      threads: 2,
      sampler: 'dpmpp2m',
      sampleSteps: 20,
      guidanceScale: 1,
      sampleBatchSize: 8,
    });
    await g.fit({ tensors, labels: samples.map((s) => s.label), encoder: { name: enc.name, info, state: enc.state() } }, join(dir, 'm'), ctx);
    const cfg = JSON.parse(readFileSync(join(dir, 'm', 'model.json'), 'utf8'));
    const stats = {};
    await g.sample(join(dir, 'm'), { perLabel: { [samples[0].label]: 8 } }, ctx, stats);
    console.log(
      JSON.stringify({
        bench: 'ddpm.nprint',
        size: size.name,
        shape: `${info.channels}x${info.height}x${info.width}`,
        unet: { mults: cfg.spec.channelMults, padded: cfg.geometry.size, parameters: cfg.training.parameters },
        train_s_per_step_b8: +(1 / cfg.training.stepsPerSecond).toFixed(2),
        sample_s_per_image_dpm20: +(stats.seconds / 8).toFixed(2),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
