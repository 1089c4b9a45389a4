// Where one training step of the benchmark U-Net spends its time: onnxruntime's profiler on
// the training graph (one replica's share of the batch, one thread by default), per-node
// minimum over 6 runs, summed by op type and by op + output shape. Not a benchmark (no
// JSON line); a tool for engine work. Usage: node bench/profile-step.mjs [batch=16] [threads=1]
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildBenchUNet } from '@netsynth/nn';
import { benchTrainingSession } from './unet-trainer.mjs';

const B = Number(process.argv[2] ?? 16),
  THREADS = Number(process.argv[3] ?? 1),
  RES = 32,
  RUNS = 6;
const net = buildBenchUNet({ res: RES, inChannels: 1, ch: 32, mults: [1, 2, 2], blocks: 1, attnRes: 8 });
const shape = [B, 1, RES, RES];
const trainer = await benchTrainingSession(net, shape, { runtime: { intraOpNumThreads: THREADS } });
const n = net.parameterCount();
const dir = mkdtempSync(join(tmpdir(), 'nn-profile-'));
const s = await ort.InferenceSession.create(trainer.trainingModel, {
  intraOpNumThreads: THREADS,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: join(dir, 'p'),
});
const params = new Float32Array(n);
let off = 0;
for (const [name] of trainer.trainable) {
  const p = trainer.parameter(name);
  params.set(p, off);
  off += p.length;
}
const feeds = {};
for (const name of s.inputNames) {
  if (name === 'x' || name === 'eps')
    feeds[name] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: B * RES * RES }, (_, i) => Math.sin(i)),
      shape,
    );
  else if (name === 't')
    feeds[name] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: B }, (_, i) => (i * 37) % 1000),
      [B],
    );
  else if (name === 'params') feeds[name] = new ort.Tensor('float32', params, [n]);
  else if (name.startsWith('state_')) feeds[name] = new ort.Tensor('float32', new Float32Array(n), [n]);
  else feeds[name] = new ort.Tensor('float32', Float32Array.of(1e-3), []);
}
const wall = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  await s.run(feeds);
  wall.push(performance.now() - t0);
}
s.endProfiling();
const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
rmSync(dir, { recursive: true, force: true });
await trainer.dispose();

const nodes = new Map();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const name = e.name.slice(0, -'_kernel_time'.length);
  const ms = e.dur / 1000;
  const cur = nodes.get(name);
  if (cur) cur.ms = Math.min(cur.ms, ms);
  else nodes.set(name, { op: e.args.op_name, ms, out: JSON.stringify(e.args.output_type_shape ?? '').slice(0, 80) });
}
const sumBy = (key) => {
  const m = new Map();
  for (const v of nodes.values()) {
    const k = key(v);
    const a = m.get(k) ?? { ms: 0, count: 0 };
    a.ms += v.ms;
    a.count++;
    m.set(k, a);
  }
  return [...m].sort((a, b) => b[1].ms - a[1].ms);
};
const total = [...nodes.values()].reduce((a, v) => a + v.ms, 0);
console.log(
  `batch ${B}, ${THREADS} thread(s): wall per run ${wall.map((w) => w.toFixed(0)).join(' ')} ms; ${nodes.size} nodes, per-node minima sum to ${total.toFixed(1)} ms`,
);
console.log('\nby op type (ms, nodes):');
for (const [k, a] of sumBy((v) => v.op)) console.log(`  ${a.ms.toFixed(1).padStart(7)}  ${String(a.count).padStart(5)}  ${k}`);
console.log('\nby op and output shape, top 40:');
for (const [k, a] of sumBy((v) => `${v.op} ${v.out}`).slice(0, 40)) console.log(`  ${a.ms.toFixed(2).padStart(7)}  ${String(a.count).padStart(5)}  ${k}`);
