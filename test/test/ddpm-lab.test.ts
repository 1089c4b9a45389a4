import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logisticRegression } from '@netsynth/evaluator-downstream';
import { readTensorFile } from '@netsynth/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, SHARED, netsynth } from '../src/env.js';

/**
 * Issue 6 acceptance, at small scale: `netsynth run` on ../shared/data/lab (7 classes, label =
 * file name) with GASF images of packet-size series (64 packets → 16×16) and the DDPM generator
 * (16-channel two-level U-Net, cosine schedule, v-prediction, 600 steps of 32 images at lr 4e-3,
 * DPM-Solver++ 20 steps, guidance 4).
 * A logistic regression trained on the REAL training images must recognise the labels of
 * the synthetic images far above chance (1/7). Budget: ≤ 3 minutes on 2 shared cores.
 */
const LAB = join(SHARED, 'lab');
const HAVE_LAB = existsSync(LAB);
const PER_LABEL = 20;

const config = (): string => `
version: 1
seed: 3
input:
  captures: [${JSON.stringify(LAB)}]
  labels: { from: filename }
  flows: { windowPackets: 64, minPackets: 2, maxSamplesPerLabel: 60 }
  holdout: 0.2
encoder:
  plugin: "@netsynth/encoder-gasf"
  options: { features: [size], length: 64, resolution: 16 }
generator:
  plugin: "@netsynth/generator-ddpm"
  options: { channels: 16, steps: 600, batchSize: 32, lr: 0.004, warmupSteps: 50, schedule: cosine, prediction: v, sampler: dpmpp2m, sampleSteps: 20, guidanceScale: 4 }
  samplesPerLabel: ${PER_LABEL}
output: { dir: out, pcap: false, images: false }
`;

if (!HAVE_LAB) console.warn(`ddpm-lab: skipped, no ${LAB} (set NETSYNTH_SHARED_DATA)`);
else if (!HAVE_CLI) console.warn('ddpm-lab: skipped, the runner is not built (apps/runner/dist/cli.js)');

describe.skipIf(!HAVE_LAB || !HAVE_CLI)('DDPM on the lab captures (GASF 16×16 of packet sizes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-ddpm-lab-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('samples every class, and a classifier trained on real images recognises the synthetic ones', async () => {
    writeFileSync(join(dir, 'lab.yaml'), config());
    const t0 = performance.now();
    const run = await netsynth(['run', 'lab.yaml'], dir);
    const seconds = (performance.now() - t0) / 1000;
    if (run.code !== 0) console.error(run.stderr);
    expect(run.code).toBe(0);

    const out = join(dir, 'out');
    const train = await readTensorFile(join(out, 'encoded/train.safetensors'));
    const holdout = await readTensorFile(join(out, 'encoded/holdout.safetensors'));
    const synthetic = await readTensorFile(join(out, 'generated/samples.safetensors'));
    const labels = [...new Set(train.labels)].sort();
    expect(labels).toEqual(['bulk', 'dns', 'download', 'icmp', 'tls', 'udpstream', 'web']);
    for (const l of labels) expect(synthetic.labels.filter((s) => s === l)).toHaveLength(PER_LABEL);

    const rows = (ts: readonly { data: Float32Array }[]): number[][] => ts.map((t) => Array.from(t.data));
    const ids = (ls: readonly string[]): number[] => ls.map((l) => labels.indexOf(l));
    const clf = await logisticRegression().fit({ rows: rows(train.tensors), labels: ids(train.labels), classes: labels.length }, 1);
    const accuracy = async (set: { tensors: { data: Float32Array }[]; labels: string[] }): Promise<{ all: number; perClass: Record<string, string> }> => {
      const pred = await clf.predict(rows(set.tensors));
      const perClass: Record<string, string> = {};
      for (const l of labels) {
        const idx = set.labels.map((s, i) => (s === l ? i : -1)).filter((i) => i >= 0);
        perClass[l] = `${idx.filter((i) => labels[pred[i] as number] === l).length}/${idx.length}`;
      }
      return { all: pred.filter((p, i) => labels[p] === set.labels[i]).length / pred.length, perClass };
    };
    const real = await accuracy(holdout);
    const syn = await accuracy(synthetic);
    const chance = 1 / labels.length;
    console.log(
      `ddpm-lab (${seconds.toFixed(0)} s, ${train.count} training images): logistic regression trained on real GASF images — ` +
        `real holdout accuracy ${real.all.toFixed(3)}, synthetic accuracy ${syn.all.toFixed(3)} (chance ${chance.toFixed(3)})\n` +
        `  synthetic per class: ${JSON.stringify(syn.perClass)}`,
    );
    expect(syn.all).toBeGreaterThan(3 * chance);
  }, 400_000);
});
