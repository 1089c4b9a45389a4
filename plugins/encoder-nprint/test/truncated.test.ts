import { describe, expect, it } from 'vitest';
import type { Packet } from '@netsynth/core';
import { NprintEncoder, nprintOptionsSchema } from '../src/index.js';
import { ipDatagramToBits } from '../src/ip-to-bits.js';
import { NETDIFFUSION_LAYOUT as L } from '../src/layout.js';
import { concat, ipv4Header, ipv6Header, rawPacket, tcpHeader, udpHeader } from './packets.js';

/** Issue 20 item 5: a snap length shorter than the headers (CAIDA's headers-only traces, `editcap -s 40`). */
const bitsOfDatagram = (ip: Uint8Array): { row: Int8Array; res: ReturnType<typeof ipDatagramToBits> } => {
  const row = new Int8Array(L.columns.length);
  return { row, res: ipDatagramToBits(ip, L, row) };
};

const cutPacket = (ip: Uint8Array, snap: number): Packet => ({ ...rawPacket(ip.slice(0, snap)), originalLength: ip.length });

describe('nPrint rows of packets the snap length cut', () => {
  const tcp = tcpHeader([2, 4, 5, 0xb4, 1, 1, 4, 2]);
  const v4 = concat(ipv4Header({ protocol: 6 }, tcp.length + 100), tcp, new Uint8Array(100).fill(0x55));
  const v6 = concat(ipv6Header(17, 8 + 20), udpHeader(20), new Uint8Array(20).fill(0x55));

  for (const [name, datagram, headers] of [
    ['IPv4 + TCP with options', v4, 20 + tcp.length],
    ['IPv6 + UDP', v6, 48],
  ] as const) {
    it(`${name}: at every cut the row keeps the captured bits and is -1 from the cut on`, () => {
      const full = bitsOfDatagram(datagram).row;
      for (let snap = 1; snap < datagram.length; snap++) {
        const { row, res } = bitsOfDatagram(datagram.subarray(0, snap));
        expect(res.ok, `snap ${snap}`).toBe(true);
        if (!res.ok) continue;
        expect(res.truncated, `snap ${snap}`).toBe(snap < headers);
        // Every cell is the full packet's bit or absent; exactly the captured bits are present.
        let present = 0;
        for (let c = 0; c < row.length; c++) {
          if (row[c] === -1) continue;
          expect(row[c], `snap ${snap} column ${L.columns[c]}`).toBe(full[c]);
          present++;
        }
        const payloadBits = snap > headers ? Math.min(snap - headers, L.block('payload')?.bits ?? 0) : 0;
        expect(present, `snap ${snap}`).toBe(Math.min(snap, headers) * 8 + (snap > headers ? payloadBits * 8 : 0));
      }
    });
  }

  it('the encoder keeps the cut packets as rows and counts them', () => {
    const encoder = new NprintEncoder(nprintOptionsSchema.parse({ maxPackets: 8 }), { seed: 1 });
    const packets = [cutPacket(v4, 20 + 6), cutPacket(v4, 20 + 20), cutPacket(v4, 20 + tcp.length + 10), rawPacket(v4)];
    const report = encoder.encodePackets(packets);
    expect(report.skipped).toEqual([]);
    expect(report.rows).toBe(4);
    expect(report.truncated).toBe(2);
  });
});
