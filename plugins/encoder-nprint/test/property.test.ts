import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsToIpDatagram } from '../src/bits-to-ip.js';
import { ipDatagramToBits } from '../src/ip-to-bits.js';
import { buildLayout, NETDIFFUSION_LAYOUT } from '../src/layout.js';

const WITH_PAYLOAD = buildLayout({ ipv4: true, ipv6: true, tcp: true, udp: true, icmp: true, payloadBytes: 16 });

/** Any IPv4/IPv6 datagram nPrint represents: random header fields, options, payload. */
const datagram = fc
  .record({
    v6: fc.boolean(),
    proto: fc.constantFrom(6, 17, 1),
    ipOptionWords: fc.integer({ min: 0, max: 10 }),
    tcpOptionWords: fc.integer({ min: 0, max: 10 }),
    payload: fc.integer({ min: 0, max: 40 }),
    extraLength: fc.integer({ min: 0, max: 30 }),
    seed: fc.uint8Array({ minLength: 200, maxLength: 200 }),
  })
  .map(({ v6, proto, ipOptionWords, tcpOptionWords, payload, extraLength, seed }) => {
    const ipLen = v6 ? 40 : 20 + 4 * ipOptionWords;
    const tLen = proto === 6 ? 20 + 4 * tcpOptionWords : 8;
    const bytes = seed.slice(0, ipLen + tLen + payload);
    const total = bytes.length + extraLength;
    if (v6) {
      bytes[0] = 0x60 | ((bytes[0] as number) & 0x0f);
      bytes[4] = (total - 40) >> 8;
      bytes[5] = (total - 40) & 0xff;
      bytes[6] = proto;
    } else {
      bytes[0] = 0x40 | (ipLen / 4);
      bytes[2] = total >> 8;
      bytes[3] = total & 0xff;
      bytes[6] = (bytes[6] as number) & 0xe0; // first fragment
      bytes[7] = 0;
      bytes[9] = proto;
    }
    if (proto === 6) bytes[ipLen + 12] = ((tLen / 4) << 4) | ((bytes[ipLen + 12] as number) & 0x0f);
    return { bytes, header: ipLen + tLen, total };
  });

describe('properties', () => {
  it('every representable datagram comes back: header bytes, kept payload, declared length, zeros after', () => {
    fc.assert(
      fc.property(datagram, ({ bytes, header, total }) => {
        for (const [layout, keep] of [
          [NETDIFFUSION_LAYOUT, 0],
          [WITH_PAYLOAD, 16],
        ] as const) {
          const row = new Int8Array(layout.columns.length);
          expect(ipDatagramToBits(bytes, layout, row).ok).toBe(true);
          const back = bitsToIpDatagram(row, 0, layout);
          expect(back.kind).toBe('packet');
          if (back.kind !== 'packet') return;
          expect(back.notes).toEqual([]);
          expect(back.bytes.length).toBe(total);
          const kept = header + Math.min(keep, bytes.length - header);
          expect(Array.from(back.bytes.subarray(0, kept))).toEqual(Array.from(bytes.subarray(0, kept)));
          expect(back.bytes.subarray(kept).every((b) => b === 0)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('random rows never throw: each is a packet, padding or a problem', () => {
    const width = NETDIFFUSION_LAYOUT.columns.length;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(-1, 0, 1), { minLength: width, maxLength: width }), (cells) => {
        const res = bitsToIpDatagram(Int8Array.from(cells), 0, NETDIFFUSION_LAYOUT);
        expect(['packet', 'padding', 'problem']).toContain(res.kind);
      }),
      { numRuns: 200 },
    );
  });
});
