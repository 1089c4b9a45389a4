import { createRng, type Flow, type Packet } from '@netsynth/core';
import { buildTcpPacket, buildUdpPacket, ipv4HeaderVerdict, IPV4, putField, viewOf } from '@netsynth/protocol-rules';
import { ipv4HeaderChecksum, recomputeChecksums } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import plugin, { createIpv4Ruleset } from '../src/index.js';

/** A packet with one IPv4 field changed and checksums made right again (so only that field is wrong). */
function withField(p: Packet, field: typeof IPV4.ttl, value: number, fixChecksum = true): Packet {
  const data = p.data.slice();
  putField(data, 0, field, value);
  const out = { ...p, data };
  return fixChecksum ? recomputeChecksums(out) : out;
}

/** Changes an IPv4 field and fixes only the header checksum (the transport bytes stay as they were). */
function withHeaderField(p: Packet, field: typeof IPV4.ttl, value: number): Packet {
  const data = p.data.slice();
  putField(data, 0, field, value);
  putField(data, 0, IPV4.checksum, ipv4HeaderChecksum(data, 0));
  return { ...p, data };
}

/** An Ethernet frame whose EtherType says IPv4 but whose header says another version. */
function ethernetVersion(version: number): Packet {
  const p = buildTcpPacket({ ethernet: true });
  const data = p.data.slice();
  putField(data, 14, IPV4.version, version);
  return { ...p, data };
}

/** A raw-IP packet whose version nibble is neither 4 nor 6. */
function rawVersion(version: number): Packet {
  const data = tcp.data.slice();
  putField(data, 0, IPV4.version, version);
  return { ...tcp, data };
}

const rng = (): ReturnType<typeof createRng> => createRng(42);
const tcp = buildTcpPacket({ payload: new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n') });

describe('IPv4 rules: detection and minimal repair', () => {
  const r = createIpv4Ruleset();

  const cases: [string, Packet, string, string[]][] = [
    ['TTL 0', withField(tcp, IPV4.ttl, 0), 'ipv4.ttl', ['ipv4.ttl', 'ipv4.checksum']],
    ['version 6 behind EtherType IPv4', ethernetVersion(6), 'ipv4.version', ['ipv4.version']],
    ['raw-IP version nibble 5', rawVersion(5), 'ipv4.version', ['ipv4.version']],
    ['IHL 3', withField(tcp, IPV4.ihl, 3), 'ipv4.ihl', ['ipv4.ihl']],
    ['total length past the frame', withField(tcp, IPV4.totalLength, 200), 'ipv4.total_length', ['ipv4.total_length']],
    ['reserved flag', withField(tcp, IPV4.reservedFlag, 1), 'ipv4.fragment', ['ipv4.flags.reserved']],
    ['DF on a non-first fragment', withField(tcp, IPV4.fragmentOffset, 100), 'ipv4.fragment', ['ipv4.flags.df']],
    ['unassigned protocol', withField(tcp, IPV4.protocol, 200), 'ipv4.protocol', ['ipv4.protocol']],
    ['multicast source', withField(tcp, IPV4.src, 0xe0000001), 'ipv4.address', ['ipv4.src']],
    ['0.0.0.0/8 destination', withField(tcp, IPV4.dst, 0x00000005), 'ipv4.address', ['ipv4.dst']],
    ['bad header checksum', withField(tcp, IPV4.checksum, 0x1234, false), 'ipv4.checksum', ['ipv4.checksum']],
  ];

  it.each(cases)('%s is found and repaired', (_what, packet, rule, fields) => {
    expect(r.check([packet]).map((v) => v.rule)).toContain(rule);
    const { packets, changes } = r.repair([packet], rng());
    expect(r.check(packets)).toEqual([]);
    const changed = new Set(changes.map((c) => c.field));
    for (const f of fields) expect(changed).toContain(f);
    expect(changes.every((c) => c.reason.length > 0 && c.packetIndex === 0)).toBe(true);
  });

  it('changes only the TTL and the checksum for a TTL of 0, taking the TTL the source uses elsewhere', () => {
    const sample = [withField(tcp, IPV4.ttl, 57), withField(tcp, IPV4.ttl, 0)];
    const { packets, changes } = r.repair(sample, rng());
    expect(changes.map((c) => [c.field, c.before, c.after])).toEqual([
      ['ipv4.ttl', 0, 57],
      ['ipv4.checksum', expect.any(String), expect.any(String)],
    ]);
    expect(packets[0]).toBe(sample[0]);
  });

  it('prefers a learned TTL over the default when the sample has none', () => {
    const learned = createIpv4Ruleset();
    const flow: Flow = {
      key: { protocol: 6, a: { address: '1.1.1.1', port: 1 }, b: { address: '2.2.2.2', port: 2 } },
      id: 'x',
      packets: [withField(tcp, IPV4.ttl, 128)],
      directions: [0],
    };
    learned.learn([flow]);
    const zero = withField(buildUdpPacket({ src: '10.1.1.1' }), IPV4.ttl, 0);
    const { packets } = learned.repair([zero], rng());
    expect(viewOf(packets[0] as Packet, 0).ipv4?.ttl).toBe(128);
  });

  it('finds a protocol field that contradicts a valid transport header', () => {
    const udp = buildUdpPacket({ payload: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14) });
    const lying = withHeaderField(udp, IPV4.protocol, 6);
    expect(r.check([lying]).map((v) => v.message)).toEqual([expect.stringMatching(/valid udp header/)]);
    const { packets } = r.repair([lying], rng());
    expect(viewOf(packets[0] as Packet, 0).ipv4?.protocol).toBe(17);
  });

  it('strips malformed options, fixing IHL and total length', () => {
    const data = new Uint8Array(tcp.data.length + 4);
    data.set(tcp.data.subarray(0, 20), 0);
    data.set([0x99, 0x02, 0x00, 0x00], 20);
    data.set(tcp.data.subarray(20), 24);
    data[0] = 0x46;
    data[3] = (data[3] ?? 0) + 4;
    const withOptions = recomputeChecksums({ ...tcp, data, capturedLength: data.length, originalLength: data.length });
    expect(r.check([withOptions]).map((v) => v.rule)).toEqual(['ipv4.options']);
    const { packets } = r.repair([withOptions], rng());
    const v = viewOf(packets[0] as Packet, 0);
    expect([v.ipv4?.ihl, v.ipv4?.totalLength, packets[0]?.data.length]).toEqual([5, tcp.data.length, tcp.data.length]);
    expect(ipv4HeaderVerdict(v)?.state).toBe('ok');
  });

  it('accepts 0.0.0.0 as the source of a DHCP client message only', () => {
    const dhcp = buildUdpPacket({ src: '0.0.0.0', dst: '255.255.255.255', srcPort: 68, dstPort: 67 });
    expect(r.check([dhcp])).toEqual([]);
    const other = buildUdpPacket({ src: '0.0.0.0', dst: '255.255.255.255', srcPort: 5000, dstPort: 67 });
    expect(r.check([other]).map((v) => v.field)).toEqual(['ipv4.src']);
  });

  it('is idempotent: a valid sample comes back as the same objects, a repaired one needs nothing more', () => {
    const sample = [tcp, withField(tcp, IPV4.ttl, 0), withField(tcp, IPV4.totalLength, 9)];
    const first = r.repair(sample, rng());
    expect(first.packets[0]).toBe(tcp);
    const second = r.repair(first.packets, rng());
    expect(second.changes).toEqual([]);
    expect(second.packets).toEqual(first.packets);
  });

  it('is a constraint plugin with an options schema', () => {
    expect(plugin.kind).toBe('constraint');
    expect(() => plugin.options.parse({ offloadedChecksums: 'maybe' })).toThrow();
    expect(plugin.options.parse({})).toEqual({ offloadedChecksums: 'accept', malformedOptions: 'strip' });
  });
});
