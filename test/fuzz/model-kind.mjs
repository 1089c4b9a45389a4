// The model-folder kind of the fuzzing harness: a tiny 1-D DDPM trained once per fuzz run on
// two demo captures, then, per mutant, a copy of that run with its model folder damaged and
// `netsynth run` run again on it. The run either samples from the damaged model.onnx /
// model.json (the train stage's marker is made to trust the damaged files, as if they had
// been damaged before the hashes were recorded, so the loader, not the sha256 check, meets
// them) or resumes training from the damaged checkpoint.safetensors.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Repository-relative captures the base model is trained on (bundled, so no ../shared/data needed). */
export const MODEL_CAPTURES = ['examples/data/demo/dns.pcap', 'examples/data/demo/icmp.pcap'];

/** The smallest model that still runs every stage: 2 training steps, 10 timesteps, 2 sampling steps. */
export const MODEL_CONFIG = `version: 1
name: fuzz-model
seed: 3
input:
  captures: [captures]
  labels: { from: filename }
  flows: { idleTimeoutSeconds: 60, windowPackets: 8, minPackets: 2, maxSamplesPerLabel: 16 }
  holdout: 0.25
encoder:
  plugin: "@netsynth/encoder-packetfields"
  options: { maxPackets: 8 }
generator:
  plugin: "@netsynth/generator-ddpm"
  options: { dims: 1, channels: 8, groups: 4, steps: 2, batchSize: 8, warmupSteps: 1, timesteps: 10, sampleSteps: 2, threads: 1, checkpointEvery: 1 }
  samplesPerLabel: 2
constraints:
  - plugin: "@netsynth/ruleset-ipv4"
evaluators: []
output:
  dir: out
  images: false
`;

/** Stages after training: their markers and outputs are removed from the base so every mutant runs them. */
const AFTER_TRAIN = ['sample', 'decode', 'constraints', 'pcap'];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Leaves the base run as if it had stopped right after training (work/ holds the later stages' scratch). */
export function pruneAfterTraining(out) {
  for (const stage of AFTER_TRAIN) {
    const marker = join(out, 'stages', `${stage}.done.json`);
    if (!existsSync(marker)) continue;
    for (const rel of JSON.parse(readFileSync(marker, 'utf8')).outputs) rmSync(join(out, rel), { recursive: true, force: true });
    rmSync(marker);
  }
  rmSync(join(out, 'work'), { recursive: true, force: true });
  rmSync(join(out, 'manifest.json'), { force: true });
}

/** The trained model folder of the base run: { file name → bytes }. */
export function readModelFolder(base) {
  const dir = join(base, 'out', 'model');
  return Object.fromEntries(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
}

/**
 * Writes mutant `m` as a run folder (a copy of the base run with the model files replaced) and
 * returns the worker's job fields. Sampling mutants get a train marker listing the damaged
 * files' hashes; resuming mutants get only a `started` marker, as a killed training leaves.
 */
export function mutantRunFolder(bases, m) {
  const run = join(bases.dir, 'model-run');
  rmSync(run, { recursive: true, force: true });
  cpSync(bases.base, run, { recursive: true });
  const out = join(run, 'out');
  for (const [name, bytes] of Object.entries(m.files)) {
    if (bytes === null) rmSync(join(out, 'model', name), { force: true });
    else writeFileSync(join(out, 'model', name), bytes);
  }
  const markerFile = join(out, 'stages', 'train.done.json');
  const marker = JSON.parse(readFileSync(markerFile, 'utf8'));
  if (m.resume) {
    rmSync(markerFile);
    writeFileSync(join(out, 'stages', 'train.started.json'), JSON.stringify({ stage: 'train', inputHash: marker.inputHash, startedAt: marker.finishedAt }));
  } else {
    marker.files = marker.files.flatMap((f) => {
      const name = f.path.slice('model/'.length);
      if (!(name in m.files)) return [f];
      const bytes = m.files[name];
      return bytes === null ? [] : [{ ...f, bytes: bytes.length, sha256: sha256(bytes) }];
    });
    writeFileSync(markerFile, JSON.stringify(marker));
  }
  return { config: join(run, 'run.yaml'), out, dir: run };
}
