import { createRng, nsToSeconds, type Flow, type Packet } from '@netsynth/core';
import { buildUdpPacket, viewOf } from '@netsynth/protocol-rules';
import { describe, expect, it } from 'vitest';
import plugin, { createFlowRuleset } from '../src/index.js';
import { CLIENT, conversation, GOOD, SERVER } from './conversation.js';

const rng = (): ReturnType<typeof createRng> => createRng(21);
const atTime = (packets: Packet[], ns: bigint): Packet[] => packets.map((p) => ({ ...p, timestampNs: ns }));

describe('timestamps and inter-arrival times', () => {
  const r = createFlowRuleset();

  it('gives a sample without timestamps a real start and learned inter-arrival times', () => {
    const learned = createFlowRuleset();
    const real = conversation(GOOD);
    const flow: Flow = {
      key: { protocol: 6, a: { address: CLIENT, port: 51000 }, b: { address: SERVER, port: 443 } },
      id: 'f',
      packets: real,
      directions: real.map((p) => (viewOf(p, 0).ipv4?.src === CLIENT ? 0 : 1)),
    };
    learned.learn([flow]);
    const zero = atTime(conversation([...GOOD, ...GOOD.slice(3, 7), ...GOOD.slice(3, 7), ...GOOD.slice(3, 7), ...GOOD.slice(3, 7)]).slice(0, 20), 0n);
    expect(learned.check(zero).map((v) => v.rule)).toEqual(expect.arrayContaining(['flow.timestamp', 'flow.iat']));
    const { packets } = learned.repair(zero, rng());
    expect(learned.check(packets).filter((v) => v.rule.startsWith('flow.timestamp') || v.rule === 'flow.iat')).toEqual([]);
    expect(packets[0]?.timestampNs).toBe(BigInt(Date.parse('2024-01-01T00:00:00Z')) * 1_000_000n);
    const gaps = packets.slice(1).map((p, i) => nsToSeconds(p.timestampNs - (packets[i] as Packet).timestampNs));
    // Every drawn interval lies inside the learned range (1 ms .. 20 ms in GOOD).
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(0.001 - 1e-9);
      expect(g).toBeLessThanOrEqual(0.02 + 1e-9);
    }
  });

  it('clamps a timestamp that steps back, tolerating capture jitter', () => {
    const p = conversation(GOOD);
    const jitter = p.map((x, i) => (i === 3 ? { ...x, timestampNs: (p[2] as Packet).timestampNs - 500_000n } : x));
    expect(r.check(jitter)).toEqual([]);
    const back = p.map((x, i) => (i === 3 ? { ...x, timestampNs: (p[2] as Packet).timestampNs - 5_000_000_000n } : x));
    expect(r.check(back).map((v) => v.rule)).toEqual(['flow.timestamp']);
    const { packets, changes } = r.repair(back, rng());
    expect(changes.map((c) => c.packetIndex)).toEqual([3]);
    expect(packets[3]?.timestampNs).toBe(p[2]?.timestampNs);
  });

  it('shortens a silence longer than maxIdleSeconds inside a flow', () => {
    const p = conversation(GOOD);
    const late = p.map((x, i) => (i >= 6 ? { ...x, timestampNs: x.timestampNs + 7200n * 1_000_000_000n } : x));
    expect(r.check(late).map((v) => v.rule)).toEqual(['flow.iat']);
    const { packets } = r.repair(late, rng());
    expect(r.check(packets)).toEqual([]);
    expect(nsToSeconds((packets[9] as Packet).timestampNs - (packets[0] as Packet).timestampNs)).toBeLessThan(10);
  });
});

describe('tuples and IPv4 identification', () => {
  const r = createFlowRuleset();
  it('rewrites reply ports that do not mirror the flow they answer', () => {
    const q = buildUdpPacket({ src: CLIENT, dst: '192.168.7.1', srcPort: 5300, dstPort: 53, timestampNs: 1_700_000_000_000_000_000n });
    const a = buildUdpPacket({ src: '192.168.7.1', dst: CLIENT, srcPort: 53, dstPort: 5301, timestampNs: 1_700_000_000_001_000_000n });
    expect(r.check([q, a]).map((v) => v.rule)).toEqual(['flow.tuple']);
    const { packets } = r.repair([q, a], rng());
    expect(viewOf(packets[1] as Packet, 1).udp?.dstPort).toBe(5300);
    expect(r.check(packets)).toEqual([]);
  });

  it("continues the identification counter where a fragmentable datagram repeats the previous one's", () => {
    const mk = (id: number, n: number): Packet =>
      buildUdpPacket({
        src: CLIENT,
        dst: SERVER,
        dstPort: 4789,
        identification: id,
        dontFragment: false,
        payload: new Uint8Array(n),
        timestampNs: 1_700_000_000_000_000_000n + BigInt(n),
      });
    const sample = [mk(4000, 10), mk(4000, 20), mk(0, 30), mk(0, 40)];
    expect(r.check(sample).map((v) => [v.rule, v.packetIndex])).toEqual([['flow.ipv4.id', 1]]);
    const { packets } = r.repair(sample, rng());
    expect(viewOf(packets[1] as Packet, 1).ipv4?.identification).toBe(4001);
  });

  it('is a flow-scope constraint plugin', () => {
    expect(plugin.kind).toBe('constraint');
    expect(createFlowRuleset().scope).toBe('flow');
    expect(plugin.options.parse({}).captureLoss).toBe('tolerate');
  });
});
