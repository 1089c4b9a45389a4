import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createImageTensor, definePlugin, silentProgress, type Generator, type ImageTensor } from '@netsynth/core';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runPipeline } from '../src/index.js';
import { cleanupTmp, tmp, writeFiles } from './helpers.js';

/**
 * The acceptance through `netsynth run` itself, on ../shared/data/lab (skipped when
 * absent): nPrint images of 7 classes, 40 samples per class of ≤ 16 packets, half held back.
 * 1. No generator: the real holdout against the other (training) half — a real-vs-real
 *    baseline: near-zero distances, small FD, train-synthetic ≈ train-real.
 * 2. A deliberately poor generator, "shuffled fields": every header field of every packet row
 *    is copied from a random real packet that has that field (any class) — each field's
 *    values are real, their combination is not. The metrics must say so.
 */
const LAB = sharedPath('lab');
const HAVE_LAB = haveShared('the lab report acceptance', 'lab');

/** Shuffled-fields generator over nPrint tensors (fields = column-name prefixes, e.g. tcp_dprt_0..15). */
const shuffledFields = definePlugin({
  name: 'test/shuffled-fields',
  kind: 'generator',
  version: '1.0.0',
  description: 'header fields of real packets recombined at random across packets and classes',
  options: z.strictObject({}),
  create: (): Generator => ({
    name: 'test/shuffled-fields',
    async fit(data, modelDir) {
      mkdirSync(modelDir, { recursive: true });
      writeFileSync(join(modelDir, 'model.json'), JSON.stringify({ columns: data.encoder.info.metadata['columns'] }));
      return { modelDir, steps: 0 };
    },
    async sample(modelDir, request, ctx) {
      const { columns } = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { columns: string[] };
      const fields = new Map<string, number[]>();
      columns.forEach((c, i) => {
        const f = c.replace(/_\d+$/, '');
        fields.set(f, [...(fields.get(f) ?? []), i]);
      });
      const refs: ImageTensor[] = Object.values(request.references ?? {}).flat();
      const W = columns.length;
      const present = (t: ImageTensor, row: number, cols: number[]): boolean => cols.some((c) => (t.data[row * W + c] as number) > -0.5);
      // Donor rows per field: every real packet row that carries the field.
      const donors = new Map<string, [ImageTensor, number][]>();
      for (const [f, cols] of fields)
        donors.set(
          f,
          refs.flatMap((t) => Array.from({ length: t.height }, (_, r) => [t, r] as [ImageTensor, number]).filter(([, r]) => present(t, r, cols))),
        );
      const out = [];
      for (const [label, n] of Object.entries(request.perLabel)) {
        const own = request.references?.[label] ?? [];
        for (let k = 0; k < n; k++) {
          const base = own[k % own.length] as ImageTensor;
          const t = createImageTensor(base.channels, base.height, base.width, Float32Array.from(base.data));
          for (let r = 0; r < t.height; r++) {
            for (const [f, cols] of fields) {
              const pool = donors.get(f) ?? [];
              if (!present(base, r, cols) || pool.length === 0) continue;
              const [donor, dr] = pool[ctx.rng.int(pool.length)] as [ImageTensor, number];
              for (let c = 0; c < t.channels; c++)
                for (const col of cols) t.data[(c * t.height + r) * W + col] = donor.data[(c * donor.height + dr) * W + col] as number;
            }
          }
          out.push({ label, tensor: t });
        }
      }
      return out;
    },
  }),
});

const config = (generator: boolean): string => `
version: 1
seed: 5
input:
  captures: [${JSON.stringify(LAB)}]
  flows: { windowPackets: 16, minPackets: 2, maxSamplesPerLabel: 40 }
  holdout: 0.5
encoder:
  plugin: "@netsynth/encoder-nprint"
  options: { maxPackets: 16, tensor: signed1, interArrival: false }
${generator ? 'generator:\n  plugin: test/shuffled-fields\n  samplesPerLabel: 20\n' : ''}evaluators:
  - plugin: "@netsynth/evaluator-distribution"
  - plugin: "@netsynth/evaluator-validity"
    options: { tshark: "off" }
  - plugin: "@netsynth/evaluator-downstream"
    options: { classifiers: [decision_tree, random_forest, gradient_boosting, logistic_regression, naive_bayes], mixRatios: [1], forest: { trees: 30 }, boosting: { rounds: 30 } }
  - plugin: "@netsynth/evaluator-fd"
    options: { cnn: { steps: 150, featureSize: 16 }, minPerClass: 8 }
`;

interface Metrics {
  evaluators: { evaluator: string; metrics: { name: string; value: number | null; real?: number | null; synthetic?: number | null }[] }[];
  images: { label: string; real: number; synthetic: number }[];
}
const get = (m: Metrics, evaluator: string, name: string) => {
  const x = m.evaluators.find((e) => e.evaluator === `@netsynth/evaluator-${evaluator}`)?.metrics.find((y) => y.name === name);
  if (!x) throw new Error(`no ${evaluator} metric ${name}`);
  return x;
};
const v = (m: Metrics, evaluator: string, name: string): number => get(m, evaluator, name).value as number;
const CLASSIFIERS = ['decision_tree', 'random_forest', 'gradient_boosting', 'logistic_regression', 'naive_bayes'];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.skipIf(!HAVE_LAB)('netsynth run on ../shared/data/lab: real vs held-back half, and a shuffled-fields generator', () => {
  let dir = '';
  let base: Metrics;
  let bad: Metrics;

  beforeAll(async () => {
    dir = tmp('netsynth-lab-report-');
    writeFiles(dir, { 'baseline.yaml': config(false), 'shuffled.yaml': config(true) });
    const opts = { plugins: [shuffledFields], progress: silentProgress };
    await runPipeline(join(dir, 'baseline.yaml'), { ...opts, outDir: join(dir, 'baseline') });
    await runPipeline(join(dir, 'shuffled.yaml'), { ...opts, outDir: join(dir, 'shuffled') });
    base = JSON.parse(readFileSync(join(dir, 'baseline', 'metrics.json'), 'utf8')) as Metrics;
    bad = JSON.parse(readFileSync(join(dir, 'shuffled', 'metrics.json'), 'utf8')) as Metrics;
    if (process.env['DEBUG_LAB']) {
      for (const e of base.evaluators)
        for (const m of e.metrics)
          console.log(m.name, m.value, bad.evaluators.find((b) => b.evaluator === e.evaluator)?.metrics.find((b) => b.name === m.name)?.value);
    }
  }, 300_000);
  afterAll(cleanupTmp);

  it('real against the held-back half: near-zero distances, small FD, TSTR ≈ TRTR', () => {
    expect(v(base, 'distribution', 'packets.protocol.jsd')).toBeLessThan(0.01);
    // With the flow split (default) the held-back half is other flows, not other windows of the
    // same flows: real-vs-real distances are larger than they were with the window split.
    expect(v(base, 'distribution', 'packets.length.emd_norm')).toBeLessThan(0.1);
    expect(v(base, 'distribution', 'flows.packets.emd_norm')).toBeLessThan(0.1);
    expect(v(base, 'validity', 'netshare.all')).toBe(1);
    const trtr = CLASSIFIERS.map((c) => get(base, 'downstream', `tstr.${c}.accuracy`).real as number);
    const tstr = CLASSIFIERS.map((c) => get(base, 'downstream', `tstr.${c}.accuracy`).synthetic as number);
    expect(mean(trtr)).toBeGreaterThan(0.8);
    expect(Math.abs(mean(tstr) - mean(trtr))).toBeLessThan(0.1);
    expect(v(base, 'fd', 'fd.cnn.train_accuracy')).toBeGreaterThan(0.8);
    expect(base.images).toHaveLength(7);
    expect(existsSync(join(dir, 'baseline', 'report.html'))).toBe(true);
  });

  it('the shuffled-fields generator: the report shows worse distributions, FD, validity and downstream scores', () => {
    // Measured (seed 5): FD 121 vs 5.4; bytes per flow 0.139 vs 0.031 (normalised EMD); mean TSTR
    // 0.43 vs TRTR 0.95; every packet fails a ruleset (mismatched lengths and checksums);
    // 11 % break NetShare's port/protocol test. Per-field marginals barely move (packet length 0.038 vs 0.034).
    expect(bad.images.every((g) => g.synthetic === 8)).toBe(true);
    // FD's small feature network depends on its seed: measured shuffled / real-vs-real 93 / 34 (seed 5),
    // 95 / 19 (seed 6), 144 / 21 (seed 7); the real-vs-real figure moves most, so the margin is 2x.
    expect(v(bad, 'fd', 'fd.all')).toBeGreaterThan(2 * v(base, 'fd', 'fd.all'));
    expect(v(bad, 'distribution', 'flows.bytes.emd_norm')).toBeGreaterThan(1.5 * v(base, 'distribution', 'flows.bytes.emd_norm'));
    const tstr = CLASSIFIERS.map((c) => get(bad, 'downstream', `tstr.${c}.accuracy`).synthetic as number);
    const trtr = CLASSIFIERS.map((c) => get(bad, 'downstream', `tstr.${c}.accuracy`).real as number);
    expect(mean(tstr)).toBeLessThan(mean(trtr) - 0.3);
    expect(v(bad, 'validity', 'ruleset.all.packets_pass')).toBeLessThan(0.5);
    expect(v(bad, 'validity', 'netshare.all')).toBeLessThan(0.95);
    expect(existsSync(join(dir, 'shuffled', 'report.html'))).toBe(true);
  });
});
