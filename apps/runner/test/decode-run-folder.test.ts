/**
 * `netsynth decode` on the folders a run writes (issue 20): the run's `encoded/` folder (its
 * training tensors, no tensors.safetensors) and the run's output folder (its generated
 * tensors) decode with the encoder options the run used, also for runs whose encoder.json was
 * written before it recorded them (the options come from manifest.json then).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureAll } from '@netsynth/pcap';
import { main, memoryIo, readTensorFile, runCommand } from '../src/index.js';
import { decodeCommand } from '../src/commands/decode.js';
import { cleanupTmp, RUNNER_ROOT, tmp } from './helpers.js';

/** A run small enough for a unit test: packetfields series of 8 packets and a 2-step 1-D DDPM. */
const CONFIG = `version: 1
seed: 3
input:
  captures: [captures]
  labels: { from: filename }
  flows: { windowPackets: 8, minPackets: 2, maxSamplesPerLabel: 12 }
  holdout: 0.25
encoder:
  plugin: "@netsynth/encoder-packetfields"
  options: { maxPackets: 8 }
generator:
  plugin: "@netsynth/generator-ddpm"
  options: { dims: 1, channels: 8, groups: 4, steps: 2, batchSize: 8, warmupSteps: 1, timesteps: 10, sampleSteps: 2, threads: 1 }
  samplesPerLabel: 2
constraints: []
evaluators: []
output:
  dir: out
  images: false
`;

let dir: string;
let out: string;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(dir);
  const code = await main(args, [runCommand, decodeCommand], { io });
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  dir = tmp();
  mkdirSync(join(dir, 'captures'));
  for (const c of ['dns.pcap', 'icmp.pcap']) copyFileSync(join(RUNNER_ROOT, '..', '..', 'examples', 'data', 'demo', c), join(dir, 'captures', c));
  writeFileSync(join(dir, 'run.yaml'), CONFIG);
  const r = await cli(['run', 'run.yaml']);
  expect(r.err).not.toMatch(/error \[/);
  out = join(dir, 'out');
}, 120_000);
afterAll(cleanupTmp);

/** Decodes `input` to a fresh capture; the summary, and the packets read back. */
async function decode(input: string, name: string, extra: string[] = []): Promise<{ samples: number; packets: number; read: number }> {
  const r = await cli(['decode', input, '-o', name, '--json', ...extra]);
  expect(r.err).not.toMatch(/error \[/);
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.out) as { samples: number; packets: number };
  const { packets } = await readCaptureAll(join(dir, name));
  return { ...summary, read: packets.length };
}

describe('netsynth decode on the folders of a run', () => {
  it("decodes a run's encoded/ folder: every training sample, with the run's encoder options", async () => {
    const train = await readTensorFile(join(out, 'encoded', 'train.safetensors'));
    const r = await decode('out/encoded', 'train.pcap');
    expect(r.samples).toBe(train.count);
    expect(r.packets).toBeGreaterThan(0);
    expect(r.read).toBe(r.packets);
  });

  it('decodes the holdout tensors of encoded/ with --tensors', async () => {
    const holdout = await readTensorFile(join(out, 'encoded', 'holdout.safetensors'));
    const r = await decode('out/encoded', 'holdout.pcap', ['--tensors', 'out/encoded/holdout.safetensors']);
    expect(r.samples).toBe(holdout.count);
  });

  it("decodes a run's output folder: its generated samples", async () => {
    const r = await decode('out', 'generated.pcap');
    expect(r.samples).toBe(4);
    expect(r.packets).toBeGreaterThan(0);
  });

  it('takes the options from manifest.json for a run whose encoder.json holds none (runs before 0.2)', async () => {
    const file = join(out, 'encoded', 'encoder.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(state['options']).toEqual({ maxPackets: 8 });
    delete state['options'];
    writeFileSync(file, JSON.stringify(state));
    const r = await decode('out/encoded', 'old-run.pcap');
    expect(r.packets).toBeGreaterThan(0);
  });
});
