import { readCaptureAll } from '@netsynth/pcap';
import type { Packet } from '@netsynth/core';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, sharedCaptureCases, sharedPath } from '@netsynth/test-support';
import { bitsToIpDatagram } from '../src/bits-to-ip.js';
import { ipOfAnyLinkType, NprintEncoder } from '../src/encoder.js';
import { nprintOptionsSchema } from '../src/options.js';
import { ipDatagramToBits, type SkipCode } from '../src/ip-to-bits.js';
import { buildLayout, NETDIFFUSION_LAYOUT, type NprintLayout } from '../src/layout.js';

const HAVE_SHARED = haveShared('@netsynth/encoder-nprint data tests');

/** Every real capture by its name under ../shared/data (packets/dns.pcapclear is a byte copy of packets/dns.pcap: left out). */
const captures = sharedCaptureCases()
  .map(([name]) => name)
  .filter((name) => !name.endsWith('.pcapclear'));

/** Length of the IP + transport headers nPrint represents for this datagram. */
function headerLength(ip: Uint8Array): number {
  const v = (ip[0] as number) >> 4;
  const ipLen = v === 4 ? ((ip[0] as number) & 15) * 4 : 40;
  const proto = v === 4 ? (ip[9] as number) : (ip[6] as number);
  if (v === 4 && ((((ip[6] as number) & 0x1f) << 8) | (ip[7] as number)) !== 0) return ipLen;
  return ipLen + (proto === 6 ? ((ip[ipLen + 12] as number) >> 4) * 4 : 8);
}

interface Tally {
  packets: number;
  checked: number;
  skipped: Partial<Record<SkipCode, number>>;
}

function roundTrip(packets: readonly Packet[], layout: NprintLayout, payloadBytes: number): Tally {
  const tally: Tally = { packets: packets.length, checked: 0, skipped: {} };
  const row = new Int8Array(layout.columns.length);
  for (const packet of packets) {
    const ip = ipOfAnyLinkType(packet);
    const res = ip ? ipDatagramToBits(ip, layout, row) : ({ ok: false, code: 'not-ip' } as const);
    if (!ip || !res.ok) {
      tally.skipped[res.ok ? 'not-ip' : res.code] = (tally.skipped[res.ok ? 'not-ip' : res.code] ?? 0) + 1;
      continue;
    }
    const back = bitsToIpDatagram(row, 0, layout);
    if (back.kind !== 'packet') throw new Error(`packet decoded as ${back.kind}: ${JSON.stringify(back)}`);
    const h = headerLength(ip);
    expect(Buffer.from(back.bytes.subarray(0, h)).equals(Buffer.from(ip.subarray(0, h)))).toBe(true);
    const v = (ip[0] as number) >> 4;
    const declared = v === 4 ? ((ip[2] as number) << 8) | (ip[3] as number) : 40 + (((ip[4] as number) << 8) | (ip[5] as number));
    expect(back.bytes.length).toBe(Math.max(declared, h));
    if (payloadBytes > 0) {
      const n = Math.max(0, Math.min(payloadBytes, Math.min(declared, ip.length) - h));
      expect(Buffer.from(back.bytes.subarray(h, h + n)).equals(Buffer.from(ip.subarray(h, h + n)))).toBe(true);
      expect(back.bytes.subarray(h + n).every((b) => b === 0)).toBe(true);
    }
    tally.checked++;
  }
  return tally;
}

/** The Encoder itself: windows of 1024 packets → one-hot tensors with IAT → packets. */
function tensorRoundTrip(packets: readonly Packet[]): number {
  const encoder = new NprintEncoder(nprintOptionsSchema.parse({ keepAddresses: true }), { seed: 1 });
  let checked = 0;
  for (let start = 0; start < packets.length; start += 1024) {
    const window = packets.slice(start, start + 1024);
    const report = encoder.encodePackets(window);
    const decoded = encoder.decode(report.tensor, 'x');
    expect(decoded.problems).toEqual([]);
    expect(decoded.packets).toHaveLength(report.rows);
    report.packetIndex.forEach((pi, k) => {
      const ip = ipOfAnyLinkType(window[pi] as Packet) as Uint8Array;
      const back = (decoded.packets[k] as Packet).data;
      const h = headerLength(ip);
      expect(Buffer.from(back.subarray(0, h)).equals(Buffer.from(ip.subarray(0, h)))).toBe(true);
      if (k > 0) {
        const gap = Number((window[pi] as Packet).timestampNs / 1000n - (window[report.packetIndex[k - 1] as number] as Packet).timestampNs / 1000n);
        const got = Number(((decoded.packets[k] as Packet).timestampNs - (decoded.packets[k - 1] as Packet).timestampNs) / 1000n);
        expect(Math.abs(got - Math.max(0, gap))).toBeLessThanOrEqual(Math.max(1, gap * 1e-5));
      }
      checked++;
    });
  }
  return checked;
}

describe.skipIf(!HAVE_SHARED)('real captures: packet → bits → packet gives back every header byte', () => {
  const totals: Tally = { packets: 0, checked: 0, skipped: {} };
  const withPayload = buildLayout({ ipv4: true, ipv6: true, tcp: true, udp: true, icmp: true, payloadBytes: 64 });
  it.each(captures)('%s', async (name) => {
    const { packets } = await readCaptureAll(sharedPath(name));
    const plain = roundTrip(packets, NETDIFFUSION_LAYOUT, 0);
    const payload = roundTrip(packets, withPayload, 64);
    expect(payload).toEqual(plain);
    expect(tensorRoundTrip(packets)).toBe(plain.checked);
    expect(plain.checked + Object.values(plain.skipped).reduce((a, b) => a + b, 0)).toBe(plain.packets);
    // Only packets nPrint has no columns for are skipped: nothing is cut or malformed in these captures.
    expect(Object.keys(plain.skipped).every((c) => ['not-ip', 'ipv4-protocol', 'ipv6-next-header'].includes(c))).toBe(true);
    totals.packets += plain.packets;
    totals.checked += plain.checked;
    for (const [code, n] of Object.entries(plain.skipped)) totals.skipped[code as SkipCode] = (totals.skipped[code as SkipCode] ?? 0) + n;
  });
  afterAll(() => {
    console.log(
      `nPrint round trip over ${captures.length} captures: ${totals.checked}/${totals.packets} packets gave back every header byte; skipped ${JSON.stringify(totals.skipped)}`,
    );
  });
});
