import { verifyChecksums } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import { craftPacket, craftSample } from '../src/craft.js';
import { FLOW_FEATURE_NAMES, flowFeatures } from '../src/features.js';
import { analyseSample, packetFields } from '../src/fields.js';

describe('packet fields', () => {
  it('reads crafted TCP, UDP and ICMP packets back through the dissector', () => {
    const tcp = packetFields(
      craftPacket({
        timeSeconds: 1.5,
        src: '10.0.0.1',
        dst: '10.0.0.2',
        protocol: 'tcp',
        length: 60,
        srcPort: 40000,
        dstPort: 443,
        ttl: 61,
        tcpFlags: 0x12,
        tcpWindow: 1234,
      }),
    );
    expect(tcp).toMatchObject({
      length: 60,
      ipVersion: 4,
      srcIp: '10.0.0.1',
      dstIp: '10.0.0.2',
      protocol: 6,
      transport: 'tcp',
      srcPort: 40000,
      dstPort: 443,
      ttl: 61,
      tcpFlags: 0x12,
      tcpWindow: 1234,
      payloadLength: 20,
    });
    expect(tcp.timeSeconds).toBeCloseTo(1.5, 9);
    const udp = packetFields(craftPacket({ timeSeconds: 0, src: '10.0.0.3', dst: '8.8.8.8', protocol: 'udp', length: 28, srcPort: 5353, dstPort: 53 }));
    expect(udp).toMatchObject({ protocol: 17, transport: 'udp', srcPort: 5353, dstPort: 53, tcpFlags: null, tcpWindow: null, payloadLength: 0 });
    const icmp = packetFields(craftPacket({ timeSeconds: 0, src: '10.0.0.3', dst: '10.0.0.4', protocol: 'icmp', length: 84 }));
    expect(icmp).toMatchObject({ protocol: 1, transport: 'icmp', srcPort: null, dstPort: null });
  });

  it('crafts packets with correct checksums', () => {
    for (const protocol of ['tcp', 'udp', 'icmp'] as const) {
      const p = craftPacket({ timeSeconds: 0, src: '192.168.1.1', dst: '192.168.1.2', protocol, length: 101, srcPort: 1, dstPort: 2 });
      expect(verifyChecksums(p)).toEqual({ ipv4: true, transport: true });
    }
  });

  it('rejects impossible lengths with a typed error', () => {
    expect(() => craftPacket({ timeSeconds: 0, src: '1.1.1.1', dst: '2.2.2.2', protocol: 'tcp', length: 39 })).toThrow(/length 39/);
  });
});

describe('sample analysis and flow features', () => {
  const sample = craftSample('s', 'web', [
    { timeSeconds: 10, src: '10.0.0.2', dst: '10.0.0.1', protocol: 'tcp', length: 60, srcPort: 45000, dstPort: 80, tcpFlags: 0x02 },
    { timeSeconds: 10.001, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'tcp', length: 60, srcPort: 80, dstPort: 45000, tcpFlags: 0x12 },
    { timeSeconds: 10.003, src: '10.0.0.2', dst: '10.0.0.1', protocol: 'tcp', length: 52, srcPort: 45000, dstPort: 80, tcpFlags: 0x10 },
    { timeSeconds: 10.013, src: '10.0.0.1', dst: '10.0.0.2', protocol: 'tcp', length: 1500, srcPort: 80, dstPort: 45000, tcpFlags: 0x18 },
  ]);

  it('derives counts, bytes, duration, directions and inter-arrival times', () => {
    const a = analyseSample(sample);
    expect(a.packetCount).toBe(4);
    expect(a.byteCount).toBe(1672);
    expect(a.durationSeconds).toBeCloseTo(0.013, 9);
    expect(a.directions).toEqual([0, 1, 0, 1]);
    expect(a.interArrivals.map((v) => Math.round(v * 1e6))).toEqual([1000, 2000, 10000]);
    expect(analyseSample(sample)).toBe(a);
  });

  it('produces one named value per feature', () => {
    const f = flowFeatures(analyseSample(sample));
    expect(f).toHaveLength(FLOW_FEATURE_NAMES.length);
    const at = (name: string): number => f[FLOW_FEATURE_NAMES.indexOf(name)] as number;
    expect(at('packets')).toBe(4);
    expect(at('size_max')).toBe(1500);
    expect(at('share_packets_backward')).toBe(0.5);
    expect(at('proto_tcp')).toBe(1);
    expect(at('service_port')).toBe(80);
    expect(at('share_syn')).toBe(0.5);
    expect(at('signed_size_1')).toBe(-60);
    expect(at('signed_size_5')).toBe(0);
    expect(f.every(Number.isFinite)).toBe(true);
  });
});
