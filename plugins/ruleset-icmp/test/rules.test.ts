import { createRng, type Packet } from '@netsynth/core';
import { buildIcmpPacket, buildUdpPacket, ICMP, putField, viewOf } from '@netsynth/protocol-rules';
import { recomputeChecksums } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import plugin, { createIcmpRuleset } from '../src/index.js';

const r = createIcmpRuleset();
const rng = (): ReturnType<typeof createRng> => createRng(4);
const data = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * seed + 3) & 0xff);
const echo = (type: number, id: number, seq: number, payload: Uint8Array, from = '10.0.0.1', to = '10.0.0.2'): Packet =>
  buildIcmpPacket({ type, rest: (id << 16) | seq, payload, src: from, dst: to });
const request = (seq: number, payload = data(32, 5)): Packet => echo(8, 77, seq, payload);
const reply = (seq: number, payload = data(32, 5)): Packet => echo(0, 77, seq, payload, '10.0.0.2', '10.0.0.1');

describe('ICMP rules', () => {
  it('accepts a coherent ping exchange', () => {
    expect(r.check([request(1), reply(1), request(2), reply(2), reply(2)])).toEqual([]);
  });

  it('finds and repairs a reply that answers no request, and reply data that differs', () => {
    const sample = [request(1), reply(1), request(2), reply(9), request(3), reply(3, data(32, 11))];
    expect(r.check(sample).map((v) => [v.packetIndex, v.field])).toEqual([
      [3, 'icmp.echo.sequence'],
      [5, 'icmp.echo.data'],
    ]);
    const { packets, changes } = r.repair(sample, rng());
    expect(r.check(packets)).toEqual([]);
    expect(viewOf(packets[3] as Packet, 3).icmp?.restOfHeader).toBe((77 << 16) | 2);
    expect(changes.filter((c) => c.packetIndex === 5).map((c) => c.field)).toEqual(['icmp.echo.data', 'icmp.checksum']);
  });

  it('keeps request sequence numbers moving forward', () => {
    const sample = [request(5), request(6), request(2)];
    expect(r.check(sample).map((v) => v.message)).toEqual([expect.stringMatching(/goes back from 6/)]);
    const { packets } = r.repair(sample, rng());
    expect((viewOf(packets[2] as Packet, 2).icmp?.restOfHeader ?? 0) & 0xffff).toBe(7);
  });

  it('replaces unknown types and codes with the nearest known pair', () => {
    const unknownType = buildIcmpPacket({ type: 99 });
    const badCode = buildIcmpPacket({ type: 3, code: 40 });
    // The unreachable also quotes nothing: reported (and repaired) as well.
    expect(r.check([unknownType, badCode]).map((v) => v.field)).toEqual(['icmp.type', 'icmp.code', 'icmp.quoted']);
    const { packets } = r.repair([unknownType, badCode], rng());
    expect(r.check(packets)).toEqual([]);
  });

  it('requires an error to quote an IP header and 8 bytes, and rebuilds the quote from the sample', () => {
    const probe = buildUdpPacket({ src: '10.0.0.1', dst: '8.8.8.8', srcPort: 33434, dstPort: 33435, ttl: 1 });
    const stub = buildIcmpPacket({ type: 11, code: 0, src: '192.0.2.1', dst: '10.0.0.1', payload: new Uint8Array(4) });
    expect(r.check([probe, stub]).map((v) => v.rule)).toEqual(['icmp.quoted']);
    const { packets } = r.repair([probe, stub], rng());
    expect(r.check(packets)).toEqual([]);
    const fixed = packets[1] as Packet;
    expect([...fixed.data.subarray(28, 28 + 28)]).toEqual([...probe.data.subarray(0, 28)]);
  });

  it('sizes timestamp messages to 20 bytes', () => {
    const ts = buildIcmpPacket({ type: 13, payload: new Uint8Array(4) });
    expect(r.check([ts]).map((v) => v.rule)).toEqual(['icmp.size']);
    const { packets } = r.repair([ts], rng());
    expect(viewOf(packets[0] as Packet, 0).ipv4?.totalLength).toBe(40);
  });

  it('recomputes a wrong checksum, and is idempotent', () => {
    const p = request(1);
    const bad = recomputeChecksums(p);
    const broken = { ...bad, data: bad.data.slice() };
    putField(broken.data, 20, ICMP.checksum, 0xbeef);
    const first = r.repair([p, broken], rng());
    expect(first.packets[0]).toBe(p);
    expect(r.check(first.packets)).toEqual([]);
    expect(r.repair(first.packets, rng()).changes).toEqual([]);
    expect(plugin.kind).toBe('constraint');
  });
});
