import { LinkType, secondsToNs, type Packet } from '@netsynth/core';
import { dissect, verifyChecksums } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import { GasfEncoder, seriesToPackets, decodeOptionsSchema, type GasfDecodedSample } from '../src/index.js';
import { syntheticFlow } from './helpers.js';

function gapsNs(packets: Packet[]): bigint[] {
  return packets.slice(1).map((p, i) => p.timestampNs - packets[i]!.timestampNs);
}

function checkWellFormed(d: GasfDecodedSample | { packets: Packet[] }, protocol: 'tcp' | 'udp'): void {
  for (const p of d.packets) {
    expect(p.linkType).toBe(LinkType.RAW);
    expect(p.capturedLength).toBe(p.data.length);
    expect(p.originalLength).toBe(p.data.length);
    const dp = dissect(p);
    expect(dp.problems).toEqual([]);
    expect(dp.ip?.kind).toBe('ipv4');
    expect(dp.ip && 'totalLength' in dp.ip ? dp.ip.totalLength : -1).toBe(p.data.length);
    expect(dp.transport?.kind).toBe(protocol);
    expect(verifyChecksums(p)).toEqual({ ipv4: true, transport: true });
    // Payload is zeros.
    expect(p.data.subarray(dp.payloadOffset ?? p.data.length).every((b) => b === 0)).toBe(true);
  }
}

describe('decode: packets follow the recovered series', () => {
  const n = 200;
  const flow = syntheticFlow(21, n, 150);
  const signedSize = flow.size.map((v, i) => v * flow.direction[i]!);

  it('signedSize + iat (un-resized, TCP): sizes, directions and gaps as the series say', () => {
    const encoder = GasfEncoder.create({ features: ['signedSize', 'iat'], length: n, resolution: null }, { seed: 5 });
    encoder.fitSeries([{ signedSize, iat: flow.iat }]);
    const tensor = encoder.encodeSeries({ signedSize, iat: flow.iat }).tensor;
    const d = encoder.decode(tensor, 'web');
    expect(d.label).toBe('web');
    expect(d.problems).toEqual([]);
    expect(d.packets).toHaveLength(150);
    d.packets.forEach((p, i) => {
      expect(p.data.length).toBe(Math.round(Math.abs(d.series['signedSize']![i]!)));
      expect(p.data.length).toBe(flow.size[i]);
      expect(d.directions[i]).toBe(flow.direction[i]! > 0 ? 0 : 1);
    });
    const gaps = gapsNs(d.packets);
    gaps.forEach((g, i) => {
      expect(g).toBe(BigInt(Math.round(d.series['iat']![i + 1]! * 1e9)));
      expect(Math.abs(Number(g) / 1e9 - flow.iat[i + 1]!)).toBeLessThanOrEqual(flow.iat[i + 1]! * 1e-4 + 1e-9);
    });
    expect(d.packets[0]!.timestampNs).toBe(secondsToNs(1_700_000_000));
    checkWellFormed(d, 'tcp');

    // Endpoints: client = template client for up packets; TCP seq advances by payload per side.
    const up = d.packets.map(dissect).filter((_, i) => d.directions[i] === 0);
    expect(up[0]!.ip!.src).toBe('192.0.2.1');
    expect(up[0]!.ip!.dst).toBe('198.51.100.1');
    for (let i = 1; i < up.length; i++) {
      const prev = up[i - 1]!;
      const cur = up[i]!;
      const prevPayload = prev.payloadLength ?? 0;
      expect(cur.transport!.kind).toBe('tcp');
      if (cur.transport!.kind === 'tcp' && prev.transport!.kind === 'tcp') {
        expect(cur.transport!.seq).toBe((prev.transport!.seq + prevPayload) >>> 0);
        expect(cur.transport!.dstPort).toBe(443);
        expect(cur.transport!.srcPort).toBeGreaterThanOrEqual(49152);
      }
    }
  });

  it('is deterministic: same tensor, label and seed give the same bytes; another seed other ports', () => {
    const make = (seed: number): GasfDecodedSample => {
      const e = GasfEncoder.create({ features: ['signedSize', 'iat'], length: n, resolution: 32 }, { seed });
      e.fitSeries([{ signedSize, iat: flow.iat }]);
      return e.decode(e.encodeSeries({ signedSize, iat: flow.iat }).tensor, 'x');
    };
    const a = make(1);
    const b = make(1);
    const c = make(2);
    expect(a.packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(b.packets.map((p) => Buffer.from(p.data).toString('hex')));
    expect(Buffer.from(a.packets[0]!.data).equals(Buffer.from(c.packets[0]!.data))).toBe(false);
  });

  it('size + direction + iat, UDP: directions from the direction channel, sizes clamped to [28, mtu]', () => {
    const size = flow.size.slice();
    size[3] = 21; // smaller than a UDP packet: clamped to 28
    const encoder = GasfEncoder.create({
      features: ['size', 'direction', 'iat'],
      length: n,
      resolution: null,
      decode: { protocol: 'udp', mtu: 1000, serverPort: 5201, clientPort: 40000 },
    });
    encoder.fitSeries([{ size, iat: flow.iat }]);
    const d = encoder.decode(encoder.encodeSeries({ size, direction: flow.direction, iat: flow.iat }).tensor, 'udp');
    expect(d.packets).toHaveLength(150);
    d.packets.forEach((p, i) => {
      expect(p.data.length).toBe(Math.min(1000, Math.max(28, size[i]!)));
      expect(d.directions[i]).toBe(flow.direction[i]! > 0 ? 0 : 1);
      const dp = dissect(p);
      const ports = dp.transport?.kind === 'udp' ? [dp.transport.srcPort, dp.transport.dstPort] : [];
      expect(ports).toEqual(d.directions[i] === 0 ? [40000, 5201] : [5201, 40000]);
    });
    checkWellFormed(d, 'udp');
  });

  it('from a resized image: series down-sampled (32 points), packets stretched back to the original length', () => {
    const full = Float64Array.from({ length: 320 }, (_, i) => (i < 300 ? 100 + (i % 32) * 40 : 0));
    const encoder = GasfEncoder.create({ features: ['size'], length: 320, resolution: 32 });
    const d = encoder.decode(encoder.encodeSeries({ size: full }).tensor, 'r');
    expect(d.seriesLength).toBe(32);
    expect(d.downsampleFactor).toBe(10);
    expect(d.series['size']).toHaveLength(32);
    // 30 cells of real packets → 300 packets; the last 2 cells are padding.
    expect(d.packets).toHaveLength(300);
    d.packets.forEach((p, i) => {
      expect(d.seriesIndex[i]).toBe(Math.floor(i / 10));
      expect(p.data.length).toBe(Math.round(d.series['size']![Math.floor(i / 10)]!));
    });
    // Without expansion: one packet per recovered point.
    const short = GasfEncoder.create({ features: ['size'], length: 320, resolution: 32, decode: { expand: false } });
    const e = short.decode(short.encodeSeries({ size: full }).tensor, 'r');
    expect(e.packets).toHaveLength(30);
    // No iat channel: packets are gapSeconds apart.
    expect(new Set(gapsNs(e.packets))).toEqual(new Set([secondsToNs(0.01)]));
  });

  it('bytesPerBin alone: each bin becomes ⌈B/mtu⌉ packets inside the bin, carrying its bytes', () => {
    const bins = Float64Array.from([4000, 0, 1500, 600, 0, 10, 3001]);
    const encoder = GasfEncoder.create({ features: ['bytesPerBin'], length: bins.length, resolution: null, binSeconds: 0.5 });
    encoder.fitSeries([{ bytesPerBin: bins }]);
    const d = encoder.decode(encoder.encodeSeries({ bytesPerBin: bins }).tensor, 'video');
    const start = secondsToNs(1_700_000_000);
    const perBin = new Map<number, Packet[]>();
    d.packets.forEach((p, i) => {
      const k = d.seriesIndex[i]!;
      perBin.set(k, [...(perBin.get(k) ?? []), p]);
      expect(p.timestampNs).toBeGreaterThanOrEqual(start + BigInt(k) * 500_000_000n);
      expect(p.timestampNs).toBeLessThan(start + BigInt(k + 1) * 500_000_000n);
      expect(d.directions[i]).toBe(1);
    });
    expect([...perBin.keys()]).toEqual([0, 2, 3, 6]);
    expect(perBin.get(0)!.map((p) => p.data.length)).toEqual([1333, 1333, 1333]);
    expect(perBin.get(2)!.map((p) => p.data.length)).toEqual([1500]);
    expect(perBin.get(3)!.map((p) => p.data.length)).toEqual([600]);
    expect(perBin.get(6)!.map((p) => p.data.length)).toEqual([1000, 1000, 1000]);
    checkWellFormed(d, 'tcp');
  });

  it('reports a series that holds no packet', () => {
    const encoder = GasfEncoder.create({ features: ['size'], length: 50, resolution: null });
    const d = encoder.decode(encoder.encodeSeries({ size: new Float64Array(50) }).tensor, 'empty');
    expect(d.packets).toEqual([]);
    expect(d.problems[0]!.message).toMatch(/no packet/);
  });

  it('direction only: packets where |direction| ≥ 0.5, sizes at the TCP minimum', () => {
    const r = seriesToPackets({ direction: [1, -1, 0.2, -0.9, 0] }, decodeOptionsSchema.parse({}), { seed: 1, binSeconds: 0.25, binDirection: 'both' });
    expect(r.sourceIndex).toEqual([0, 1, 3]);
    expect(r.directions).toEqual([0, 1, 1]);
    expect(r.packets.map((p) => p.data.length)).toEqual([40, 40, 40]);
  });
});
