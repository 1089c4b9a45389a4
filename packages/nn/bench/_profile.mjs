import { readFileSync, readdirSync, unlinkSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { adam, buildBenchUNet, buildTrainingSession, initParameters, mseLoss } from '@netsynth/nn';
const B = Number(process.argv[2] ?? 16), THR = Number(process.argv[3] ?? 1), RES = 32;
const net = buildBenchUNet({ res: RES, inChannels: 1, ch: 32, mults: [1, 2, 2], blocks: 1, attnRes: 8 });
initParameters(net, 0);
const shape = [B, 1, RES, RES];
const trainer = await buildTrainingSession(net, { inputs: { x: { shape }, t: { shape: [B] }, eps: { shape } }, loss: (ctx, i) => mseLoss(net.forward(ctx, i.x, i.t), i.eps), optimizer: adam({ lr: 2e-4 }), runtime: { intraOpNumThreads: THR } });
const n = net.parameterCount();
const s = await ort.InferenceSession.create(trainer.trainingModel, { intraOpNumThreads: THR, executionMode: 'sequential', graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: '/tmp/nnprof' });
const feeds = {};
const rnd = (k) => Float32Array.from({ length: k }, () => Math.random() * 0.1);
for (const name of s.inputNames) {
  if (name === 'x' || name === 'eps') feeds[name] = new ort.Tensor('float32', rnd(B * RES * RES), shape);
  else if (name === 't') feeds[name] = new ort.Tensor('float32', Float32Array.from({ length: B }, (_, i) => i * 37 % 1000), [B]);
  else if (name === 'params' || name.startsWith('state_')) feeds[name] = new ort.Tensor('float32', name === 'params' ? trainer.parameter ? rnd(n) : rnd(n) : new Float32Array(n), [n]);
  else feeds[name] = new ort.Tensor('float32', Float32Array.of(0.001), []);
}
const N = 6;
const wall = [];
for (let i = 0; i < N; i++) { const t0 = performance.now(); await s.run(feeds); wall.push(performance.now() - t0); }
s.endProfiling(); const file = readdirSync("/tmp").filter((f) => f.startsWith("nnprof")).map((f) => "/tmp/" + f).sort().pop();
const ev = JSON.parse(readFileSync(file, 'utf8'));
unlinkSync(file);
// per node: min over runs
const per = new Map();
for (const e of ev) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) {
  const k = e.name.replace(/_kernel_time$/, '');
  const cur = per.get(k); const d = e.dur / 1000;
  if (!cur) per.set(k, { op: e.args.op_name, min: d, cnt: 1 }); else { cur.min = Math.min(cur.min, d); cur.cnt++; }
}
const byOp = new Map();
let total = 0;
for (const [k, v] of per) { byOp.set(v.op, (byOp.get(v.op) ?? 0) + v.min); total += v.min; }
console.log(`B ${B} threads ${THR} wall ${wall.map((w) => w.toFixed(0)).join(' ')} | sum of node minima ${total.toFixed(1)} ms, ${per.size} nodes`);
for (const [op, t] of [...byOp].sort((a, b) => b[1] - a[1])) console.log(`${op.padEnd(28)} ${t.toFixed(1)}`);
const top = [...per].sort((a, b) => b[1].min - a[1].min).slice(0, Number(process.env.TOP ?? 25));
for (const [k, v] of top) console.log(`  ${v.min.toFixed(2).padStart(7)} ${v.op} ${k}`);
await trainer.dispose();
const cnt = new Map(); for (const [, v] of per) cnt.set(v.op, (cnt.get(v.op) ?? 0) + 1);
console.log([...cnt].sort((a, b) => b[1] - a[1]).map(([o, c]) => `${o}:${c}`).join(' '));
// per-run sum of node durations (last run) vs wall
const runs = []; let cur = 0, last = null;
for (const e of ev) if (e.cat === 'Session' && e.name === 'model_run') runs.push(e.dur / 1000);
console.log('model_run durations', runs.map((r) => r.toFixed(0)).join(' '));
const lastRunStart = ev.filter((e) => e.cat === 'Session' && e.name === 'model_run').pop().ts;
let sumLast = 0; for (const e of ev) if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= lastRunStart) sumLast += e.dur / 1000;
console.log('last run node sum', sumLast.toFixed(1));
const shapes = new Map(); for (const e of ev) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) shapes.set(e.name.replace(/_kernel_time$/, ''), JSON.stringify(e.args.output_type_shape ?? '').slice(0, 90));
const skip = new Set((process.env.SKIP ?? 'Conv,FusedMatMul').split(','));
const top2 = [...per].filter(([, v]) => !skip.has(v.op)).sort((a, b) => b[1].min - a[1].min).slice(0, Number(process.env.TOP2 ?? 50));
for (const [k, v] of top2) console.log(`  ${v.min.toFixed(2).padStart(7)} ${v.op.padEnd(14)} ${k.slice(0, 40).padEnd(40)} ${shapes.get(k)}`);
// aggregate by op+output shape
const agg = new Map(); for (const [k, v] of per) { const key = v.op + ' ' + shapes.get(k); const a = agg.get(key) ?? { t: 0, c: 0 }; a.t += v.min; a.c++; agg.set(key, a); }
console.log('--- by op+shape');
for (const [k, a] of [...agg].sort((x, y) => y[1].t - x[1].t).slice(0, Number(process.env.AGG ?? 40))) console.log(`  ${a.t.toFixed(2).padStart(7)} x${String(a.c).padEnd(4)} ${k}`);
if (process.env.CONVS) {
  const ins = new Map(); for (const e of ev) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) ins.set(e.name.replace(/_kernel_time$/, ''), e.args.input_type_shape);
  const rows = [];
  for (const [k, v] of per) if (v.op === 'Conv' || v.op === 'ConvTranspose' || v.op === 'FusedMatMul' || v.op === 'MatMul' || v.op === 'Gemm') {
    const i = ins.get(k).map((o) => Object.values(o)[0]);
    const out = JSON.parse(shapes.get(k).replace(/\.\.\.$/, ''))?.[0]?.float ?? [];
    let flops = 0;
    if (v.op === 'Conv') { const w = i[1]; const outN = out.reduce((a, b) => a * b, 1); flops = 2 * outN * w.slice(1).reduce((a, b) => a * b, 1); }
    rows.push([v.min, v.op, JSON.stringify(i), JSON.stringify(out), flops ? (flops / v.min / 1e6).toFixed(0) + ' GF/s' : '']);
  }
  rows.sort((a, b) => b[0] - a[0]);
  for (const r of rows.slice(0, Number(process.env.CONVS))) console.log(r[0].toFixed(2), ...r.slice(1));
}
