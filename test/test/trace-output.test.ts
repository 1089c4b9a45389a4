import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptureAll } from '@netsynth/pcap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_TSHARK, REPO_ROOT, exec, netsynth } from '../src/env.js';

/**
 * The pcap stage's trace output end to end, at the reduced scale of examples/netdiffusion.yaml
 * (bundled demo captures, tiny SD; about 20 s a run on 2 cores), three runs:
 * - learned timeline, `output.labels: comments`, the nPrint encoder's timing columns on;
 * - `output.labels: per-class`, `output.timeline: sequential`, no timing columns (the old behaviour).
 * Checks: every packet of synthetic.pcapng carries `label=` (read back with tshark; skipped
 * without it), per-class writes one pcap per class holding that class's packets, flows.csv
 * matches the pcap flow by flow (packets, IP bytes, first and last time), learned flows overlap and packets are in time order across
 * flows, sequential flows never overlap, and the timing columns give the generated flows
 * non-zero gaps where without them every gap is 0.
 */
const CONFIG = join(REPO_ROOT, 'examples', 'netdiffusion.yaml');
const FLOW_COLUMNS = ['srcip', 'dstip', 'srcport', 'dstport', 'proto', 'ts', 'td', 'pkt', 'byt', 'label', 'flow_id', 'te'];

interface FlowRow {
  label: string;
  id: string;
  tsUs: number;
  teUs: number;
  pkt: number;
  byt: number;
}

function readFlowsCsv(file: string): { header: string[]; rows: FlowRow[] } {
  const [head, ...lines] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const header = (head ?? '').split(',');
  const col = (name: string): number => header.indexOf(name);
  const rows = lines.map((l) => {
    const f = l.split(',');
    return {
      label: f[col('label')] as string,
      id: f[col('flow_id')] as string,
      tsUs: Number(f[col('ts')]),
      teUs: Number(f[col('te')]),
      pkt: Number(f[col('pkt')]),
      byt: Number(f[col('byt')]),
    };
  });
  return { header, rows };
}

/** Largest number of flows open at one moment (intervals [ts, te], a flow ending as another starts counts once). */
function maxConcurrency(rows: readonly FlowRow[]): number {
  const events = rows.flatMap((r) => [
    [r.tsUs, 1],
    [r.teUs, -1],
  ]);
  events.sort((a, b) => (a[0] as number) - (b[0] as number) || (b[1] as number) - (a[1] as number));
  let open = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (open += d as number));
  return max;
}

const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);

/** Gaps (ns) between consecutive packets inside each decoded sample. */
function sampleGaps(out: string): bigint[] {
  return jsonl<{ packets: { t: string }[] }>(join(out, 'decoded', 'samples.jsonl')).flatMap((s) =>
    s.packets.slice(1).map((p, i) => BigInt(p.t) - BigInt((s.packets[i] as { t: string }).t)),
  );
}

async function runExample(out: string, sets: readonly string[]): Promise<void> {
  const r = await netsynth(['run', CONFIG, '--out', out, ...sets.flatMap((s) => ['--set', s]), '--json']);
  if (r.code !== 0) throw new Error(`netsynth run failed (${r.code}): ${r.stderr}`);
}

describe.skipIf(!HAVE_CLI)('trace output: learned timeline, labels, flows.csv, timing columns (examples/netdiffusion.yaml)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netsynth-trace-'));
  const learned = join(dir, 'learned');
  const sequential = join(dir, 'sequential');
  beforeAll(async () => {
    await runExample(learned, ['output.labels=comments', 'encoder.options.timingColumns=32']);
    await runExample(sequential, ['output.labels=per-class', 'output.timeline=sequential']);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The demo captures' flows never overlap (each about 1 ms, one after another), so the learned
  // timeline overlaps none of the generated ones either, however long they run (an idle gap of
  // the capture starts the next flow after the generated ones end); the timeline unit tests and
  // the lab run (udpstream) show overlap where a capture has it.
  it('learned: flows overlap only where the capture had them (never, on the demo captures); packets in timestamp order across flows', async () => {
    const { packets } = await readCaptureAll(join(learned, 'synthetic.pcap'));
    expect(packets.length).toBeGreaterThan(0);
    for (let i = 1; i < packets.length; i++)
      expect((packets[i] as { timestampNs: bigint }).timestampNs >= (packets[i - 1] as { timestampNs: bigint }).timestampNs).toBe(true);
    const { rows } = readFlowsCsv(join(learned, 'flows.csv'));
    const concurrency = maxConcurrency(rows);
    console.log(`learned timeline: ${rows.length} flows, at most ${concurrency} open at once`);
    expect(concurrency).toBe(1);
  });

  it('sequential keeps the old behaviour: flows end to end, never overlapping', () => {
    const rows = [...readFlowsCsv(join(sequential, 'flows.csv')).rows].sort((a, b) => a.tsUs - b.tsUs);
    expect(rows.length).toBeGreaterThan(1);
    expect(maxConcurrency(rows)).toBe(1);
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.tsUs).toBeGreaterThan((rows[i - 1] as FlowRow).teUs);
  });

  it('flows.csv has the record columns and matches synthetic.pcap', async () => {
    for (const out of [learned, sequential]) {
      const { header, rows } = readFlowsCsv(join(out, 'flows.csv'));
      expect(header).toEqual(FLOW_COLUMNS);
      const { packets } = await readCaptureAll(join(out, 'synthetic.pcap'));
      expect(rows.reduce((a, r) => a + r.pkt, 0)).toBe(packets.length);
      const firstUs = Math.min(...rows.map((r) => r.tsUs));
      const lastUs = Math.max(...rows.map((r) => r.teUs));
      expect(firstUs).toBe(Number((packets[0]?.timestampNs ?? 0n) / 1000n));
      expect(lastUs).toBe(Number(packets.reduce((m, p) => (p.timestampNs > m ? p.timestampNs : m), 0n) / 1000n));
    }
  });

  it.skipIf(!HAVE_TSHARK)('comments: every packet of synthetic.pcapng carries label= and its flow id; per flow it matches flows.csv', async () => {
    const r = await exec('tshark', [
      '-n',
      '-r',
      join(learned, 'synthetic.pcapng'),
      '-T',
      'fields',
      '-e',
      'frame.time_epoch',
      '-e',
      'ip.len',
      '-e',
      'ipv6.plen',
      '-e',
      'frame.comment',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    const { packets } = await readCaptureAll(join(learned, 'synthetic.pcap'));
    expect(lines.length).toBe(packets.length);
    const perFlow = new Map<string, { label: string; pkt: number; byt: number; first: number; last: number }>();
    for (const line of lines) {
      const [epoch = '', ipLen = '', ip6Payload = '', comment = ''] = line.split('\t');
      const m = /^label=(\S+) flow=(\S+)$/.exec(comment);
      expect(m, `packet comment "${comment}"`).not.toBeNull();
      const [sec = '0', frac = ''] = epoch.split('.');
      const us = Number(sec) * 1e6 + Number(frac.padEnd(6, '0').slice(0, 6));
      const f = perFlow.get(m?.[2] as string) ?? { label: m?.[1] as string, pkt: 0, byt: 0, first: us, last: us };
      f.pkt++;
      // flows.csv counts IP bytes (NetFlow's byt): the IPv4 total length, or 40 + the IPv6 payload length.
      f.byt += ipLen !== '' ? Number(ipLen) : 40 + Number(ip6Payload);
      f.first = Math.min(f.first, us);
      f.last = Math.max(f.last, us);
      perFlow.set(m?.[2] as string, f);
    }
    const { rows } = readFlowsCsv(join(learned, 'flows.csv'));
    const fromCsv = rows.filter((row) => row.pkt > 0);
    expect(perFlow.size).toBe(fromCsv.length);
    for (const row of fromCsv) {
      expect(perFlow.get(row.id), row.id).toEqual({ label: row.label, pkt: row.pkt, byt: row.byt, first: row.tsUs, last: row.teUs });
    }
  });

  it.skipIf(HAVE_TSHARK)('comments: tshark is not installed, so the pcapng comments are not read back', () => {
    console.warn('tshark not found: the label= comments of synthetic.pcapng are not checked');
  });

  it('per-class: one pcap per class, holding exactly that class’s packets', async () => {
    const byClass = join(sequential, 'by-class');
    const { rows } = readFlowsCsv(join(sequential, 'flows.csv'));
    const labels = [...new Set(rows.map((r) => r.label))].sort();
    expect(readdirSync(byClass).sort()).toEqual(labels.map((l) => `${l}.pcap`));
    let total = 0;
    for (const label of labels) {
      const { packets } = await readCaptureAll(join(byClass, `${label}.pcap`));
      expect(packets.length, label).toBe(rows.filter((r) => r.label === label).reduce((a, r) => a + r.pkt, 0));
      total += packets.length;
    }
    expect(total).toBe((await readCaptureAll(join(sequential, 'synthetic.pcap'))).packets.length);
    expect(existsSync(join(sequential, 'synthetic.pcapng'))).toBe(false);
  });

  it('timing columns: the generated flows have non-zero gaps (without them every gap is 0)', () => {
    const withColumns = sampleGaps(learned);
    const without = sampleGaps(sequential);
    expect(without.length).toBeGreaterThan(0);
    expect(without.every((g) => g === 0n)).toBe(true);
    const nonZero = withColumns.filter((g) => g > 0n).length;
    console.log(`timing columns: ${nonZero} of ${withColumns.length} within-sample gaps non-zero (0 of ${without.length} without)`);
    expect(nonZero).toBeGreaterThan(0);
    // The gaps reach synthetic.pcap: some flow of more than one packet lasts a while.
    expect(readFlowsCsv(join(learned, 'flows.csv')).rows.some((r) => r.pkt > 1 && r.teUs > r.tsUs)).toBe(true);
  });
});
