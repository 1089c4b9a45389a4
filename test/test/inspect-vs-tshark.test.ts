import { describe, expect, it } from 'vitest';
import { haveShared, sharedCaptureCases } from '@netsynth/test-support';
import { CLI, HAVE_CLI, HAVE_TSHARK, exec, netsynth } from '../src/env.js';

/**
 * `netsynth inspect --json --packets` against tshark, field by field, on every capture
 * under ../shared/data/lab and ../shared/data/packets that tshark reads.
 */
const FIELDS = [
  'ip.src',
  'ip.dst',
  'ip.proto',
  'ip.len',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
] as const;
type Field = (typeof FIELDS)[number];
type Row = Record<Field, string>;

interface PacketRecord {
  frame: number;
  linkType: number;
  ip?: { version: 4 | 6; src: string; dst: string; protocol: number; nextHeader?: number; totalLength: number };
  tcp?: { srcPort: number; dstPort: number; flags: number; seq: number; ack: number };
  udp?: { srcPort: number; dstPort: number };
  icmp?: { version: 4 | 6 };
}

/** Link types netsynth dissects; records of others are counted but have no fields to compare. */
const DISSECTED = new Set([0, 1, 12, 14, 101, 108, 113, 228, 229, 276]);

/** One tshark run per file: one line per packet, tab-separated, first occurrence of each field. */
async function tshark(file: string): Promise<Row[] | undefined> {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f'];
  for (const f of FIELDS) args.push('-e', f);
  // Per-packet view: no reassembly, so fragment fields stay on their own frame.
  args.push('-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.relative_sequence_numbers:FALSE');
  const r = await exec('tshark', args);
  if (r.code !== 0 && r.stdout === '') return undefined; // tshark cannot read it: out of scope
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const cols = l.split('\t');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Row;
    });
}

const s = (v: number | string | undefined): string => (v === undefined ? '' : String(v));

/** Our record in tshark's terms. */
function ours(p: PacketRecord): Row {
  const v4 = p.ip?.version === 4 ? p.ip : undefined;
  const v6 = p.ip?.version === 6 ? p.ip : undefined;
  return {
    'ip.src': s(v4?.src),
    'ip.dst': s(v4?.dst),
    'ip.proto': s(v4?.protocol),
    'ip.len': s(v4?.totalLength),
    'ipv6.src': s(v6?.src),
    'ipv6.dst': s(v6?.dst),
    'ipv6.nxt': s(v6?.nextHeader),
    'tcp.srcport': s(p.tcp?.srcPort),
    'tcp.dstport': s(p.tcp?.dstPort),
    'udp.srcport': s(p.udp?.srcPort),
    'udp.dstport': s(p.udp?.dstPort),
    'tcp.flags': p.tcp ? `0x${p.tcp.flags.toString(16).padStart(4, '0')}` : '',
    'tcp.seq_raw': s(p.tcp?.seq),
    'tcp.ack_raw': s(p.tcp?.ack),
  };
}

const TRANSPORT: readonly Field[] = ['tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw'];

/**
 * Fields tshark fills from an inner header we deliberately do not report: the datagram quoted
 * in an ICMP error and the inner packet of a tunnel (IP-in-IP, 6in4, GRE, ESP, Teredo). With
 * occurrence=f tshark prints that inner value when the outer packet lacks the layer; these are
 * compared only where our packet has the layer itself.
 */
function innerOnly(p: PacketRecord, f: Field): boolean {
  const proto = p.ip?.protocol;
  const tunnelled = proto === 4 || proto === 41 || proto === 47 || proto === 50 || (p.udp !== undefined && (p.udp.srcPort === 3544 || p.udp.dstPort === 3544));
  if (!p.icmp && !tunnelled) return false;
  if (TRANSPORT.includes(f)) return !(p.tcp || p.udp) || tunnelled;
  if (p.ip?.version === 4) return f.startsWith('ipv6.');
  if (p.ip?.version === 6) return f.startsWith('ip.');
  return false;
}

const HAVE_SHARED = haveShared('inspect-vs-tshark');
if (HAVE_SHARED && !HAVE_TSHARK) console.warn('skipping inspect-vs-tshark: tshark not on PATH');
else if (HAVE_SHARED && !HAVE_CLI) console.warn(`skipping inspect-vs-tshark: ${CLI} not built (pnpm build)`);

describe.skipIf(!HAVE_SHARED || !HAVE_TSHARK || !HAVE_CLI)('netsynth inspect --json --packets agrees with tshark', () => {
  it.each(sharedCaptureCases())('%s', async (_name, file) => {
    const [rows, run] = await Promise.all([tshark(file), netsynth(['inspect', file, '--json', '--packets'])]);
    if (!rows) return;
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { packets: number; packetRecords: PacketRecord[] };
    expect(report.packets, 'packet count').toBe(rows.length);
    expect(report.packetRecords).toHaveLength(rows.length);
    const mismatches: string[] = [];
    let compared = 0;
    report.packetRecords.forEach((p, i) => {
      const row = rows[i] as Row;
      if (!DISSECTED.has(p.linkType)) return;
      const mine = ours(p);
      for (const f of FIELDS) {
        if (innerOnly(p, f)) continue;
        compared++;
        if (row[f] !== mine[f] && mismatches.length < 20) mismatches.push(`frame ${p.frame} ${f}: tshark "${row[f]}", netsynth "${mine[f]}"`);
      }
    });
    expect(mismatches).toEqual([]);
    if (report.packetRecords.some((p) => DISSECTED.has(p.linkType))) expect(compared).toBeGreaterThan(0);
  });
});
