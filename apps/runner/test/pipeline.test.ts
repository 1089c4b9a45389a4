import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureAll, loadSamples } from '@netsynth/pcap';
import { OutputExistsError, parseRunConfig, silentProgress, type ProgressReporter } from '@netsynth/core';
import { readSampleStore, readTensorFile, runPipeline } from '../src/index.js';
import { sha256File } from '../src/hash.js';
import { FAKE_RUN_CONFIG as FULL, SizeEncoder, fakeRunOptions as opts, fitCalls } from './fixtures/fake-plugins.js';
import { cleanupTmp, tmp, writeFiles, writeTinyCaptures } from './helpers.js';

let dir: string;

async function fileHashes(root: string, rels: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of rels) out[r] = await sha256File(join(root, r));
  return out;
}

beforeAll(async () => {
  dir = tmp();
  await writeTinyCaptures(dir);
  writeFiles(dir, { 'full.yaml': FULL });
});
afterAll(cleanupTmp);

describe('netsynth run: every stage', () => {
  it('writes every stage output, a manifest and metrics', async () => {
    const result = await runPipeline(join(dir, 'full.yaml'), opts({ outDir: join(dir, 'out-a') }));
    const out = result.outDir;
    expect(result.stages.map((s) => [s.name, s.status])).toEqual([
      ['ingest', 'ran'],
      ['encode', 'ran'],
      ['train', 'ran'],
      ['sample', 'ran'],
      ['decode', 'ran'],
      ['constraints', 'ran'],
      ['pcap', 'ran'],
      ['evaluate', 'ran'],
    ]);
    for (const s of result.stages) expect(existsSync(join(out, 'stages', `${s.name}.done.json`))).toBe(true);

    // Encoded tensors are exactly what the encoder makes of the training samples.
    const config = parseRunConfig({ input: { captures: ['captures'], flows: { windowPackets: 64, minPackets: 2 }, holdout: 0.34 } });
    const samples = await loadSamples(config.input, dir, { seed: 0 });
    const train = await readTensorFile(join(out, 'encoded/train.safetensors'));
    const holdout = await readTensorFile(join(out, 'encoded/holdout.safetensors'));
    expect(train.count + holdout.count).toBe(samples.length);
    expect([train.channels, train.height, train.width]).toEqual([1, 1, 16]);
    const enc = new SizeEncoder(16);
    const trainSamples = samples.filter((s) => train.ids.includes(s.id));
    enc.fit(trainSamples);
    for (const [i, id] of train.ids.entries()) {
      const s = samples.find((x) => x.id === id);
      expect(s?.label).toBe(train.labels[i]);
      expect(Array.from(train.tensors[i]?.data ?? [])).toEqual(Array.from(enc.encode(s!).data));
    }
    // Holdout: a third of each label (6 flows → 2 held back).
    expect(holdout.labels.filter((l) => l === 'web')).toHaveLength(2);
    expect(holdout.labels.filter((l) => l === 'bulk')).toHaveLength(2);

    // Generated: 3 per label; decoded, repaired, written to the pcap.
    const generated = await readTensorFile(join(out, 'generated/samples.safetensors'));
    expect(generated.labels.sort()).toEqual(['bulk', 'bulk', 'bulk', 'web', 'web', 'web']);
    const repaired = await readSampleStore(join(out, 'constraints/samples.jsonl'));
    const pcap = await readCaptureAll(join(out, 'synthetic.pcap'));
    expect(pcap.packets.length).toBe(repaired.reduce((n, s) => n + s.packets.length, 0));
    expect(pcap.packets.length).toBeGreaterThan(0);
    for (const p of pcap.packets) expect(p.data[8]).toBe(64); // TTL repaired to the learned value
    const report = JSON.parse(readFileSync(join(out, 'constraints/report.json'), 'utf8'));
    expect(report.violations.before).toBe(pcap.packets.length);
    expect(report.violations.after).toBe(0);
    expect(readFileSync(join(out, 'constraints/changes.jsonl'), 'utf8').trim().split('\n')).toHaveLength(pcap.packets.length);

    // PNG renders, per label.
    expect(readdirSync(join(out, 'images/real/web')).length).toBe(4);
    expect(readdirSync(join(out, 'images/synthetic/bulk')).length).toBe(3);

    // Metrics: real = holdout, synthetic = repaired generated samples, with both pcaps.
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const m = Object.fromEntries(metrics.evaluators[0].metrics.map((x: { name: string }) => [x.name, x]));
    expect(m.samples.real).toBe(4);
    expect(m.samples.synthetic).toBe(6);
    expect(m.realPcap.value).toBe(1);
    expect(m.syntheticPcap.value).toBe(1);
    expect(m.syntheticImages.value).toBe(6);
    expect([m.trainingSamples.value, m.trainingSamples.real]).toEqual([train.count, train.count]);
    expect(readFileSync(join(out, 'evaluation/0-count/table.txt'), 'utf8')).toContain('tiny: real 4 samples, synthetic 6 samples');

    // Manifest: plugins, seeds, versions, and a sha256 for every output that matches the file.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.seed).toBe(7);
    expect(manifest.plugins.map((p: { name: string; version: string }) => `${p.name}@${p.version}`)).toEqual([
      'test/size-encoder@1.0.0',
      'test/mean-generator@1.0.0',
      'test/ttl@1.0.0',
      'test/count@1.0.0',
    ]);
    expect(Object.keys(manifest.seeds.stages)).toEqual(['ingest', 'encode', 'train', 'sample', 'decode', 'constraints', 'pcap', 'evaluate']);
    expect(manifest.environment.node).toBe(process.version);
    const paths = manifest.outputs.map((o: { path: string }) => o.path);
    expect(paths).toContain('synthetic.pcap');
    expect(paths).toContain('model/model.json');
    for (const o of manifest.outputs) expect(o.sha256).toBe(await sha256File(join(out, o.path)));
  });

  it('gives the same bytes for the same seed, and other samples for another seed', async () => {
    const a = await runPipeline(join(dir, 'full.yaml'), opts({ outDir: join(dir, 'same-1') }));
    const b = await runPipeline(join(dir, 'full.yaml'), opts({ outDir: join(dir, 'same-2') }));
    const c = await runPipeline(join(dir, 'full.yaml'), opts({ outDir: join(dir, 'seed-8'), seed: 8 }));
    const rels = ['encoded/train.safetensors', 'generated/samples.safetensors', 'synthetic.pcap', 'metrics.json'];
    expect(await fileHashes(a.outDir, rels)).toEqual(await fileHashes(b.outDir, rels));
    expect(await sha256File(join(c.outDir, 'generated/samples.safetensors'))).not.toBe(await sha256File(join(a.outDir, 'generated/samples.safetensors')));
  });
});

describe('netsynth run: resume, --force, --from, refusing to overwrite', () => {
  it('skips finished stages on a second run, without retraining', async () => {
    const outDir = join(dir, 'resume');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const rels = ['synthetic.pcap', 'model/model.json', 'metrics.json'];
    const before = await fileHashes(outDir, rels);
    const mtime = statSync(join(outDir, 'synthetic.pcap')).mtimeMs;
    const again = await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    expect(again.stages.every((s) => s.status === 'skipped')).toBe(true);
    expect(fitCalls.get(join(outDir, 'model'))).toBe(1);
    expect(await fileHashes(outDir, rels)).toEqual(before);
    expect(statSync(join(outDir, 'synthetic.pcap')).mtimeMs).toBe(mtime);
    expect(again.metrics?.evaluators[0]?.evaluator).toBe('test/count');
  });

  it('redoes every stage with force', async () => {
    const outDir = join(dir, 'force');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    const forced = await runPipeline(join(dir, 'full.yaml'), opts({ outDir, force: true }));
    expect(forced.stages.every((s) => s.status === 'ran')).toBe(true);
    expect(fitCalls.get(join(outDir, 'model'))).toBe(2);
  });

  it('refuses outputs of a different config without force; --from redoes only the later stages', async () => {
    const outDir = join(dir, 'changed');
    await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    writeFiles(dir, { 'changed.yaml': FULL.replace('label: tiny', 'label: other') });
    const err = await runPipeline(join(dir, 'changed.yaml'), opts({ outDir })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputExistsError);
    expect((err as OutputExistsError).message).toMatch(/--force/);
    // Nothing was touched by the refused run.
    expect(readFileSync(join(outDir, 'evaluation/0-count/table.txt'), 'utf8')).toContain('tiny:');

    const redo = await runPipeline(join(dir, 'changed.yaml'), opts({ outDir, from: 'evaluate' }));
    expect(redo.stages.filter((s) => s.status === 'ran').map((s) => s.name)).toEqual(['evaluate']);
    expect(readFileSync(join(outDir, 'evaluation/0-count/table.txt'), 'utf8')).toContain('other:');
    expect(fitCalls.get(join(outDir, 'model'))).toBe(1);
  });

  it('refuses a folder it did not write, unless forced', async () => {
    const outDir = join(dir, 'foreign');
    writeFiles(outDir, { 'notes.txt': 'mine' });
    await expect(runPipeline(join(dir, 'full.yaml'), opts({ outDir }))).rejects.toBeInstanceOf(OutputExistsError);
    const forced = await runPipeline(join(dir, 'full.yaml'), opts({ outDir, force: true }));
    expect(forced.stages).toHaveLength(8);
    expect(readFileSync(join(outDir, 'notes.txt'), 'utf8')).toBe('mine'); // --force only replaces netsynth's own outputs
  });

  it('an output path that is a file is a usage error', async () => {
    const outDir = join(dir, 'a-file');
    writeFileSync(outDir, 'x');
    await expect(runPipeline(join(dir, 'full.yaml'), opts({ outDir, force: true }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('stops on abort, keeps finished stages and the checkpoint, and resumes training', async () => {
    const outDir = join(dir, 'interrupted');
    const controller = new AbortController();
    const progress: ProgressReporter = {
      ...silentProgress,
      start: (name) => ({
        tick: (_d, status) => {
          if (name === 'fit' && status === 'step 2') controller.abort();
        },
        update: () => {},
        done: () => {},
      }),
    };
    const err = await runPipeline(join(dir, 'full.yaml'), opts({ outDir, progress, signal: controller.signal })).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('INTERRUPTED');
    expect(existsSync(join(outDir, 'stages/encode.done.json'))).toBe(true);
    expect(existsSync(join(outDir, 'stages/train.done.json'))).toBe(false);
    expect(existsSync(join(outDir, 'stages/train.started.json'))).toBe(true);
    expect(existsSync(join(outDir, 'model/checkpoint.json'))).toBe(true);
    // No half-written files: every file in the folder is complete (no temp files left).
    const leftovers = readdirSync(outDir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.tmp'));
    expect(leftovers).toEqual([]);

    const resumed = await runPipeline(join(dir, 'full.yaml'), opts({ outDir }));
    expect(resumed.stages.map((s) => s.status)).toEqual(['skipped', 'skipped', 'ran', 'ran', 'ran', 'ran', 'ran', 'ran']);
    const trainMarker = JSON.parse(readFileSync(join(outDir, 'stages/train.done.json'), 'utf8'));
    expect(trainMarker.details.resumedFromStep).toBe(2);
    // Same result as an uninterrupted run.
    const clean = await runPipeline(join(dir, 'full.yaml'), opts({ outDir: join(dir, 'uninterrupted') }));
    expect(await sha256File(join(outDir, 'synthetic.pcap'))).toBe(await sha256File(join(clean.outDir, 'synthetic.pcap')));
  });
});

describe('netsynth run: optional stages', () => {
  it('with only input + constraints, checks and repairs the real captures', async () => {
    const d = tmp();
    await writeTinyCaptures(d, 3, 200);
    writeFiles(d, {
      'rules.yaml': 'input:\n  captures: ["captures/*.pcap"]\nconstraints:\n  - plugin: test/ttl\n    options: { ttl: 64 }\n',
    });
    const result = await runPipeline(join(d, 'rules.yaml'), opts());
    expect(result.outDir).toBe(join(d, 'out'));
    expect(result.stages.map((s) => s.name)).toEqual(['ingest', 'constraints', 'pcap']);
    const real = (await readCaptureAll(join(d, 'captures/web.pcap'))).packets.length + (await readCaptureAll(join(d, 'captures/bulk.pcap'))).packets.length;
    const repaired = await readCaptureAll(join(d, 'out/repaired.pcap'));
    expect(repaired.packets).toHaveLength(real);
    expect(repaired.packets.every((p) => p.data[8] === 64)).toBe(true);
    const report = JSON.parse(readFileSync(join(d, 'out/constraints/report.json'), 'utf8'));
    expect(report.on).toBe('real');
    expect(report.violations).toEqual({ before: real, after: 0 });
    expect(existsSync(join(d, 'out/synthetic.pcap'))).toBe(false);
  });

  it.each(['drop', 'keep'] as const)('constraints stage, repair.unrepairable %s: a packet no constraint can repair is counted and listed', async (policy) => {
    const d = tmp();
    await writeTinyCaptures(d, 3, 200);
    writeFiles(d, {
      'rules.yaml': `input:\n  captures: ["captures/*.pcap"]\nconstraints:\n  - plugin: test/ttl\n    options: { ttl: 64, refuseFirst: true }\nrepair:\n  unrepairable: ${policy}\n`,
    });
    const result = await runPipeline(join(d, 'rules.yaml'), opts());
    const report = JSON.parse(readFileSync(join(d, 'out/constraints/report.json'), 'utf8'));
    const samples = report.samples as number;
    expect(samples).toBeGreaterThan(1);
    expect(report.unrepairable).toMatchObject({ policy, count: samples });
    expect(report.unrepairable.packets[0]).toMatchObject({ packetIndex: 0, constraint: 'test/ttl', rule: 'ttl', reason: 'refused by the test' });
    const real = (await readCaptureAll(join(d, 'captures/web.pcap'))).packets.length + (await readCaptureAll(join(d, 'captures/bulk.pcap'))).packets.length;
    const repaired = await readCaptureAll(join(d, 'out/repaired.pcap'));
    expect(repaired.packets).toHaveLength(policy === 'drop' ? real - samples : real);
    expect(repaired.packets.filter((p) => p.data[8] === 200)).toHaveLength(policy === 'drop' ? 0 : samples);
    expect(report.violations.after).toBe(policy === 'drop' ? 0 : samples);
    expect(result.stages.find((s) => s.name === 'constraints')?.summary).toMatch(
      new RegExp(`${samples} unrepairable packet\\(s\\) ${policy === 'drop' ? 'dropped' : 'kept'}`),
    );
  });

  it('with only input + encoder, encodes', async () => {
    const d = tmp();
    await writeTinyCaptures(d, 2);
    writeFiles(d, { 'enc.yaml': 'input:\n  captures: [captures]\n  holdout: 0\nencoder:\n  plugin: test/size-encoder\noutput:\n  images: false\n' });
    const result = await runPipeline(join(d, 'enc.yaml'), opts());
    expect(result.stages.map((s) => s.name)).toEqual(['ingest', 'encode']);
    const t = await readTensorFile(join(d, 'out/encoded/train.safetensors'));
    expect(t.count).toBe(4);
    expect(existsSync(join(d, 'out/encoded/holdout.safetensors'))).toBe(false);
    expect(existsSync(join(d, 'out/images'))).toBe(false);
    expect(existsSync(join(d, 'out/model'))).toBe(false);
  });

  it('with only input + evaluators, compares training with holdout samples', async () => {
    const d = tmp();
    await writeTinyCaptures(d, 4);
    writeFiles(d, { 'eval.yaml': 'input:\n  captures: [captures]\n  holdout: 0.5\nevaluators:\n  - plugin: test/count\noutput:\n  pcap: false\n' });
    const result = await runPipeline(join(d, 'eval.yaml'), opts());
    expect(result.stages.map((s) => s.name)).toEqual(['ingest', 'evaluate']);
    expect(result.metrics?.synthetic).toMatch(/real-vs-real baseline/);
    const samples = result.metrics?.evaluators[0]?.metrics.find((m) => m.name === 'samples');
    expect([samples?.real, samples?.synthetic]).toEqual([4, 4]);
  });

  it('a generator without an encoder is a config error at `generator`', async () => {
    const d = tmp();
    await writeTinyCaptures(d, 1);
    writeFiles(d, { 'g.yaml': 'input:\n  captures: [captures]\ngenerator:\n  plugin: test/mean-generator\n' });
    await expect(runPipeline(join(d, 'g.yaml'), opts())).rejects.toMatchObject({
      code: 'CONFIG',
      configPath: 'generator',
      message: expect.stringMatching(/g\.yaml:3:1, at generator: .*encoder/),
    });
  });

  it('captures that match nothing are a config error naming the entry and its line', async () => {
    const d = tmp();
    writeFileSync(join(d, 'none.yaml'), 'input:\n  captures:\n    - nothing/*.pcap\n');
    await expect(runPipeline(join(d, 'none.yaml'), opts())).rejects.toMatchObject({
      code: 'CONFIG',
      configPath: 'input.captures.0',
      message: expect.stringContaining('none.yaml:3:7'),
    });
  });
});
