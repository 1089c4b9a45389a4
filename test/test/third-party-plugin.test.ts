import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkType, parseRunConfig, type LabelledSample, type Packet } from '@netsynth/core';
import { loadSamples, recomputeChecksums, writePcap } from '@netsynth/pcap';
import { readTensorFile } from '@netsynth/runner';
import { HAVE_CLI, HAVE_NPM, HAVE_PNPM, REPO_ROOT, exec, netsynth } from '../src/env.js';

/**
 * A plugin published as its own package loads like ours: the fixture encoder (plain ESM, peer
 * dependency on @netsynth/core) is packed with `npm pack` into a folder outside the
 * workspace, installed from the tarball into a fresh project (with @netsynth/core and zod
 * also from local tarballs, so no registry is needed), and named in a config by package name
 * — and, separately, by local path.
 */
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'third-party-encoder');
const BINS = 6;
const BIN_BYTES = 150;

let root: string;
let project: string;

async function mustRun(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await exec(cmd, args, { cwd });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
  return r.stdout;
}

function tcp(t: bigint, client: boolean, port: number, payload: number): Packet {
  const total = 40 + payload;
  const d = new Uint8Array(total);
  const v = new DataView(d.buffer);
  d[0] = 0x45;
  v.setUint16(2, total);
  d[8] = 64;
  d[9] = 6;
  d.set(client ? [10, 1, 0, 2, 10, 1, 0, 1] : [10, 1, 0, 1, 10, 1, 0, 2], 12);
  v.setUint16(20, client ? port : 443);
  v.setUint16(22, client ? 443 : port);
  d[32] = 0x50;
  d[33] = 0x18;
  return recomputeChecksums({ timestampNs: t, capturedLength: total, originalLength: total, linkType: LinkType.RAW, data: d });
}

/** Two classes of flows with different size profiles. */
async function writeCaptures(dir: string): Promise<void> {
  for (const [name, big] of [
    ['small', 0],
    ['large', 1],
  ] as const) {
    const packets: Packet[] = [];
    for (let f = 0; f < 3; f++) {
      for (let i = 0; i < 10; i++) {
        const t = 1_700_000_000_000_000_000n + BigInt(f) * 100_000_000_000n + BigInt(i) * 1_000_000n;
        packets.push(tcp(t, i % 2 === 0, 50000 + f, big ? 100 + i * 130 : i * 20));
      }
    }
    mkdirSync(join(dir, 'captures'), { recursive: true });
    await writePcap(join(dir, 'captures', `${name}.pcap`), packets, { linkType: LinkType.RAW });
  }
}

/** What the encoder must produce, computed here from the captures independently of it. */
function expectedHistogram(sample: LabelledSample): number[] {
  const h = new Array<number>(BINS).fill(0);
  for (const p of sample.flow.packets) h[Math.min(BINS - 1, Math.floor(p.originalLength / BIN_BYTES))]! += 1 / sample.flow.packets.length;
  return h;
}

const CONFIG = (plugin: string): string => `
input:
  captures: [captures]
  holdout: 0
encoder:
  plugin: ${JSON.stringify(plugin)}
  options: { bins: ${BINS}, binBytes: ${BIN_BYTES} }
`;

const skip = !HAVE_NPM || !HAVE_CLI;
if (!HAVE_NPM) console.warn('skipping third-party plugin e2e: npm not on PATH');
else if (!HAVE_CLI) console.warn('skipping third-party plugin e2e: apps/runner/dist/cli.js not built');

describe.skipIf(skip)('a third-party encoder packed into a tarball and installed outside the workspace', () => {
  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'netsynth-third-party-')));
    const tarballs = join(root, 'tarballs');
    project = join(root, 'project');
    mkdirSync(tarballs);
    mkdirSync(project);
    await mustRun('npm', ['pack', FIXTURE, '--pack-destination', tarballs, '--ignore-scripts'], root);
    // pnpm pack rewrites workspace: ranges; core has none, so npm pack does the same where pnpm is absent.
    if (HAVE_PNPM) await mustRun('pnpm', ['--filter', '@netsynth/core', 'pack', '--pack-destination', tarballs], REPO_ROOT);
    else await mustRun('npm', ['pack', join(REPO_ROOT, 'packages', 'core'), '--pack-destination', tarballs, '--ignore-scripts'], root);
    // zod (core's one dependency, and the plugin's peer) from the workspace's copy, packed too,
    // so the install needs no registry. npm pack is run on a plain copy of the folder.
    const zodDir = realpathSync(join(REPO_ROOT, 'packages', 'core', 'node_modules', 'zod'));
    cpSync(zodDir, join(root, 'zod'), { recursive: true, dereference: true });
    await mustRun('npm', ['pack', join(root, 'zod'), '--pack-destination', tarballs, '--ignore-scripts'], root);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-experiment', private: true }));
    const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
    const offline = await exec('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tgz], { cwd: project });
    if (offline.code !== 0) {
      // A registry cache miss for something unexpected: the npm registry is reachable, use it.
      await mustRun('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...tgz], project);
    }
    await writeCaptures(project);
  });

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function checkRun(configName: string, expectedSource: string): Promise<void> {
    const run = await netsynth(['run', configName, '--json'], project);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { outDir: string; stages: { name: string }[] };
    expect(result.outDir).toBe(join(project, 'out', configName));
    expect(result.stages.map((s) => s.name)).toEqual(['ingest', 'encode']);

    const tensors = await readTensorFile(join(result.outDir, 'encoded', 'train.safetensors'));
    const config = parseRunConfig({ input: { captures: ['captures'], holdout: 0 } });
    const samples = await loadSamples(config.input, project, { seed: 0 });
    expect(tensors.count).toBe(samples.length);
    expect([tensors.channels, tensors.height, tensors.width]).toEqual([1, 1, BINS]);
    expect(tensors.ids).toEqual(samples.map((s) => s.id));
    samples.forEach((sample, i) => {
      const got = Array.from(tensors.tensors[i]!.data);
      expectedHistogram(sample).forEach((v, k) => expect(got[k]).toBeCloseTo(v, 6));
    });
    // The two classes look different, so the encoder did real work.
    expect(tensors.tensors[0]!.data).not.toEqual(tensors.tensors[tensors.count - 1]!.data);

    const state = JSON.parse(readFileSync(join(result.outDir, 'encoded', 'encoder.json'), 'utf8'));
    expect(state).toMatchObject({ plugin: 'netsynth-encoder-histogram', version: '1.0.0', state: { samplesSeen: samples.length } });
    expect(readdirSync(join(result.outDir, 'images', 'real', 'small'))).toHaveLength(3);
    const manifest = JSON.parse(readFileSync(join(result.outDir, 'manifest.json'), 'utf8'));
    expect(manifest.plugins[0]).toMatchObject({ name: 'netsynth-encoder-histogram', kind: 'encoder', version: '1.0.0' });
    expect(manifest.plugins[0].source).toContain(expectedSource);
  }

  it('by package name, resolved from the config’s folder', async () => {
    expect(existsSync(join(project, 'node_modules', 'netsynth-encoder-histogram', 'index.js'))).toBe(true);
    writeFileSync(join(project, 'by-name.yaml'), `${CONFIG('netsynth-encoder-histogram')}output: { dir: out/by-name.yaml }\n`);
    await checkRun('by-name.yaml', join(project, 'node_modules', 'netsynth-encoder-histogram'));
  });

  it('by local path (an unpacked copy of the plugin folder)', async () => {
    cpSync(FIXTURE, join(project, 'plugins', 'histogram'), { recursive: true });
    writeFileSync(join(project, 'by-path.yaml'), `${CONFIG('./plugins/histogram')}output: { dir: out/by-path.yaml }\n`);
    await checkRun('by-path.yaml', join(project, 'plugins', 'histogram'));
  });

  it('netsynth plugins lists it with its options', async () => {
    const r = await netsynth(['plugins', '--json', '--plugin', 'netsynth-encoder-histogram'], project);
    expect(r.code, r.stderr).toBe(0);
    const { plugins } = JSON.parse(r.stdout);
    const p = plugins.find((x: { name: string }) => x.name === 'netsynth-encoder-histogram');
    expect(p).toMatchObject({ kind: 'encoder', version: '1.0.0', package: 'netsynth-encoder-histogram' });
    expect(p.options.properties.bins).toMatchObject({ type: 'integer', default: 8 });
  });

  it('a plugin that is not installed: exit 2 and how to install it', async () => {
    writeFileSync(join(project, 'missing.yaml'), CONFIG('netsynth-encoder-nonexistent'));
    const r = await netsynth(['run', 'missing.yaml'], project);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[PLUGIN_LOAD\] .*missing\.yaml:6:3, at encoder\.plugin: plugin "netsynth-encoder-nonexistent": package not found/);
    expect(r.stderr).toContain(`install it with \`npm i netsynth-encoder-nonexistent\` in ${project}`);
  });
});
