/**
 * Regression cases of issue 20: the minimal crash (orig_len > 65535 with fewer bytes
 * captured), orig_len < incl_len, and a flipped protocol byte inside a TCP conversation, with
 * and without a verifiable checksum.
 */
import { createRng, type Packet } from '@netsynth/core';
import { buildTcpPacket, buildUdpPacket, ipv4HeaderVerdict, IPV4, putField, TCP_FLAG, transportVerdict, viewOf } from '@netsynth/protocol-rules';
import { ipv4HeaderChecksum } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import { createIpv4Ruleset } from '../src/index.js';

const rng = (): ReturnType<typeof createRng> => createRng(7);

/** A DNS-sized query over Ethernet: 94 bytes captured. */
const dns = buildUdpPacket({ ethernet: true, srcPort: 40000, dstPort: 53, payload: new Uint8Array(52).fill(7) });

/** Sets the protocol byte and fixes only the IP header checksum (as a repaired header would look). */
function withProtocol(p: Packet, protocol: number): Packet {
  const data = p.data.slice();
  const o = p.linkType === 1 ? 14 : 0;
  putField(data, o, IPV4.protocol, protocol);
  putField(data, o, IPV4.checksum, ipv4HeaderChecksum(data, o));
  return { ...p, data };
}

describe('IPv4 length repairs on hostile frame lengths', () => {
  const r = createIpv4Ruleset();

  it('orig_len 70000 with 94 bytes captured: the frame length is cut to the captured datagram, nothing else changes', () => {
    expect(dns.data.length).toBe(94);
    const hostile: Packet = { ...dns, originalLength: 70000 };
    expect(r.check([hostile]).map((v) => v.rule)).toEqual(['ipv4.total_length']);
    const { packets, changes, unrepairable } = r.repair([hostile], rng());
    expect(unrepairable).toBeUndefined();
    expect(changes.map((c) => [c.field, c.before, c.after])).toEqual([['frame.length', 70000, 94]]);
    expect(Array.from(packets[0]?.data ?? [])).toEqual(Array.from(dns.data));
    expect(r.check(packets)).toEqual([]);
  });

  it('orig_len 70000 with a whole oversized frame captured: cut to the largest datagram', () => {
    const big = new Uint8Array(14 + 70000);
    big.set(dns.data);
    const hostile: Packet = { ...dns, data: big, capturedLength: big.length, originalLength: big.length };
    const { packets, unrepairable } = r.repair([hostile], rng());
    expect(unrepairable).toBeUndefined();
    expect(packets[0]?.data.length).toBe(14 + 0xffff);
    expect(packets[0]?.originalLength).toBe(14 + 0xffff);
    expect(r.check(packets)).toEqual([]);
  });

  it('orig_len below incl_len: the frame length is raised to the bytes captured, the datagram kept', () => {
    const hostile: Packet = { ...dns, originalLength: 60 };
    expect(r.check([hostile]).map((v) => v.rule)).toContain('ipv4.frame_length');
    const { packets, changes } = r.repair([hostile], rng());
    expect(changes.map((c) => [c.field, c.before, c.after])).toEqual([['frame.length', 60, 94]]);
    expect(packets[0]?.data).toEqual(dns.data);
    expect(r.check(packets)).toEqual([]);
  });
});

describe('IPv4 protocol byte against the transport header and the conversation', () => {
  const r = createIpv4Ruleset();
  const conversation = (n: number): Packet[] =>
    Array.from({ length: n }, (_, i) =>
      buildTcpPacket({
        ethernet: true,
        srcPort: 443,
        dstPort: 51000,
        seq: 1000 + i * 10,
        flags: TCP_FLAG.ACK | TCP_FLAG.PSH,
        payload: new Uint8Array(10).fill(i),
      }),
    );

  it.each([4, 2, 0x86])('protocol 6 flipped to %i in a TCP segment whose checksum verifies is put back to 6', (flipped) => {
    const lying = withProtocol(conversation(1)[0] as Packet, flipped);
    expect(r.check([lying]).map((v) => v.field)).toEqual(['ipv4.protocol']);
    const { packets } = r.repair([lying], rng());
    const v = viewOf(packets[0] as Packet, 0);
    expect(v.ipv4?.protocol).toBe(6);
    expect(ipv4HeaderVerdict(v)?.state).toBe('ok');
    expect(transportVerdict(v)?.state).toBe('ok');
  });

  it('a cut segment (no checksum to verify) takes the protocol of the rest of its conversation', () => {
    const flow: Packet[] = conversation(4).map((p) => ({ ...p, data: p.data.slice(0, 14 + 20 + 20), capturedLength: 54 }));
    flow[2] = withProtocol(flow[2] as Packet, 4);
    expect(r.check(flow).map((v) => [v.packetIndex, v.field])).toEqual([[2, 'ipv4.protocol']]);
    const { packets, changes } = r.repair(flow, rng());
    expect(viewOf(packets[2] as Packet, 2).ipv4?.protocol).toBe(6);
    expect(changes.find((c) => c.field === 'ipv4.protocol')?.reason).toMatch(/conversation/);
    expect(r.check(packets)).toEqual([]);
  });

  it('leaves a protocol alone when its conversation is mixed or too short to tell', () => {
    const flow: Packet[] = conversation(2).map((p) => ({ ...p, data: p.data.slice(0, 54), capturedLength: 54 }));
    flow[1] = withProtocol(flow[1] as Packet, 4);
    expect(r.check(flow)).toEqual([]);
  });
});
