// The images the DDPM benches train on (ddpm.bench.mjs, ddim-diagnosis.mjs): GASF images of
// packet-size series (64 points at 16×16) of ../shared/data/lab, or of the bundled
// examples/data/demo when it is absent. Every 5th sample of a label is held out; the encoder
// is fitted on the rest. Not a benchmark itself (not *.bench.mjs).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunConfig } from '@netsynth/core';
import { GasfEncoder } from '@netsynth/encoder-gasf';
import { loadSamples } from '@netsynth/pcap';

export async function gasfBenchImages() {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const lab = join(root, '..', 'shared', 'data', 'lab');
  const dataDir = existsSync(lab) ? lab : join(root, 'examples', 'data', 'demo');
  const input = parseRunConfig({ input: { captures: [dataDir], flows: { windowPackets: 64, minPackets: 2, maxSamplesPerLabel: 60 }, holdout: 0 } }).input;
  const samples = await loadSamples(input, dataDir, { seed: 0 });
  const encoder = GasfEncoder.create({ features: ['size'], length: 64, resolution: 16 }, { seed: 0 });
  const seen = new Map();
  const train = [];
  const holdout = [];
  for (const s of samples) {
    const k = seen.get(s.label) ?? 0;
    seen.set(s.label, k + 1);
    (k % 5 === 4 ? holdout : train).push(s);
  }
  encoder.fit(train);
  const encode = (list) => list.map((s) => ({ label: s.label, tensor: encoder.encode(s) }));
  const real = encode(train);
  return {
    dataDir,
    real,
    realHoldout: encode(holdout),
    labels: [...new Set(real.map((r) => r.label))].sort(),
    /** The generator's fit input: the training images with their labels and the encoder's description. */
    trainingSet: {
      tensors: real.map((r) => r.tensor),
      labels: real.map((r) => r.label),
      encoder: { name: encoder.name, info: encoder.info(), state: encoder.state() },
    },
  };
}
