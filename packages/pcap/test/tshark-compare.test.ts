import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HAVE_TSHARK, haveShared, sharedCaptureCases } from '@netsynth/test-support';
import type { DissectedPacket } from '@netsynth/core';
import { dissect, isSupportedLinkType, CaptureReader } from '../src/index.js';

const run = promisify(execFile);

const FIELDS = [
  'frame.number',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'ip.proto',
  'ipv6.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'ip.len',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
] as const;
type Field = (typeof FIELDS)[number];

async function tsharkRows(file: string): Promise<Record<Field, string>[] | undefined> {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f'];
  for (const f of FIELDS) args.push('-e', f);
  // Per-packet view: no reassembly, so fragment and segment fields stay on their own frame.
  args.push('-o', 'tcp.relative_sequence_numbers:FALSE', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE');
  try {
    const { stdout } = await run('tshark', args, { maxBuffer: 256 * 1024 * 1024 });
    return stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const cols = line.split('\t');
        return Object.fromEntries(FIELDS.map((f, i) => [f, cols[i] ?? ''])) as Record<Field, string>;
      });
  } catch {
    return undefined; // a file tshark cannot read is out of scope
  }
}

/** Our view in tshark's terms ('' where the field is absent). */
function ours(dp: DissectedPacket): Record<Exclude<Field, 'frame.number'>, string> {
  const ip = dp.ip;
  const t = dp.transport;
  const v4 = ip?.kind === 'ipv4' ? ip : undefined;
  const v6 = ip?.kind === 'ipv6' ? ip : undefined;
  const tcp = t?.kind === 'tcp' ? t : undefined;
  const udp = t?.kind === 'udp' ? t : undefined;
  const str = (v: number | string | undefined): string => (v === undefined || v === '' ? '' : String(v));
  return {
    'ip.src': str(v4?.src),
    'ip.dst': str(v4?.dst),
    'ipv6.src': str(v6?.src),
    'ipv6.dst': str(v6?.dst),
    'ip.proto': str(v4?.protocol),
    'ipv6.nxt': str(v6?.nextHeader),
    'tcp.srcport': str(tcp?.srcPort),
    'tcp.dstport': str(tcp?.dstPort),
    'udp.srcport': str(udp?.srcPort),
    'udp.dstport': str(udp?.dstPort),
    'ip.len': str(v4?.totalLength),
    // tshark's 12-bit field: 3 reserved bits above the 9 flag bits.
    'tcp.flags': tcp ? `0x${((tcp.reserved << 9) | tcp.flags.value).toString(16).padStart(4, '0')}` : '',
    'tcp.seq_raw': str(tcp?.seq),
    'tcp.ack_raw': str(tcp?.ack),
  };
}

const TRANSPORT_FIELDS: Field[] = ['tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw'];

/**
 * tshark also dissects headers we deliberately stop before: the IP/UDP/TCP header quoted
 * inside an ICMP error, and the inner packet of a tunnel. With `occurrence=f` it prints the
 * first occurrence, which is the inner one when the outer packet has no such layer.
 * Those fields are only compared where our outer packet has the layer itself.
 */
function innerOnly(dp: DissectedPacket, field: Field): boolean {
  const t = dp.transport;
  const proto = dp.ip?.protocol;
  const tunnelled = proto === 4 || proto === 41 || proto === 47 || proto === 50 || (t?.kind === 'udp' && (t.srcPort === 3544 || t.dstPort === 3544));
  const icmp = t?.kind === 'icmp' || t?.kind === 'icmpv6';
  if (!icmp && !tunnelled) return false;
  if (TRANSPORT_FIELDS.includes(field)) return !(t?.kind === 'tcp' || t?.kind === 'udp') || tunnelled;
  if (dp.ip?.kind === 'ipv4') return field.startsWith('ipv6.');
  if (dp.ip?.kind === 'ipv6') return field.startsWith('ip.');
  return false;
}

const HAVE_SHARED = haveShared('tshark comparison', 'lab');
if (HAVE_SHARED && !HAVE_TSHARK) console.warn('skipping tshark comparison: tshark not on PATH');

describe.skipIf(!HAVE_SHARED || !HAVE_TSHARK)('dissect() agrees with tshark on every packet', () => {
  it.each(sharedCaptureCases())('%s', async (_name, file) => {
    const rows = await tsharkRows(file);
    if (!rows) return;
    const reader = new CaptureReader(file, { includeUnsupportedLinkTypes: true });
    const mismatches: string[] = [];
    let n = 0;
    let compared = 0;
    let supported = 0;
    for await (const packet of reader.packets()) {
      const row = rows[n];
      n++;
      if (!row || !isSupportedLinkType(packet.linkType)) continue;
      supported++;
      const dp = dissect(packet);
      const mine = ours(dp);
      for (const f of FIELDS) {
        if (f === 'frame.number' || innerOnly(dp, f)) continue;
        compared++;
        if (row[f] !== mine[f] && mismatches.length < 20) mismatches.push(`frame ${n} ${f}: tshark "${row[f]}" ours "${mine[f]}"`);
      }
    }
    expect(n, 'packet count').toBe(rows.length);
    expect(mismatches).toEqual([]);
    if (supported > 0) expect(compared).toBeGreaterThan(0);
  }, 60_000);
});
