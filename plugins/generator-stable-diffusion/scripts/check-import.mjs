// Checks the graph import on a UNet export before training on it (run after a build):
//   node scripts/check-import.mjs UNET.onnx [LATENT=8] [CTX=768]
// Runs the export in onnxruntime, then nn's replay of it (weights as external data, as the
// training graph gets them), both at batch 1 with the same seeded inputs, and prints one JSON
// line with the max abs difference, the ops of the export and peak RSS. Memory ≈ 3–4× the
// weights (the two sessions run one after the other).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Graph, serializeGraphExternal, writeExternalModel } from '@netsynth/nn';
import * as ort from 'onnxruntime-node';
import { decodeModel, loadConstants, replayOnnx } from '../dist/index.js';

const [unet, latentArg, ctxArg] = process.argv.slice(2);
const h = Number(latentArg ?? 8);
const ctx = Number(ctxArg ?? 768);
const model = decodeModel(readFileSync(unet));
const tIn = model.graph.input.find((i) => i.name === 'timestep');
const tInt = tIn?.type?.tensorType?.elemType === 7;
const x = Float32Array.from({ length: 4 * h * h }, (_, i) => Math.sin(i * 0.37));
const c = Float32Array.from({ length: 77 * ctx }, (_, i) => Math.cos(i * 0.11) * 0.5);
const feeds = () => ({
  sample: new ort.Tensor('float32', x, [1, 4, h, h]),
  timestep: tInt ? new ort.Tensor('int64', BigInt64Array.of(500n), [1]) : new ort.Tensor('float32', Float32Array.of(500), [1]),
  encoder_hidden_states: new ort.Tensor('float32', c, [1, 77, ctx]),
});
const ops = {};
for (const n of model.graph.node) ops[n.opType] = (ops[n.opType] ?? 0) + 1;
let t = performance.now();
const s0 = await ort.InferenceSession.create(unet);
const ref = (await s0.run(feeds()))[s0.outputNames[0]].data;
await s0.release();
const ortS = (performance.now() - t) / 1000;
t = performance.now();
const consts = await loadConstants(model, dirname(unet), unet);
const g = new Graph();
const out = replayOnnx(model, consts, g, {
  sample: g.input('sample', [1, 4, h, h]),
  timestep: g.input('timestep', [1], tInt ? 'int64' : 'float32'),
  encoder_hidden_states: g.input('encoder_hidden_states', [1, 77, ctx]),
});
const dir = mkdtempSync(join(tmpdir(), 'sd-check-import-'));
try {
  const m = serializeGraphExternal(g, { out: Object.values(out)[0] }, { threshold: 1024, location: 'model.onnx_data' });
  await writeExternalModel(join(dir, 'model.onnx'), dir, m);
  const s1 = await ort.InferenceSession.create(join(dir, 'model.onnx'));
  const got = (await s1.run(feeds())).out.data;
  await s1.release();
  let d = 0;
  let mag = 0;
  for (let i = 0; i < got.length; i++) {
    d = Math.max(d, Math.abs(got[i] - ref[i]));
    mag = Math.max(mag, Math.abs(ref[i]));
  }
  console.log(
    JSON.stringify({
      bench: 'sd-check-import',
      unet,
      nodes: model.graph.node.length,
      weightsMB: Math.round([...consts.values()].reduce((a, k) => a + k.data.byteLength, 0) / 1e6),
      latent: h,
      maxAbsDiff: d,
      maxAbsOutput: mag,
      ortS: +ortS.toFixed(1),
      importS: +((performance.now() - t) / 1000).toFixed(1),
      sideFileMB: Math.round(statSync(join(dir, 'model.onnx_data')).size / 1e6),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      ops,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
