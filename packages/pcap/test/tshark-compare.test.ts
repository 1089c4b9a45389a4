import { describe, expect, it } from 'vitest';
import { HAVE_TSHARK, TsharkComparison, haveShared, sharedCaptureCases, tsharkFields, type PacketFields } from '@netsynth/test-support';
import type { DissectedPacket } from '@netsynth/core';
import { dissect, isSupportedLinkType, CaptureReader } from '../src/index.js';

/** Our dissection as the plain record @netsynth/test-support compares with tshark. */
function fields(dp: DissectedPacket): PacketFields {
  const ip = dp.ip;
  const t = dp.transport;
  const out: PacketFields = {};
  if (ip?.kind === 'ipv4') out.ip = { version: 4, src: ip.src, dst: ip.dst, protocol: ip.protocol, totalLength: ip.totalLength };
  else if (ip?.kind === 'ipv6') out.ip = { version: 6, src: ip.src, dst: ip.dst, protocol: ip.protocol, nextHeader: ip.nextHeader };
  // tshark's 12-bit tcp.flags: 3 reserved bits above the 9 flag bits.
  if (t?.kind === 'tcp') out.tcp = { srcPort: t.srcPort, dstPort: t.dstPort, flags: (t.reserved << 9) | t.flags.value, seq: t.seq, ack: t.ack };
  else if (t?.kind === 'udp') out.udp = { srcPort: t.srcPort, dstPort: t.dstPort };
  else if (t?.kind === 'icmp' || t?.kind === 'icmpv6') out.icmp = {};
  return out;
}

const HAVE_SHARED = haveShared('tshark comparison', 'lab');
if (HAVE_SHARED && !HAVE_TSHARK) console.warn('skipping tshark comparison: tshark not on PATH');

describe.skipIf(!HAVE_SHARED || !HAVE_TSHARK)('dissect() agrees with tshark on every packet', () => {
  it.each(sharedCaptureCases())(
    '%s',
    async (_name, file) => {
      const tshark = await tsharkFields(file);
      if (!tshark || tshark.exitCode !== 0) return; // a file tshark cannot read (fully) is out of scope
      const { rows } = tshark;
      const reader = new CaptureReader(file, { includeUnsupportedLinkTypes: true });
      const comparison = new TsharkComparison('ours');
      let n = 0;
      let supported = 0;
      for await (const packet of reader.packets()) {
        const row = rows[n];
        n++;
        if (!row || !isSupportedLinkType(packet.linkType)) continue;
        supported++;
        comparison.add(n, row, fields(dissect(packet)));
      }
      expect(n, 'packet count').toBe(rows.length);
      expect(comparison.mismatches).toEqual([]);
      if (supported > 0) expect(comparison.compared).toBeGreaterThan(0);
    },
    60_000,
  );
});
