// The evaluators and the report on ../shared/data/lab: real vs a held-back half of itself
// (windows of 32 packets, at most 150 samples per class), seconds per evaluator. One JSON line.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, silentProgress } from '@netsynth/core';
import { stratifiedSplit } from '@netsynth/evalkit';
import { createDistributionEvaluator } from '@netsynth/evaluator-distribution';
import { createDownstreamEvaluator } from '@netsynth/evaluator-downstream';
import { createPrivacyEvaluator } from '@netsynth/evaluator-privacy';
import { createValidityEvaluator } from '@netsynth/evaluator-validity';
import { loadSamples } from '@netsynth/pcap';
import { writeReport } from '@netsynth/report';
import { sharedPath } from '@netsynth/test-support';

const LAB = sharedPath('lab');
if (!existsSync(LAB)) {
  console.log(JSON.stringify({ bench: 'eval.lab', skipped: '../shared/data/lab not found' }));
  process.exit(0);
}
let t = performance.now();
const lap = () => {
  const now = performance.now();
  const s = Number(((now - t) / 1000).toFixed(3));
  t = now;
  return s;
};
const samples = await loadSamples(
  { captures: [LAB], labels: { from: 'filename' }, flows: { idleTimeoutSeconds: 60, windowPackets: 32, minPackets: 2, maxSamplesPerLabel: 150 }, holdout: 0 },
  LAB,
  { seed: 1 },
);
const split = stratifiedSplit(
  samples.map((s) => s.label),
  0.5,
  createRng(3),
);
const real = { samples: split.train.map((i) => samples[i]) };
const synthetic = { samples: split.test.map((i) => samples[i]) };
const out = { bench: 'eval.lab', samples: samples.length, packets: samples.reduce((n, s) => n + s.flow.packets.length, 0), load_s: lap() };
const ctx = { seed: 1, rng: createRng(1), progress: silentProgress, workDir: tmpdir(), baseDir: tmpdir() };
const results = [];
for (const [name, make] of [
  ['distribution', () => createDistributionEvaluator()],
  ['validity', () => createValidityEvaluator({ tshark: 'off' })],
  ['downstream', () => createDownstreamEvaluator()],
  ['privacy', () => createPrivacyEvaluator()],
]) {
  results.push(await make().evaluate(real, synthetic, ctx));
  out[`${name}_s`] = lap();
}
await writeReport(mkdtempSync(join(tmpdir(), 'bench-report-')), { title: 'bench', results });
out.report_s = lap();
console.log(JSON.stringify(out));
