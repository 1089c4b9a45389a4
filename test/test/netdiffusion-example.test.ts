import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureAll } from '@netsynth/pcap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_TSHARK, REPO_ROOT, exec, netsynth, type Completed } from '../src/env.js';

/**
 * examples/netdiffusion.yaml from one command on a fresh clone: nPrint encoder → Stable
 * Diffusion (the tiny model, built by the generator) with a LoRA trained in the run and a
 * ControlNet (tiny, built by the extension) → rulesets ipv4, tcp, udp, icmp, flow → pcap →
 * evaluators, on the bundled demo captures (3 classes, 6 samples of 16 packets each; about
 * 6 s of work on 2 cores). Also run once without the ControlNet (same seed) to show that the
 * extension reaches the sampler through the runner.
 *
 * The tiny models have random weights (no downloads), so the generated bit images are noise:
 * strictly decoded, their rows mostly cannot be packets (e.g. -1 inside the IPv4 fixed header).
 * The example decodes with the nPrint encoder's `rows: repair`: each row is made the nearest
 * packet structure (values learned from the training rows) or recognised as padding, and every
 * repaired row is listed in decoded/problems.json with the fields it changed. So synthetic.pcap
 * is not empty, passes `netsynth check --strict`, and tshark finds no error in it.
 */
const CONFIG = join(REPO_ROOT, 'examples', 'netdiffusion.yaml');
const STAGES = ['ingest', 'encode', 'train', 'sample', 'decode', 'constraints', 'pcap', 'evaluate'];

interface RunJson {
  outDir: string;
  stages: { name: string; status: string; summary?: string }[];
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

describe.skipIf(!HAVE_CLI)('examples/netdiffusion.yaml end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-netdiffusion-'));
  const out = join(dir, 'out');
  let run: Completed;
  beforeAll(async () => {
    run = await netsynth(['run', CONFIG, '--out', out, '--json']);
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every stage from one command', () => {
    expect(run.stderr).not.toMatch(/error \[/);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as RunJson;
    expect(result.stages.map((s) => s.name)).toEqual(STAGES);
    for (const s of result.stages) expect(s.status, s.name).toBe('ran');
  });

  it('trained a LoRA on the tiny SD model and steered sampling with the tiny ControlNet', () => {
    expect(existsSync(join(out, 'model', 'base', 'netsynth_tiny.json'))).toBe(true);
    expect(existsSync(join(out, 'model', 'lora.safetensors'))).toBe(true);
    const ext = join(out, 'work', 'extension-0');
    const built = readdirSync(ext).filter((d) => d.startsWith('tiny-controlnet-'));
    expect(built).toHaveLength(1);
    expect(existsSync(join(ext, built[0] as string, 'model.onnx'))).toBe(true);
    const manifest = readFileSync(join(out, 'manifest.json'), 'utf8');
    expect(manifest).toContain('@netsynth/generator-controlnet');
  });

  it('writes a non-empty synthetic.pcap holding exactly the repaired packets; every generated row is a packet, padding, or a reported problem', async () => {
    const pcap = join(out, 'synthetic.pcap');
    const contents = await readCaptureAll(pcap);
    const repaired = jsonl<{ packets: unknown[] }>(join(out, 'constraints', 'samples.jsonl'));
    expect(contents.packets.length).toBe(repaired.reduce((a, s) => a + s.packets.length, 0));
    expect(contents.packets.length).toBeGreaterThan(0);
    const decoded = jsonl<{ id: string; packets: unknown[]; problems: { index?: number; message: string }[] }>(join(out, 'decoded', 'samples.jsonl'));
    expect(decoded).toHaveLength(9); // 3 labels × samplesPerLabel 3
    let packets = 0;
    let repairedRows = 0;
    let padding = 0;
    for (const s of decoded) {
      packets += s.packets.length;
      // First entry: the counts of the sample's row repair; then one entry per repaired row and per near-padding row.
      expect(s.problems[0]?.index).toBeUndefined();
      expect(s.problems[0]?.message).toMatch(/^row repair: 16 rows → \d+ packets/);
      const rows = s.problems.slice(1);
      const fixed = rows.filter((p) => p.message.startsWith('repaired into an IPv'));
      const pads = rows.filter((p) => p.message.startsWith('padding, not a packet'));
      expect(fixed.length + pads.length).toBe(rows.length); // no row left that is neither
      repairedRows += fixed.length;
      padding += pads.length;
      // 16 rows per sample (maxPackets): each becomes a packet or is padding.
      expect(s.packets.length + pads.length).toBeLessThanOrEqual(16);
      expect(fixed.length).toBeLessThanOrEqual(s.packets.length);
      for (const p of rows) expect(p.index !== undefined && p.index >= 0 && p.index < 16).toBe(true);
    }
    // The constraints stage drops the packets no ruleset can make valid (repair.unrepairable: drop), each listed.
    const report = JSON.parse(readFileSync(join(out, 'constraints', 'report.json'), 'utf8')) as { unrepairable: { policy: string; count: number } };
    expect(report.unrepairable.policy).toBe('drop');
    expect(packets - report.unrepairable.count).toBe(contents.packets.length);
    console.log(
      `netdiffusion example: ${decoded.length} generated samples, ${packets} rows decoded to packets (${repairedRows} after row repair), ${padding} noisy rows recognised as padding (tiny random models)`,
    );
  });

  it.skipIf(!HAVE_TSHARK)('tshark opens synthetic.pcap with no malformed packet, expert error or bad checksum', async () => {
    const pcap = join(out, 'synthetic.pcap');
    const checks = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];
    const filter =
      '_ws.malformed || _ws.expert.severity == error || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0';
    const bad = await exec('tshark', ['-n', '-r', pcap, ...checks, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
    expect(bad.code).toBe(0);
    expect(bad.stdout.trim()).toBe('');
    const all = await exec('tshark', ['-n', '-r', pcap, '-T', 'fields', '-e', 'frame.number']);
    expect(all.stdout.trim().split('\n').length).toBeGreaterThan(0);
  });

  it('writes metrics.json and report.html with both evaluators', () => {
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { format: string; evaluators: { evaluator: string; metrics: unknown[] }[] };
    expect(metrics.format).toBe('netsynth-metrics/1');
    expect(metrics.evaluators.map((e) => e.evaluator)).toEqual(['@netsynth/evaluator-distribution', '@netsynth/evaluator-validity']);
    for (const e of metrics.evaluators) expect(e.metrics.length).toBeGreaterThan(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
  });

  it('resumes: the same command again skips every stage', async () => {
    const again = await netsynth(['run', CONFIG, '--out', out, '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as RunJson).stages.map((s) => s.status)).toEqual(STAGES.map(() => 'skipped'));
  });

  it('without the ControlNet the same seed generates different images (the extension reaches the sampler)', async () => {
    const plain = join(dir, 'plain');
    const r = await netsynth(['run', CONFIG, '--out', plain, '--set', 'generator.extensions=[]', '--json']);
    expect(r.code).toBe(0);
    expect(sha(join(plain, 'model', 'lora.safetensors'))).toBe(sha(join(out, 'model', 'lora.safetensors')));
    expect(sha(join(plain, 'generated', 'samples.safetensors'))).not.toBe(sha(join(out, 'generated', 'samples.safetensors')));
  }, 120_000);
});
