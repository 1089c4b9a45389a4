import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, HAVE_CLI, REPO_ROOT, exec } from '../src/env.js';
import { runExample } from '../src/examples.js';

/**
 * `netsynth run --shard K/N` + `netsynth merge` give the bytes of one process, on the
 * quickstart at reduced scale: the model is trained once (`--until train`) and copied into
 * each shard's folder and into the one-process folder, as the README's cluster recipe does.
 */
const SMALL = [
  'input.flows.maxSamplesPerLabel=12',
  'generator.options.steps=20',
  'generator.options.sampleSteps=3',
  'generator.options.sampleBatchSize=4',
  'generator.samplesPerLabel=5',
  'evaluators=[{plugin: "@netsynth/evaluator-distribution"}]',
];
const COMPARED = ['generated/samples.safetensors', 'decoded/samples.jsonl', 'constraints/samples.jsonl', 'synthetic.pcap', 'metrics.json'];

const root = mkdtempSync(join(tmpdir(), 'netsynth-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Continues a copy of the trained base folder (resume skips ingest, encode and train). */
async function continueRun(name: string, extra: readonly string[]): Promise<string> {
  const out = join(root, name);
  cpSync(join(root, 'base'), out, { recursive: true });
  const args = [CLI, 'run', join('examples', 'quickstart.yaml'), '--out', out, ...SMALL.flatMap((s) => ['--set', s]), ...extra];
  const r = await exec(process.execPath, args, { cwd: REPO_ROOT });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/stage train: already done/);
  return out;
}

if (!HAVE_CLI) console.warn('skipping the shard/merge e2e test: apps/runner/dist/cli.js is not built');

describe.skipIf(!HAVE_CLI)('sharded runs', () => {
  it('--shard 1/3, 2/3, 3/3 + merge equal the one-process run byte for byte', async () => {
    const base = await runExample(CLI, 'quickstart', join(root, 'base'), SMALL, ['--until', 'train']);
    expect(base.code, base.stderr).toBe(0);
    expect(existsSync(join(root, 'base', 'stages', 'sample.done.json'))).toBe(false);

    const one = await continueRun('one', []);
    const shards = [];
    for (const k of [3, 1, 2]) shards.push(await continueRun(`shard-${k}`, ['--shard', `${k}/3`]));
    // Each shard made only its share: 5 samples per class split 1 + 2 + 2 (ids keep their global index).
    const ids = (dir: string): string[] =>
      readFileSync(join(dir, 'decoded/samples.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids(join(root, 'shard-1')).filter((id) => id.startsWith('dns#'))).toEqual(['dns#0']);
    expect(ids(join(root, 'shard-3')).filter((id) => id.startsWith('dns#'))).toEqual(['dns#3', 'dns#4']);

    const merged = join(root, 'merged');
    const m = await exec(process.execPath, [CLI, 'merge', ...shards, '--out', merged], { cwd: REPO_ROOT });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toMatch(/report: {2}/);
    for (const rel of COMPARED) expect(sha(join(merged, rel)), rel).toBe(sha(join(one, rel)));

    // A missing shard, or an existing output folder, is refused with a clear error.
    const partial = await exec(process.execPath, [CLI, 'merge', shards[0] as string, shards[1] as string, '--out', join(root, 'partial')], { cwd: REPO_ROOT });
    expect(partial.code).not.toBe(0);
    expect(partial.stderr).toMatch(/shards 2\/3 are missing/);
    const again = await exec(process.execPath, [CLI, 'merge', ...shards, '--out', one], { cwd: REPO_ROOT });
    expect(again.stderr).toMatch(/OUTPUT_EXISTS/);
  }, 600_000);

  it('encode --shard K/N over a folder of captures: the shares split the files and together make every sample once', async () => {
    const run = async (name: string, extra: readonly string[]): Promise<string[]> => {
      const out = join(root, name);
      const r = await exec(
        process.execPath,
        [CLI, 'encode', join('examples', 'data', 'demo'), '--encoder', 'gasf', '--window', '32', '--no-images', '--out', out, ...extra],
        { cwd: REPO_ROOT },
      );
      expect(r.code, r.stderr).toBe(0);
      const listed = JSON.parse(readFileSync(join(out, 'samples.json'), 'utf8')) as { id: string }[] | { samples: { id: string }[] };
      return (Array.isArray(listed) ? listed : listed.samples).map((s) => s.id);
    };
    const all = await run('encode-all', []);
    const parts = [await run('encode-1', ['--shard', '1/2']), await run('encode-2', ['--shard', '2/2'])];
    const files = (ids: string[]): Set<string> => new Set(ids.map((id) => id.split('#')[0] as string));
    expect(parts.every((p) => p.length > 0)).toBe(true);
    expect([...files(parts[0] as string[])].some((f) => files(parts[1] as string[]).has(f))).toBe(false);
    expect([...(parts[0] as string[]), ...(parts[1] as string[])].sort()).toEqual([...all].sort());
  }, 120_000);

  it('a bad --shard is a usage error naming the expected form', async () => {
    const r = await exec(process.execPath, [CLI, 'run', join('examples', 'quickstart.yaml'), '--shard', '3/2', '--out', join(root, 'bad')], { cwd: REPO_ROOT });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard 3\/2: expected K\/N/);
  });
});
