import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '@netsynth/runner';
import { HAVE_CLI, HEAVY, REPO_ROOT, netsynth } from '../src/env.js';

/**
 * A user's own captures: `netsynth init` on a folder of pcaps writes a starter config (labels
 * from folder names, or file names), naming the packet-field encoder and the 1-D DDPM (the
 * measured best pipeline, examples/packetfields.yaml), and that config runs end to end (at
 * reduced scale via --set).
 */
const DEMO = join(REPO_ROOT, 'examples', 'data', 'demo');
const root = mkdtempSync(join(tmpdir(), 'netsynth-init-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.skipIf(!HAVE_CLI)('netsynth init → netsynth run on your own captures', () => {
  it(
    'one folder per class: labels from folder names, packet fields + 1-D DDPM, and the starter config runs',
    async () => {
      const dir = join(root, 'by-folder');
      for (const c of ['web', 'dns', 'icmp']) {
        mkdirSync(join(dir, 'captures', c), { recursive: true });
        copyFileSync(join(DEMO, `${c}.pcap`), join(dir, 'captures', c, `capture-1.pcap`));
      }
      const init = await netsynth(['init', dir]);
      expect(init.code, init.stderr).toBe(0);
      expect(init.stdout).toMatch(/labels from directory names \(dns, icmp, web\)/);
      expect(init.stdout).toContain(`next: netsynth run `);
      const { config } = await loadConfigFile(join(dir, 'netsynth.yaml'));
      expect(config.input.labels.from).toBe('directory');
      expect(config.encoder).toMatchObject({ plugin: '@netsynth/encoder-packetfields', options: { maxPackets: 32 } });
      expect(config.generator).toMatchObject({ plugin: '@netsynth/generator-ddpm', options: { dims: 1 }, samplesPerLabel: 160 });
      expect(config.constraints.map((c) => c.plugin)).toEqual([
        '@netsynth/ruleset-ipv4',
        '@netsynth/ruleset-tcp',
        '@netsynth/ruleset-udp',
        '@netsynth/ruleset-icmp',
        '@netsynth/ruleset-flow',
      ]);
      expect(config.evaluators.length).toBeGreaterThanOrEqual(5);

      const sets = ['input.flows.maxSamplesPerLabel=10', 'generator.options.steps=15', 'generator.options.sampleSteps=3', 'generator.samplesPerLabel=3'];
      const run = await netsynth(['run', join(dir, 'netsynth.yaml'), '--json', ...sets.flatMap((s) => ['--set', s])]);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.outDir).toBe(join(dir, 'out'));
      expect(readdirSync(join(dir, 'out', 'images', 'synthetic')).sort()).toEqual(['dns', 'icmp', 'web']);
      expect(existsSync(join(dir, 'out', 'synthetic.pcap'))).toBe(true);
      expect(existsSync(join(dir, 'out', 'report.html'))).toBe(true);
    },
    HEAVY,
  );

  it(
    'one file per class: labels from file names',
    async () => {
      const dir = join(root, 'by-file');
      mkdirSync(dir);
      for (const c of ['tls', 'udpstream']) copyFileSync(join(DEMO, `${c}.pcap`), join(dir, `${c}.pcap`));
      const init = await netsynth(['init', dir, '--json']);
      expect(init.code, init.stderr).toBe(0);
      expect(JSON.parse(init.stdout)).toMatchObject({
        labelsFrom: 'filename',
        labels: ['tls', 'udpstream'],
        plugins: { encoder: ['@netsynth/encoder-packetfields'], generator: ['@netsynth/generator-ddpm'] },
      });
    },
    HEAVY,
  );
});
