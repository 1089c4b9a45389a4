import { createRng, type Packet } from '@netsynth/core';
import { buildUdpPacket, putField, setBe16, transportVerdict, UDP, viewOf } from '@netsynth/protocol-rules';
import { recomputeChecksums } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import plugin, { createUdpRuleset } from '../src/index.js';

const r = createUdpRuleset();
const rng = (): ReturnType<typeof createRng> => createRng(3);
const dns = buildUdpPacket({ srcPort: 40001, dstPort: 53, payload: new Uint8Array(30).fill(7) });

function withUdpField(p: Packet, field: typeof UDP.length, value: number, fix = true): Packet {
  const data = p.data.slice();
  putField(data, 20, field, value);
  return fix ? recomputeChecksums({ ...p, data }) : { ...p, data };
}

describe('UDP rules', () => {
  it('finds and fixes a length field that disagrees with the IP payload', () => {
    const wrong = withUdpField(dns, UDP.length, 20);
    expect(r.check([wrong]).map((v) => v.rule)).toEqual(['udp.length', 'udp.checksum']);
    const { packets, changes } = r.repair([wrong], rng());
    expect(changes.map((c) => c.field)).toEqual(['udp.length', 'udp.checksum']);
    expect(viewOf(packets[0] as Packet, 0).udp?.length).toBe(38);
    expect(r.check(packets)).toEqual([]);
  });

  it('allows checksum 0 over IPv4, recomputes a wrong one', () => {
    const zero = { ...dns, data: dns.data.slice() };
    setBe16(zero.data, 26, 0);
    expect(r.check([zero])).toEqual([]);
    const bad = { ...dns, data: dns.data.slice() };
    setBe16(bad.data, 26, 0x1234);
    const { packets } = r.repair([bad], rng());
    expect(transportVerdict(viewOf(packets[0] as Packet, 0))?.state).toBe('ok');
  });

  it('grows a datagram too short for a UDP header (NetShare: UDP ≥ 28 bytes)', () => {
    const data = dns.data.slice(0, 24);
    data[3] = 24;
    const short = recomputeChecksums({ ...dns, data, capturedLength: 24, originalLength: 24 });
    expect(r.check([short]).map((v) => v.rule)).toEqual(['udp.min_size']);
    const { packets } = r.repair([short], rng());
    expect(viewOf(packets[0] as Packet, 0).ipv4?.totalLength).toBe(28);
    expect(r.check(packets)).toEqual([]);
  });

  it('rejects destination port 0 and TCP-only services, keeps source port 0', () => {
    expect(r.check([buildUdpPacket({ srcPort: 0, dstPort: 53 })])).toEqual([]);
    expect(r.check([buildUdpPacket({ dstPort: 0 })]).map((v) => v.field)).toEqual(['udp.dst_port']);
    expect(r.check([buildUdpPacket({ dstPort: 25 })]).map((v) => v.message)).toEqual([expect.stringMatching(/smtp, a TCP-only service/)]);
    const { packets, changes } = r.repair([dns, buildUdpPacket({ srcPort: 40001, dstPort: 0 })], rng());
    expect(changes[0]).toMatchObject({ field: 'udp.dst_port', before: 0, after: 53 });
    expect(r.check(packets)).toEqual([]);
  });

  it('is idempotent', () => {
    const first = r.repair([dns, withUdpField(dns, UDP.length, 3)], rng());
    expect(first.packets[0]).toBe(dns);
    expect(r.repair(first.packets, rng()).changes).toEqual([]);
    expect(plugin.kind).toBe('constraint');
  });
});
