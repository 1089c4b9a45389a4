import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '@netsynth/core';
import { loadSamples } from '@netsynth/pcap';
import { readTensorFile } from '@netsynth/runner';
import { CLI, HAVE_CLI, HAVE_NPM, HAVE_PNPM, HEAVY, REPO_ROOT, exec } from '../src/env.js';
import { packInstalled, packWorkspace } from '../src/tarballs.js';

/**
 * docs/write-your-own-encoder.md, followed literally: every ```LANG file=PATH block is written
 * to PATH in an empty folder, every ```sh block runs there in order (bash, `set -e`), and each
 * ```text block must appear in the output of the sh block before it. Two things stand in for a
 * user's machine: `netsynth` on PATH is this repository's built CLI, and in `npm install`
 * lines the packages `@netsynth/core` and `zod` are replaced by local tarballs (packed from the
 * workspace; @netsynth/* is not on a registry yet), installed with --offline.
 */
const GUIDE = join(REPO_ROOT, 'docs', 'write-your-own-encoder.md');

interface Block {
  lang: string;
  file?: string;
  body: string;
}

function blocks(markdown: string): Block[] {
  const out: Block[] = [];
  for (const m of markdown.matchAll(/^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const file = /\bfile=(\S+)/.exec(m[2] ?? '')?.[1];
    out.push({ lang: m[1]!, body: m[3]!, ...(file !== undefined && { file }) });
  }
  return out;
}

const root = realpathSync(mkdtempSync(join(tmpdir(), 'netsynth-guide-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const skip = !HAVE_CLI || !HAVE_NPM || !HAVE_PNPM;
if (skip) console.warn('skipping the encoder guide test: needs the built CLI, npm and pnpm');

describe.skipIf(skip)('docs/write-your-own-encoder.md, followed literally', () => {
  it(
    'every step works and the run uses the guide’s encoder',
    async () => {
      const all = blocks(readFileSync(GUIDE, 'utf8'));
      expect(all.filter((b) => b.file).map((b) => b.file)).toEqual([
        'netsynth-encoder-sizes/package.json',
        'netsynth-encoder-sizes/index.js',
        'experiment/experiment.yaml',
      ]);
      const work = join(root, 'work');
      const bin = join(root, 'bin');
      const tarballs = join(root, 'tarballs');
      mkdirSync(work);
      mkdirSync(bin);
      writeFileSync(join(bin, 'netsynth'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
      chmodSync(join(bin, 'netsynth'), 0o755);
      const core = (await packWorkspace(['@netsynth/core'], tarballs)).get('@netsynth/core')!;
      const zod = await packInstalled('zod', join(REPO_ROOT, 'packages', 'core'), root, tarballs);
      const env = {
        ...process.env,
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        NETSYNTH_REPO: REPO_ROOT,
        npm_config_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      };

      let lastOutput = '';
      for (const b of all) {
        if (b.file) {
          mkdirSync(dirname(join(work, b.file)), { recursive: true });
          writeFileSync(join(work, b.file), b.body);
        } else if (b.lang === 'sh') {
          const script = b.body.replace(/^(npm install .*)$/gm, (line) =>
            line.replace(/(^|\s)@netsynth\/core(?=\s|$)/, `$1${core}`).replace(/(^|\s)zod(?=\s|$)/, `$1${zod}`),
          );
          const r = await exec('bash', ['-euo', 'pipefail', '-c', script], { cwd: work, env });
          expect(r.code, `${script}\n--- stderr:\n${r.stderr}`).toBe(0);
          lastOutput = r.stdout;
        } else if (b.lang === 'text') {
          for (const line of b.body.split('\n').filter((l) => l.trim() !== '')) expect(lastOutput).toContain(line);
        }
      }

      // The tarball the guide packed was installed and loaded by package name.
      const experiment = join(work, 'experiment');
      expect(existsSync(join(work, 'netsynth-encoder-sizes', 'netsynth-encoder-sizes-1.0.0.tgz'))).toBe(true);
      expect(existsSync(join(experiment, 'node_modules', 'netsynth-encoder-sizes', 'index.js'))).toBe(true);
      const out = join(experiment, 'out');
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      const enc = manifest.plugins.find((p: { kind: string }) => p.kind === 'encoder');
      expect(enc).toMatchObject({ name: 'netsynth-encoder-sizes', version: '1.0.0' });
      expect(enc.source).toContain(join(experiment, 'node_modules', 'netsynth-encoder-sizes'));

      // The tensors are what the guide says: IP length / 1500, signed by direction, 0 after the last packet.
      // Every window of the captures (ids do not depend on which ones the seeded cap kept).
      const config = parseRunConfig({ input: { captures: ['captures'], flows: { windowPackets: 32, minPackets: 2 } } });
      const samples = new Map((await loadSamples(config.input, experiment, { seed: 0 })).map((s) => [s.id, s]));
      const train = await readTensorFile(join(out, 'encoded', 'train.safetensors'));
      expect([train.channels, train.height, train.width]).toEqual([1, 1, 32]);
      let checked = 0;
      train.ids.forEach((id, i) => {
        const s = samples.get(id);
        if (!s) return;
        const want = s.flow.packets.slice(0, 32).map((p, k) => ((s.flow.directions[k] === 0 ? 1 : -1) * Math.min(p.originalLength - 14, 1500)) / 1500);
        const got = Array.from(train.tensors[i]!.data);
        want.forEach((v, k) => expect(got[k]).toBeCloseTo(v, 6));
        got.slice(want.length).forEach((v) => expect(v).toBe(0));
        checked++;
      });
      expect(checked).toBeGreaterThan(20);

      // The generated rows were decoded by the guide's decode() into UDP packets, repaired, written.
      const decoded = readFileSync(join(out, 'decoded', 'samples.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(decoded).toHaveLength(40);
      expect(readdirSync(join(out, 'images', 'synthetic')).sort()).toEqual(['dns', 'icmp', 'tls', 'udpstream', 'web']);
      expect(existsSync(join(out, 'synthetic.pcap'))).toBe(true);
      expect(existsSync(join(out, 'report.html'))).toBe(true);
    },
    HEAVY,
  );
});
