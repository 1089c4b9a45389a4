import { describe, expect, it } from 'vitest';
import { haveShared, labCaptures } from '@netsynth/test-support';
import type { Packet } from '@netsynth/core';
import {
  dissect,
  internetChecksum,
  ipv4HeaderChecksum,
  readCaptureAll,
  recomputeChecksums,
  recomputeChecksumsDetailed,
  transportChecksum,
  verifyChecksums,
} from '../src/index.js';
import { bytes, ethernet, extBody, fragmentExt, icmp, ipv4, ipv6, tcp, udp } from './builders.js';

function pkt(data: Uint8Array, linkType = 1, originalLength = data.length): Packet {
  return { timestampNs: 0n, capturedLength: data.length, originalLength, linkType, data };
}

/** The same packet with its IPv4 header and transport checksum fields zeroed. */
function zeroChecksums(p: Packet): Packet {
  const data = p.data.slice();
  const d = dissect(p);
  if (d.ip?.kind === 'ipv4') {
    data[d.ip.offset + 10] = 0;
    data[d.ip.offset + 11] = 0;
  }
  const t = d.transport;
  if (t && !t.truncated) {
    const field = t.offset + (t.kind === 'tcp' ? 16 : t.kind === 'udp' ? 6 : 2);
    data[field] = 0xde;
    data[field + 1] = 0xad;
  }
  return { ...p, data };
}

const samples: [string, Packet][] = [
  ['IPv4 TCP with options', pkt(ethernet(0x0800, ipv4({ protocol: 6, options: bytes(1, 1, 1, 0), payload: tcp({ payload: bytes(1, 2, 3, 4, 5) }) })))],
  ['IPv4 UDP odd length', pkt(ethernet(0x0800, ipv4({ protocol: 17, payload: udp(5000, 53, bytes(9, 8, 7)) })))],
  ['IPv4 ICMP echo', pkt(ipv4({ protocol: 1, payload: icmp(8, 0, 0x00420001, new Uint8Array(33).fill(0x61)) }), 101)],
  ['IPv6 TCP', pkt(ethernet(0x86dd, ipv6({ protocol: 6, payload: tcp({ payload: new Uint8Array(100).fill(7) }) })))],
  ['IPv6 UDP after hop-by-hop', pkt(ipv6({ protocol: 17, payload: udp(546, 547, bytes(1, 2, 3)), extensions: [{ type: 0, body: extBody(1) }] }), 229)],
  ['IPv6 ICMPv6', pkt(ipv6({ protocol: 58, payload: icmp(135, 0, 0, new Uint8Array(20).fill(1)) }), 101)],
];

describe('checksums', () => {
  it('internetChecksum matches the RFC 1071 worked example', () => {
    // Sum 0x0001 + 0xf203 + 0xf4f5 + 0xf6f7 = 0x2ddf0 → folded 0xddf2 → checksum 0x220d.
    expect(internetChecksum(bytes(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7))).toBe(0x220d);
    expect(internetChecksum(bytes(0xff, 0xff, 0, 0), 0, 4, 0)).toBe(0);
    expect(internetChecksum(bytes(0x12), 0, 1)).toBe(~0x1200 & 0xffff);
  });

  it.each(samples)('%s: built correct, verified, zeroed, recomputed back', (_name, p) => {
    expect(verifyChecksums(p)).toEqual(dissect(p).ip?.kind === 'ipv4' ? { ipv4: true, transport: true } : { transport: true });
    const broken = zeroChecksums(p);
    expect(verifyChecksums(broken).transport).toBe(false);
    const fixed = recomputeChecksumsDetailed(broken);
    expect(fixed.transport).toBe('ok');
    expect(fixed.packet.data).toEqual(p.data);
    expect(broken.data).not.toEqual(p.data); // the input was not modified in place
  });

  it('ipv4HeaderChecksum and transportChecksum give the field values', () => {
    const ip = ipv4({ protocol: 17, payload: udp(1, 2, bytes(3)) });
    expect(ipv4HeaderChecksum(ip)).toBe((ip[10]! << 8) | ip[11]!);
    expect(transportChecksum(ip)).toBe((ip[26]! << 8) | ip[27]!);
    const framed = ethernet(0x0800, ip);
    expect(transportChecksum(framed, 14)).toBe((ip[26]! << 8) | ip[27]!);
  });

  it('leaves the transport checksum of truncated datagrams and fragments alone', () => {
    const full = ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ payload: new Uint8Array(200) }) }));
    const cut = zeroChecksums(pkt(full.slice(0, 80), 1, full.length));
    const r = recomputeChecksumsDetailed(cut);
    expect(r.transport).toBe('truncated');
    expect(r.ipv4).toBe(true);
    expect(r.packet.data.subarray(14 + 20 + 16, 14 + 20 + 18)).toEqual(bytes(0xde, 0xad));
    expect(verifyChecksums(r.packet)).toEqual({ ipv4: true });

    const frag = pkt(ipv4({ protocol: 17, payload: udp(1, 2, new Uint8Array(16)), moreFragments: true }), 101);
    expect(recomputeChecksumsDetailed(frag).transport).toBe('fragment');
    const frag6 = pkt(ipv6({ protocol: 17, payload: udp(1, 2), extensions: [{ type: 44, body: fragmentExt(0, true, 1) }] }), 101);
    expect(recomputeChecksumsDetailed(frag6).transport).toBe('fragment');
    expect(transportChecksum(frag6.data)).toBeUndefined();
  });

  it('a UDP checksum that computes to 0 is written as 0xffff; 0 on IPv4 means "none"', () => {
    const p = pkt(ipv4({ protocol: 17, payload: udp(1, 2, bytes(0, 0)), transportChecksum: false }), 101);
    expect(verifyChecksums(p)).toEqual({ ipv4: true, transport: true });
    const fixed = recomputeChecksums(p);
    expect(verifyChecksums(fixed)).toEqual({ ipv4: true, transport: true });
    expect(fixed.data[26] !== 0 || fixed.data[27] !== 0).toBe(true);
  });

  it('non-IP packets are returned unchanged', () => {
    const arp = pkt(ethernet(0x0806, new Uint8Array(28).fill(3)));
    const r = recomputeChecksumsDetailed(arp);
    expect(r).toMatchObject({ ipv4: false, transport: 'unsupported' });
    expect(r.packet.data).toEqual(arp.data);
    expect(verifyChecksums(arp)).toEqual({});
  });
});

const HAVE_SHARED = haveShared('real-capture checksum tests', 'lab');

describe.skipIf(!HAVE_SHARED)('checksums on the lab captures (recorded with offloads off)', () => {
  it.each(labCaptures())('%s: every checksum verifies, and recomputing a broken one restores it', async (file) => {
    const { packets } = await readCaptureAll(file);
    let checked = 0;
    packets.forEach((p, i) => {
      const v = verifyChecksums(p);
      if (v.ipv4 !== undefined) expect(v.ipv4, `packet ${i + 1} IPv4`).toBe(true);
      if (v.transport !== undefined) {
        expect(v.transport, `packet ${i + 1} transport`).toBe(true);
        checked++;
      }
      if (i % 97 === 0) {
        const r = recomputeChecksumsDetailed(zeroChecksums(p));
        if (r.transport === 'ok') expect(r.packet.data).toEqual(p.data);
      }
    });
    expect(checked).toBeGreaterThan(0);
  });
});
