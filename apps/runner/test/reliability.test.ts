// Regression tests for issue 20: outputs verified by sha256 before a stage is skipped, a
// config that drops a stage refused without --force, temp files of a killed run removed,
// and disk/permission errors reported as IO errors naming the path.
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileIOError, asFileError, definePlugin, makeDir, removeStaleTempFiles, writeFileAtomic } from '@netsynth/core';
import { runPipeline } from '../src/index.js';
import { ALL_FAKES, FAKE_RUN_CONFIG as FULL, fakeRunOptions as opts, meanGenerator } from './fixtures/fake-plugins.js';
import { cleanupTmp, tmp, writeFiles, writeTinyCaptures } from './helpers.js';

let dir: string;

beforeAll(async () => {
  dir = tmp();
  await writeTinyCaptures(dir);
  writeFiles(dir, {
    'full.yaml': FULL,
    'no-eval.yaml': FULL.replace(/evaluators:[\s\S]*$/, ''),
    'nan.yaml': FULL.replace('plugin: test/mean-generator', 'plugin: test/nan-generator'),
  });
});
afterAll(cleanupTmp);

/** Flips one bit in the middle of a file. */
async function flipBit(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.length >> 1;
  bytes[at] = (bytes[at] ?? 0) ^ 0x10;
  await writeFile(file, bytes);
}

describe('sha256 of outputs verified before a stage is skipped', () => {
  it('runs again the stage whose output was damaged, and only from the recorded hashes', async () => {
    const outDir = join(dir, 'damage');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const clean = await readFile(join(outDir, 'generated/samples.safetensors'));
    await flipBit(join(outDir, 'generated/samples.safetensors'));
    const again = await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const status = Object.fromEntries(again.stages.map((s) => [s.name, s.status]));
    expect(status.sample).toBe('ran');
    expect(status.ingest).toBe('skipped');
    expect(status.train).toBe('skipped');
    // Same config + seed: the rerun writes the same bytes the damage replaced.
    expect((await readFile(join(outDir, 'generated/samples.safetensors'))).equals(clean)).toBe(true);
    const third = await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    expect(third.stages.every((s) => s.status === 'skipped')).toBe(true);
  });

  it('notices a bit flip in the model folder and in the training tensors', async () => {
    const outDir = join(dir, 'damage-model');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const modelFiles = readdirSync(join(outDir, 'model')).filter((f) => !f.startsWith('.'));
    expect(modelFiles.length).toBeGreaterThan(0);
    await flipBit(join(outDir, 'model', modelFiles[0]!));
    await flipBit(join(outDir, 'encoded/train.safetensors'));
    const again = await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const status = Object.fromEntries(again.stages.map((s) => [s.name, s.status]));
    expect(status.encode).toBe('ran');
    expect(status.train).toBe('ran');
  });

  it('falls back to manifest.json for stage markers without hashes', async () => {
    const outDir = join(dir, 'old-marker');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const markerFile = join(outDir, 'stages/sample.done.json');
    const marker = JSON.parse(await readFile(markerFile, 'utf8')) as Record<string, unknown>;
    delete marker.files;
    await writeFile(markerFile, JSON.stringify(marker));
    await flipBit(join(outDir, 'generated/samples.safetensors'));
    const again = await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    expect(again.stages.find((s) => s.name === 'sample')?.status).toBe('ran');
  });
});

/** The fake mean generator, diverged: every value it samples is NaN. */
const nanGenerator = definePlugin({
  ...meanGenerator,
  name: 'test/nan-generator',
  async create(options, ctx) {
    const g = await meanGenerator.create(options, ctx);
    return {
      ...g,
      name: 'test/nan-generator',
      async sample(modelDir, request, c) {
        const out = await g.sample(modelDir, request, c);
        for (const s of out) s.tensor.data.fill(Number.NaN);
        return out;
      },
    };
  },
});

describe('NaN in generated tensors', () => {
  it('fails the sample stage (an ENGINE error naming the model folder), not a 0-packet synthetic.pcap with exit 0', async () => {
    const outDir = join(dir, 'nan');
    const err = await runPipeline(join(dir, 'nan.yaml'), opts({ outDir, plugins: [...ALL_FAKES, nanGenerator] })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ENGINE', file: join(outDir, 'model') });
    expect((err as Error).message).toMatch(/sample stage: generated image 0 .* NaN\/Inf value/);
    expect(existsSync(join(outDir, 'synthetic.pcap'))).toBe(false);
    expect(existsSync(join(outDir, 'stages', 'sample.done.json'))).toBe(false);
  });
});

describe('a rerun whose config dropped a stage', () => {
  it('is refused without --force, naming the leftover output and the stage; --force rewrites consistently', async () => {
    const outDir = join(dir, 'dropped');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const manifestBefore = await readFile(join(outDir, 'manifest.json'), 'utf8');
    const err = await runPipeline(join(dir, 'no-eval.yaml'), opts({ outDir })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect((err as Error).message).toMatch(/stage evaluate/);
    expect((err as Error).message).toMatch(/evaluation|metrics|report/);
    expect(await readFile(join(outDir, 'manifest.json'), 'utf8')).toBe(manifestBefore);
    await runPipeline(join(dir, 'no-eval.yaml'), opts({ outDir, force: true }));
    expect(existsSync(join(outDir, 'metrics.json'))).toBe(false);
    expect(existsSync(join(outDir, 'report.html'))).toBe(false);
    const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as { outputs: { path: string }[] };
    for (const o of manifest.outputs) expect(existsSync(join(outDir, o.path))).toBe(true);
  });
});

describe('temp files of an interrupted run', () => {
  it('are removed by the next run: only the temp-name pattern, only in the output folder', async () => {
    const outDir = join(dir, 'temps');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const left = [join(outDir, '.synthetic.pcap.0123456789ab.tmp'), join(outDir, 'model', '.checkpoint.safetensors.a1b2c3d4e5f6.tmp')];
    const kept = [join(outDir, '.notes.tmp'), join(outDir, 'mine.0123456789ab.tmp'), join(dir, '.outside.0123456789ab.tmp')];
    for (const f of [...left, ...kept]) writeFileSync(f, 'x');
    const again = await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    expect(again.stages.every((s) => s.status === 'skipped')).toBe(true);
    for (const f of left) expect(existsSync(f)).toBe(false);
    for (const f of kept) expect(existsSync(f)).toBe(true);
  });

  it('removeStaleTempFiles lists what it removed', async () => {
    const d = join(dir, 'stale');
    mkdirSync(join(d, 'a'), { recursive: true });
    writeFileSync(join(d, 'a', '.x.safetensors.ffffffffffff.tmp'), '');
    expect(await removeStaleTempFiles(d)).toEqual([join(d, 'a', '.x.safetensors.ffffffffffff.tmp')]);
    expect(await removeStaleTempFiles(join(dir, 'absent'))).toEqual([]);
  });
});

describe('I/O errors are typed and name the path', () => {
  it('an ENOSPC from write() becomes an IO error naming the output', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    const e = asFileError(enospc, '/data/out/synthetic.pcap');
    expect(e).toBeInstanceOf(FileIOError);
    expect(e).toMatchObject({ code: 'IO', errno: 'ENOSPC', file: '/data/out/synthetic.pcap' });
    expect((e as Error).message).toMatch(/synthetic\.pcap.*no space left/);
    const plain = new RangeError('bug');
    expect(asFileError(plain, '/x')).toBe(plain); // programming errors stay internal
  });

  it('writeFileAtomic into a folder that cannot be created is an IO error naming it, not a loop', async () => {
    await expect(writeFileAtomic('/proc/netsynth-test/out/manifest.json', 'x')).rejects.toMatchObject({ code: 'IO' });
    await expect(makeDir('/proc/netsynth-test/out')).rejects.toMatchObject({ code: 'IO', file: '/proc/netsynth-test' });
  });

  it('a run into a read-only folder is an IO error naming a path (not INTERNAL)', async () => {
    if (process.getuid?.() === 0) return; // root writes anywhere; the /proc case above covers it
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    await expect(runPipeline(join(dir, 'full.yaml'), opts({ outDir: join(ro, 'out') }))).rejects.toMatchObject({ code: 'IO' });
    chmodSync(ro, 0o700);
  });
});
