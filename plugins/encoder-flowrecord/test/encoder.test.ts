import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LinkType, nsToSeconds, parsePluginOptions, parseRunConfig, type LabelledSample, type Packet } from '@netsynth/core';
import { assembleFlows, dissect, loadSamples, recomputeChecksums, verifyChecksums } from '@netsynth/pcap';
import plugin, { createFlowRecordEncoder, directionsFor, flowRecord, makeLayout, splitBytes } from '../src/index.js';

/** A raw-IP IPv4 packet: TCP (with flags), UDP or ICMP echo, checksums correct. */
function packet(t: bigint, up: boolean, proto: 'tcp' | 'udp' | 'icmp', size: number): Packet {
  const d = new Uint8Array(size);
  const v = new DataView(d.buffer);
  d[0] = 0x45;
  v.setUint16(2, size);
  d[8] = 64;
  d[9] = proto === 'tcp' ? 6 : proto === 'udp' ? 17 : 1;
  d.set(up ? [10, 0, 0, 2, 10, 0, 0, 1] : [10, 0, 0, 1, 10, 0, 0, 2], 12);
  if (proto === 'icmp') {
    d[20] = up ? 8 : 0;
    v.setUint16(24, 777);
  } else {
    v.setUint16(20, up ? 50000 : 443);
    v.setUint16(22, up ? 443 : 50000);
    if (proto === 'tcp') {
      d[32] = 0x50;
      d[33] = 0x10;
    } else v.setUint16(24, size - 20);
  }
  return recomputeChecksums({ timestampNs: t, capturedLength: size, originalLength: size, linkType: LinkType.RAW, data: d });
}

function sampleOf(proto: 'tcp' | 'udp' | 'icmp', sizes: number[], gapsMs: number[], start = 1_700_000_100_000_000_000n): LabelledSample {
  let t = start;
  const packets = sizes.map((s, i) => {
    if (i > 0) t += BigInt(gapsMs[i - 1]! * 1_000_000);
    return packet(t, s > 0, proto, Math.abs(s));
  });
  const [flow] = assembleFlows(packets, { idleTimeoutSeconds: 600 });
  return { id: `x#0@0`, label: 'x', flow: flow!, windowStart: 0 };
}

describe('flow records', () => {
  it('a flow becomes NetShare’s fields (initiator first, IP bytes, duration, packets, share sent by the initiator)', () => {
    const s = sampleOf('tcp', [60, -1500, 52, -1500, -400], [10, 20, 30, 40]);
    expect(flowRecord(s)).toEqual({
      srcip: '10.0.0.2',
      dstip: '10.0.0.1',
      srcport: 50000,
      dstport: 443,
      proto: 'tcp',
      ts: 1_700_000_100,
      td: 0.1,
      pkt: 5,
      byt: 60 + 1500 + 52 + 1500 + 400,
      upShare: 0.4,
    });
    const icmp = flowRecord(sampleOf('icmp', [84, -84], [5]));
    expect(icmp).toMatchObject({ proto: 'icmp', srcport: 777, dstport: 777, pkt: 2, byt: 168 });
  });

  it('directions keep the initiator first and its share; bytes split evenly within limits', () => {
    expect(directionsFor(6, 0.5)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(directionsFor(5, 0.4)).toEqual([0, 1, 0, 1, 1]);
    for (const [n, share] of [
      [1, 0],
      [2, 0.5],
      [5, 0.4],
      [10, 0.3],
      [33, 0.9],
      [7, 1],
    ] as const) {
      const d = directionsFor(n, share);
      expect(d).toHaveLength(n);
      expect(d[0]).toBe(0);
      expect(d.filter((x) => x === 0).length).toBe(Math.min(n, Math.max(1, Math.round(share * n))));
    }
    expect(splitBytes(1000, 3, 40, 1500)).toEqual([334, 333, 333]);
    expect(splitBytes(10, 3, 40, 1500)).toEqual([40, 40, 40]);
    expect(splitBytes(1e9, 2, 40, 1500)).toEqual([1500, 1500]);
  });

  it('the layout is 105 values with addresses, 41 without', () => {
    expect(makeLayout(true).length).toBe(105);
    expect(makeLayout(false).length).toBe(41);
    expect(makeLayout(true).layout['proto']).toEqual([96, 4]);
  });
});

describe('FlowRecordEncoder', () => {
  const samples = [
    sampleOf('tcp', [60, -1500, 52, -1500, -400], [10, 20, 30, 40]),
    sampleOf('udp', [80, -120, 80, -120], [100, 100, 100], 1_700_000_130_000_000_000n),
    sampleOf('icmp', [84, -84, 84, -84, 84, -84], [1, 200, 1, 200, 1], 1_700_000_160_000_000_000n),
  ];

  it('declares its time axis: the start value is linear in seconds between the declared ends, the duration log1p', async () => {
    const enc = createFlowRecordEncoder();
    await enc.fit(samples);
    const axis = enc.info().metadata['timeAxis'] as {
      start: { index: number; seconds: [number, number] };
      duration: { index: number; seconds: [number, number]; scale: string };
    };
    expect(axis.duration.scale).toBe('log1p');
    const [lo, hi] = axis.start.seconds;
    const [d0, d1] = axis.duration.seconds;
    for (const s of samples) {
      const r = flowRecord(s);
      const t = enc.encode(s);
      const start = lo + (((t.data[axis.start.index] as number) + 1) / 2) * (hi - lo);
      expect(start).toBeCloseTo(r.ts, 3);
      const f = ((t.data[axis.duration.index] as number) + 1) / 2;
      expect(Math.expm1(Math.log1p(d0) + f * (Math.log1p(d1) - Math.log1p(d0)))).toBeCloseTo(r.td, 4);
    }
  });

  it('encode → decode gives the record back (categorical fields exactly, the rest to float32 rounding)', async () => {
    const enc = createFlowRecordEncoder({ decode: { payload: 'zeros' } });
    await enc.fit(samples);
    expect(enc.info()).toMatchObject({ channels: 1, height: 1, width: 105, valueRange: [-1, 1] });
    for (const s of samples) {
      const want = flowRecord(s);
      const t = enc.encode(s);
      for (const v of t.data) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      const got = enc.decode(t, s.label);
      expect(got.record).toMatchObject({
        srcip: want.srcip,
        dstip: want.dstip,
        srcport: want.srcport,
        dstport: want.dstport,
        proto: want.proto,
        pkt: want.pkt,
      });
      expect(got.record.ts).toBeCloseTo(want.ts, 3);
      expect(got.record.td).toBeCloseTo(want.td, 4);
      expect(Math.abs(got.record.byt - want.byt)).toBeLessThanOrEqual(Math.ceil(want.byt * 1e-5));
      expect(got.record.upShare).toBeCloseTo(want.upShare, 5);
      expect(got.problems).toEqual([]);

      // The packets carry the record: count, bytes, directions, span, protocol, ports; checksums verify.
      expect(got.packets).toHaveLength(want.pkt);
      const bytes = got.packets.reduce((a, p) => a + p.originalLength, 0);
      expect(bytes).toBe(got.record.byt);
      const span = nsToSeconds(got.packets.at(-1)!.timestampNs - got.packets[0]!.timestampNs);
      expect(span).toBeCloseTo(got.record.td, 6);
      const flows = assembleFlows(got.packets, { idleTimeoutSeconds: 600 });
      expect(flows).toHaveLength(1);
      expect(flowRecord({ id: 'g', label: 'x', flow: flows[0]!, windowStart: 0 })).toMatchObject({
        srcip: want.srcip,
        dstport: want.dstport,
        proto: want.proto,
        pkt: want.pkt,
        upShare: want.upShare,
      });
      for (const p of got.packets) {
        expect(verifyChecksums(p)).toEqual({ ipv4: true, transport: true });
        expect(dissect(p).problems).toEqual([]);
      }
    }
  });

  it('by default only the headers are captured; the original length and the checksums are those of the full packet', async () => {
    const full = createFlowRecordEncoder({ decode: { payload: 'zeros' } });
    const cut = createFlowRecordEncoder();
    await full.fit(samples);
    await cut.fit(samples);
    for (const s of samples) {
      const a = full.decode(full.encode(s), s.label).packets;
      const b = cut.decode(cut.encode(s), s.label).packets;
      expect(b).toHaveLength(a.length);
      b.forEach((p, i) => {
        const header = p.data[9] === 6 ? 40 : 28;
        expect(p.capturedLength).toBe(Math.min(header, a[i]!.originalLength));
        expect(p.data.length).toBe(p.capturedLength);
        expect(p.originalLength).toBe(a[i]!.originalLength);
        expect(Array.from(p.data)).toEqual(Array.from(a[i]!.data.slice(0, p.capturedLength)));
        expect(p.timestampNs).toBe(a[i]!.timestampNs);
        expect(verifyChecksums(p).ipv4).toBe(true);
      });
    }
  });

  it('ICMP decodes to echo requests and replies that share the identifier and sequence number', async () => {
    const enc = createFlowRecordEncoder();
    await enc.fit(samples);
    const got = enc.decode(enc.encode(samples[2]!), 'icmp');
    const types = got.packets.map((p) => p.data[20]);
    expect(types).toEqual([8, 0, 8, 0, 8, 0]);
    const seqs = got.packets.map((p) => new DataView(p.data.buffer).getUint16(26));
    expect(seqs).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('state round-trips; a state for other options is refused', async () => {
    const a = createFlowRecordEncoder();
    await a.fit(samples);
    const b = createFlowRecordEncoder();
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(Array.from(b.encode(samples[1]!).data)).toEqual(Array.from(a.encode(samples[1]!).data));
    expect(() => createFlowRecordEncoder({ addresses: false }).loadState(a.state())).toThrow(/addresses/);
    expect(() => b.loadState({ nope: 1 })).toThrow(/not a flow-record encoder state/);
  });

  it('out-of-range and non-finite values are clamped and reported, never thrown', async () => {
    const enc = createFlowRecordEncoder({ decode: { maxPackets: 4 } });
    await enc.fit(samples);
    const t = enc.encode(samples[0]!);
    t.data[makeLayout(true).layout['packets']![0]] = 5; // far above the learned maximum: clipped to it (5 packets) then maxPackets 4
    t.data[makeLayout(true).layout['bytes']![0]] = Number.NaN;
    const got = enc.decode(t, 'x');
    expect(got.packets).toHaveLength(4);
    expect(got.problems.map((p) => p.message).join('\n')).toMatch(/non-finite[\s\S]*maxPackets keeps 4/);
  });

  it('addresses: false leaves them out and decodes the documentation endpoints', async () => {
    const enc = createFlowRecordEncoder({ addresses: false });
    await enc.fit(samples);
    expect(enc.info().width).toBe(41);
    const got = enc.decode(enc.encode(samples[0]!), 'x');
    expect(got.record).toMatchObject({ srcip: '192.0.2.1', dstip: '198.51.100.1', srcport: 50000, dstport: 443 });
  });

  it('the plugin validates its options', () => {
    expect(parsePluginOptions(plugin, {}, 'encoder.options')).toMatchObject({ addresses: true, decode: { maxPackets: 1024, mtu: 1500 } });
    expect(() => parsePluginOptions(plugin, { adresses: false }, 'encoder.options')).toThrow(/adresses/);
    expect(() => parsePluginOptions(plugin, { decode: { client: 'x' } }, 'encoder.options')).toThrow(/decode\.client/);
  });
});

const DEMO = fileURLToPath(new URL('../../../examples/data/demo', import.meta.url));
describe.skipIf(!existsSync(DEMO))('the bundled demo captures', () => {
  it('every flow of every class survives encode → decode with its categorical fields, packet count and bytes', async () => {
    const input = parseRunConfig({ input: { captures: ['.'], flows: { windowPackets: 100_000, minPackets: 1 } } }).input;
    const all = await loadSamples(input, DEMO, { seed: 0 });
    expect(new Set(all.map((s) => s.label))).toEqual(new Set(['dns', 'icmp', 'tls', 'udpstream', 'web']));
    const enc = createFlowRecordEncoder();
    await enc.fit(all);
    for (const s of all) {
      const want = flowRecord(s);
      const got = enc.decode(enc.encode(s), s.label).record;
      expect({ ...got, ts: 0, td: 0, byt: 0 }).toEqual({ ...want, ts: 0, td: 0, byt: 0, upShare: got.upShare });
      expect(got.upShare).toBeCloseTo(want.upShare, 5);
      expect(Math.abs(got.byt - want.byt)).toBeLessThanOrEqual(Math.ceil(want.byt * 1e-5));
      expect(Math.abs(got.td - want.td)).toBeLessThanOrEqual(1e-4 * Math.max(1, want.td));
    }
  });
});
