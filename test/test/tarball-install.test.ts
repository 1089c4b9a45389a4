import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_PNPM, HEAVY, REPO_ROOT, exec } from '../src/env.js';
import { workspacePackages } from '../src/tarballs.js';

/**
 * `pnpm -r pack` makes installable tarballs: every public package is packed (workspace: ranges
 * replaced by versions, dist + README inside), then the runner and two plugins
 * (@netsynth/encoder-packetfields, @netsynth/generator-ddpm) are installed from those tarballs into an
 * empty folder outside the workspace — every @netsynth/* dependency from its tarball (pnpm
 * overrides to file: paths, so no registry is asked for them), the third-party dependencies
 * from pnpm's store with --offline (falling back to the registry if the store lacks one), and
 * install scripts off (onnxruntime-node needs none: its CPU binaries are in the package) —
 * and the quickstart runs there, at reduced scale, from the installed `netsynth` binary.
 */
const PUBLIC = [...workspacePackages().keys()].filter((n) => n !== '@netsynth/test');

let root: string;
let tarballs: Map<string, string>;
let project: string;

const skip = !HAVE_PNPM || !HAVE_CLI;
if (skip) console.warn('skipping the tarball install test: needs pnpm and the built packages');

async function mustRun(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  const r = await exec(cmd, args, { cwd });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

describe.skipIf(skip)('the runner and two plugins installed from `pnpm -r pack` tarballs into an empty folder', () => {
  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'netsynth-tarballs-')));
    const dest = join(root, 'tarballs');
    await mustRun('pnpm', ['-r', 'pack', '--pack-destination', dest], REPO_ROOT);
    tarballs = new Map();
    for (const f of readdirSync(dest)) {
      const name = PUBLIC.find(
        (n) => f === `${n.slice(1).replace('/', '-')}-${JSON.parse(readFileSync(join(workspacePackages().get(n)!, 'package.json'), 'utf8')).version}.tgz`,
      );
      if (name) tarballs.set(name, join(dest, f));
    }
  }, 120_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  }, HEAVY);

  it(
    'every public package has a tarball with dist/index.js, its .d.ts, README.md and no workspace: range',
    async () => {
      expect([...tarballs.keys()].sort()).toEqual([...PUBLIC].sort());
      for (const [name, tgz] of tarballs) {
        const files = (await mustRun('tar', ['-tzf', tgz], root)).split('\n');
        for (const f of ['package/package.json', 'package/README.md', 'package/dist/index.js', 'package/dist/index.d.ts'])
          expect(files, `${name}: ${f}`).toContain(f);
        const pkg = JSON.parse(await mustRun('tar', ['-xzOf', tgz, 'package/package.json'], root));
        expect(JSON.stringify(pkg), name).not.toContain('workspace:');
        expect(pkg.name).toBe(name);
        // The private test helpers are never published: no published package may need them to run.
        expect(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }), name).not.toContain('@netsynth/test-support');
      }
    },
    HEAVY,
  );

  it(
    'installs into an empty folder and runs the quickstart there',
    async () => {
      project = join(root, 'project');
      mkdirSync(project);
      const file = (n: string): string => `file:${tarballs.get(n)!}`;
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify(
          {
            name: 'my-netsynth-experiment',
            private: true,
            dependencies: {
              '@netsynth/runner': file('@netsynth/runner'),
              '@netsynth/encoder-packetfields': file('@netsynth/encoder-packetfields'),
              '@netsynth/generator-ddpm': file('@netsynth/generator-ddpm'),
            },
            pnpm: { overrides: Object.fromEntries(PUBLIC.map((n) => [n, file(n)])) },
          },
          null,
          2,
        ),
      );
      const args = ['install', '--ignore-scripts', '--config.confirmModulesPurge=false', '--reporter=append-only'];
      const offline = await exec('pnpm', [...args, '--offline'], { cwd: project });
      if (offline.code !== 0) await mustRun('pnpm', args, project);

      const bin = join(project, 'node_modules', '.bin', 'netsynth');
      expect(existsSync(bin)).toBe(true);
      // Nothing of the workspace is used: the installed runner is a copy from the tarball.
      const runnerDir = realpathSync(join(project, 'node_modules', '@netsynth', 'runner'));
      expect(runnerDir.startsWith(REPO_ROOT)).toBe(false);

      cpSync(join(REPO_ROOT, 'examples', 'quickstart.yaml'), join(project, 'quickstart.yaml'));
      cpSync(join(REPO_ROOT, 'examples', 'data', 'demo'), join(project, 'data', 'demo'), { recursive: true });
      const sets = ['input.flows.maxSamplesPerLabel=12', 'generator.options.steps=20', 'generator.options.sampleSteps=4', 'generator.samplesPerLabel=4'];
      const run = await exec(bin, ['run', 'quickstart.yaml', '--json', ...sets.flatMap((s) => ['--set', s])], { cwd: project });
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { outDir: string; stages: { name: string; status: string }[]; reportPath?: string };
      expect(result.outDir).toBe(join(project, 'out', 'quickstart'));
      expect(result.stages.map((s) => s.name)).toEqual(['ingest', 'encode', 'train', 'sample', 'decode', 'constraints', 'pcap', 'evaluate']);
      expect(result.reportPath).toBe(join(project, 'out', 'quickstart', 'report.html'));
      expect(existsSync(join(result.outDir, 'synthetic.pcap'))).toBe(true);

      const manifest = JSON.parse(readFileSync(join(result.outDir, 'manifest.json'), 'utf8'));
      for (const p of manifest.plugins as { name: string; source: string }[]) {
        expect(realpathSync(p.source).startsWith(REPO_ROOT), `${p.name} loaded from ${p.source}`).toBe(false);
      }
      expect(manifest.plugins.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['@netsynth/encoder-packetfields', '@netsynth/generator-ddpm']),
      );
    },
    HEAVY,
  );
});
