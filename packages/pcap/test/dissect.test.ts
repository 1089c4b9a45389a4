import { describe, expect, it } from 'vitest';
import type { Packet } from '@netsynth/core';
import { dissect, formatIpv6, ipDatagram } from '../src/index.js';
import { bytes, concat, ethernet, extBody, fragmentExt, icmp, ipv4, ipv6, nullLoop, sll, sll2, tcp, udp, v6 } from './builders.js';

function pkt(data: Uint8Array, linkType = 1, originalLength = data.length): Packet {
  return { timestampNs: 0n, capturedLength: data.length, originalLength, linkType, data };
}

const tcpSeg = tcp({
  srcPort: 51000,
  dstPort: 443,
  seq: 0xfffffff0,
  ack: 7,
  flags: 0x1c2,
  options: bytes(2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7),
  payload: bytes(1, 2, 3),
});
const v4tcp = ipv4({ src: '192.168.1.10', dst: '8.8.8.8', protocol: 6, payload: tcpSeg, options: bytes(0x94, 4, 0, 0) });

describe('link layers', () => {
  it('Ethernet with an 802.1ad + 802.1Q VLAN stack', () => {
    const d = dissect(
      pkt(
        ethernet(0x0800, v4tcp, [
          { tpid: 0x88a8, vid: 0x0064 },
          { tpid: 0x8100, vid: 0x2005 },
        ]),
      ),
    );
    const eth = d.layers[0];
    expect(eth?.kind).toBe('ethernet');
    if (eth?.kind !== 'ethernet') return;
    expect(eth.vlans).toEqual([100, 5]);
    expect(eth.etherType).toBe(0x0800);
    expect(eth.headerLength).toBe(22);
    expect(eth.src).toBe('02:00:00:00:00:aa');
    expect(d.networkOffset).toBe(22);
    expect(d.ip?.kind).toBe('ipv4');
    expect(d.transport?.kind).toBe('tcp');
    expect(d.problems).toEqual([]);
  });

  it('raw IP link types 101, 12, 14, 228 and 229', () => {
    for (const lt of [101, 12, 14, 228]) {
      const d = dissect(pkt(v4tcp, lt));
      expect(d.networkOffset).toBe(0);
      expect(d.ip?.src).toBe('192.168.1.10');
      expect(d.layers.map((l) => l.kind)).toEqual(['ipv4', 'tcp']);
    }
    const six = ipv6({ protocol: 17, payload: udp(5353, 5353, bytes(1)) });
    for (const lt of [101, 229]) expect(dissect(pkt(six, lt)).layers.map((l) => l.kind)).toEqual(['ipv6', 'udp']);
    expect(dissect(pkt(bytes(0x50, 0, 0, 0), 101)).problems[0]).toMatch(/version nibble 5/);
  });

  it('Linux SLL and SLL2', () => {
    const a = dissect(pkt(sll(0x0800, v4tcp), 113));
    expect(a.layers[0]).toMatchObject({ kind: 'sll', version: 1, protocol: 0x0800, address: '02:00:00:00:00:aa', headerLength: 16 });
    expect(a.networkOffset).toBe(16);
    const b = dissect(pkt(sll2(0x86dd, ipv6({ protocol: 17, payload: udp(1, 2) })), 276));
    expect(b.layers[0]).toMatchObject({ kind: 'sll', version: 2, protocol: 0x86dd, interfaceIndex: 3, packetType: 4 });
    expect(b.networkOffset).toBe(20);
    expect(b.transport?.kind).toBe('udp');
  });

  it('null/loopback in both byte orders, IPv4 and IPv6 families', () => {
    for (const lt of [0, 108]) {
      for (const le of [true, false]) {
        const d4 = dissect(pkt(nullLoop(2, le, v4tcp), lt));
        expect(d4.layers[0]).toMatchObject({ kind: 'null', family: 2 });
        expect(d4.ip?.kind).toBe('ipv4');
        for (const fam of [24, 28, 30]) {
          const d6 = dissect(pkt(nullLoop(fam, le, ipv6({ protocol: 58, payload: icmp(128, 0, 0x00010002) })), lt));
          expect(d6.ip?.kind).toBe('ipv6');
          expect(d6.transport?.kind).toBe('icmpv6');
        }
      }
    }
  });

  it('non-IP ethertype gives the link layer only, no problem', () => {
    const d = dissect(pkt(ethernet(0x0806, new Uint8Array(28))));
    expect(d.layers.map((l) => l.kind)).toEqual(['ethernet']);
    expect(d.ip).toBeUndefined();
    expect(d.problems).toEqual([]);
  });

  it('an unknown link type: no layers, one problem', () => {
    const d = dissect(pkt(new Uint8Array(40), 127));
    expect(d.layers).toEqual([]);
    expect(d.problems).toEqual(['link type 127 is not supported']);
    expect(ipDatagram(pkt(new Uint8Array(40), 127))).toBeUndefined();
  });
});

describe('IPv4 and TCP', () => {
  it('parses header fields, options, TCP options and flags', () => {
    const d = dissect(pkt(ethernet(0x0800, v4tcp)));
    const ip = d.ip;
    expect(ip?.kind).toBe('ipv4');
    if (ip?.kind !== 'ipv4') return;
    expect(ip).toMatchObject({ ihl: 6, headerLength: 24, protocol: 6, ttl: 64, src: '192.168.1.10', dst: '8.8.8.8', isFragment: false });
    expect(ip.options).toEqual(bytes(0x94, 4, 0, 0));
    expect(ip.totalLength).toBe(24 + tcpSeg.length);
    const t = d.transport;
    expect(t?.kind).toBe('tcp');
    if (t?.kind !== 'tcp') return;
    expect(t).toMatchObject({ srcPort: 51000, dstPort: 443, seq: 0xfffffff0, ack: 7, dataOffset: 8, window: 65535 });
    expect(t.flags).toMatchObject({ ns: true, cwr: true, ece: true, syn: true, ack: false, value: 0x1c2 });
    expect(t.options.map((o) => o.kind)).toEqual([2, 1, 1, 4, 1, 3]);
    expect(t.options[0]?.data).toEqual(bytes(0x05, 0xb4));
    expect(t.options[5]).toMatchObject({ kind: 3, length: 3 });
    expect(d.payloadOffset).toBe(14 + 24 + 32);
    expect(d.payloadLength).toBe(3);
    expect(d.truncated).toBe(false);
  });

  it('fragments: the first carries the transport header, later ones do not', () => {
    const payload = udp(1234, 53, new Uint8Array(40));
    const first = dissect(pkt(ipv4({ protocol: 17, payload: payload.slice(0, 24), moreFragments: true, totalLength: 44, transportChecksum: false }), 101));
    expect(first.ip).toMatchObject({ moreFragments: true, fragmentOffset: 0, isFragment: false });
    expect(first.transport?.kind).toBe('udp');
    const later = dissect(pkt(ipv4({ protocol: 17, payload: payload.slice(24), fragmentOffset: 24, transportChecksum: false }), 101));
    expect(later.ip).toMatchObject({ moreFragments: false, fragmentOffset: 24, isFragment: true });
    expect(later.transport).toBeUndefined();
    expect(later.layers.map((l) => l.kind)).toEqual(['ipv4']);
    expect(later.payloadOffset).toBe(20);
    expect(later.payloadLength).toBe(24);
  });

  it('bad IHL and bad TCP data offset are problems, not exceptions', () => {
    const bad = v4tcp.slice();
    bad[0] = 0x43;
    const d = dissect(pkt(bad, 101));
    expect(d.problems).toContain('ipv4: IHL 3 < 5');
    expect(d.transport).toBeUndefined();
    const seg = tcp();
    seg[12] = 0x30;
    const d2 = dissect(pkt(ipv4({ protocol: 6, payload: seg }), 101));
    expect(d2.problems).toContain('tcp: data offset 3 < 5');
  });

  it('a truncated packet dissects what is present and is marked truncated', () => {
    const full = ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ payload: new Uint8Array(1000) }) }));
    const cut = dissect(pkt(full.slice(0, 64), 1, full.length));
    expect(cut.truncated).toBe(true);
    expect(cut.transport?.kind).toBe('tcp');
    expect(cut.transport?.truncated).toBe(false);
    expect(cut.payloadLength).toBe(1000);
    // Cut inside the TCP header: TCP present, marked truncated, ports still read.
    const inTcp = dissect(pkt(full.slice(0, 14 + 20 + 6), 1, full.length));
    expect(inTcp.transport).toMatchObject({ kind: 'tcp', truncated: true, srcPort: 40000, dstPort: 80 });
    // Cut inside the IP header.
    const inIp = dissect(pkt(full.slice(0, 14 + 17), 1, full.length));
    expect(inIp.ip).toMatchObject({ kind: 'ipv4', truncated: true, src: '10.0.0.1', dst: '' });
    expect(inIp.transport).toBeUndefined();
    // Cut inside the Ethernet header.
    const inEth = dissect(pkt(full.slice(0, 8), 1, full.length));
    expect(inEth.layers[0]).toMatchObject({ kind: 'ethernet', truncated: true });
    expect(inEth.truncated).toBe(true);
  });

  it('ICMP echo', () => {
    const d = dissect(pkt(ipv4({ protocol: 1, payload: icmp(8, 0, 0x12340001, new Uint8Array(56)) }), 101));
    expect(d.transport).toMatchObject({ kind: 'icmp', type: 8, code: 0, restOfHeader: 0x12340001 });
    expect(d.payloadLength).toBe(56);
  });
});

describe('IPv6', () => {
  it('walks hop-by-hop, routing, destination options, AH and fragment headers', () => {
    const ah = concat(bytes(4), new Uint8Array(22)); // (4+2)*4 = 24 bytes incl. next-header byte
    const exts = [
      { type: 0, body: extBody(1) },
      { type: 43, body: extBody(3) },
      { type: 60, body: extBody(2) },
      { type: 51, body: ah.slice(0, 23) },
      { type: 44, body: fragmentExt(0, true, 0xabcdef01) },
    ];
    const data = ipv6({
      src: 'fe80::1',
      dst: '2001:db8:0:0:1::2',
      protocol: 6,
      payload: tcp({ srcPort: 8080, dstPort: 9090 }),
      extensions: exts,
      transportChecksum: false,
    });
    const d = dissect(pkt(data, 229));
    const ip = d.ip;
    if (ip?.kind !== 'ipv6') throw new Error('expected IPv6');
    expect(ip.extensions.map((e) => [e.type, e.length])).toEqual([
      [0, 8],
      [43, 24],
      [60, 16],
      [51, 24],
      [44, 8],
    ]);
    expect(ip.nextHeader).toBe(0);
    expect(ip.protocol).toBe(6);
    expect(ip.headerLength).toBe(40 + 80);
    expect(ip.isFragment).toBe(false);
    expect(ip.src).toBe('fe80::1');
    expect(ip.dst).toBe('2001:db8::1:0:0:2');
    expect(d.transport).toMatchObject({ kind: 'tcp', srcPort: 8080, dstPort: 9090, offset: 120 });
  });

  it('a non-first fragment has no transport', () => {
    const data = ipv6({ protocol: 17, payload: new Uint8Array(16), extensions: [{ type: 44, body: fragmentExt(1448, false, 7) }], transportChecksum: false });
    const d = dissect(pkt(data, 101));
    expect(d.ip).toMatchObject({ kind: 'ipv6', isFragment: true, protocol: 17 });
    expect(d.transport).toBeUndefined();
    expect(d.payloadLength).toBe(16);
  });

  it('an extension header cut by the snap length marks the packet truncated', () => {
    const data = ipv6({ protocol: 6, payload: tcp(), extensions: [{ type: 0, body: extBody(4) }], transportChecksum: false });
    const d = dissect(pkt(data.slice(0, 50), 101, data.length));
    expect(d.ip?.truncated).toBe(true);
    expect(d.truncated).toBe(true);
    expect(d.transport).toBeUndefined();
  });

  it('formats addresses as RFC 5952 text', () => {
    expect(formatIpv6(v6('2001:db8:0:0:0:0:2:1'), 0)).toBe('2001:db8::2:1');
    expect(formatIpv6(v6('2001:db8:0:1:1:1:1:1'), 0)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(v6('2001:0:0:1:0:0:0:1'), 0)).toBe('2001:0:0:1::1');
    expect(formatIpv6(v6('::'), 0)).toBe('::');
    expect(formatIpv6(v6('::1'), 0)).toBe('::1');
    expect(formatIpv6(v6('fe80::'), 0)).toBe('fe80::');
  });
});

describe('robustness', () => {
  it('never throws on random bytes for any supported link type', () => {
    let seed = 12345;
    const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(rand() * 120);
      const data = Uint8Array.from({ length: len }, () => Math.floor(rand() * 256));
      // Bias towards plausible IP headers so deeper code runs.
      if (len > 0 && rand() < 0.7) data[0] = rand() < 0.5 ? 0x45 : 0x60;
      const lt = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276][i % 10] ?? 1;
      expect(() => dissect(pkt(data, lt, len + Math.floor(rand() * 50)))).not.toThrow();
    }
  });
});
