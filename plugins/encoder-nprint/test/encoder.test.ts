import { existsSync } from 'node:fs';
import { createRng, isNetsynthError, parsePluginOptions, type Flow, type LabelledSample, type Packet } from '@netsynth/core';
import { assembleFlows, readCaptureAll } from '@netsynth/pcap';
import { describe, expect, it } from 'vitest';
import { haveShared, sharedPath } from '@netsynth/test-support';
import plugin, { formatIpv4, NprintEncoder, nprintOptionsSchema, packetsToRows, rowsToImage, type NprintOptionsInput } from '../src/index.js';
import { concat, ethernetPacket, icmpEcho, ipv4Header, ipv6Header, rawPacket, tcpHeader, udpHeader } from './packets.js';

const HAVE_SHARED = haveShared('@netsynth/encoder-nprint data tests');

const make = (input: NprintOptionsInput = {}, seed = 7): NprintEncoder => new NprintEncoder(nprintOptionsSchema.parse(input), { seed });

function sampleOf(packets: Packet[], label = 'test'): LabelledSample {
  const flow: Flow = {
    key: { protocol: 6, a: { address: '10.0.0.1', port: 1 }, b: { address: '10.0.0.2', port: 2 } },
    id: 'test-flow',
    packets,
    directions: packets.map(() => 0),
  };
  return { id: 's', label, flow, windowStart: 0 };
}

function headerBytes(ip: Uint8Array): number {
  const v = (ip[0] as number) >> 4;
  const ipLen = v === 4 ? ((ip[0] as number) & 15) * 4 : 40;
  const proto = v === 4 ? (ip[9] as number) : (ip[6] as number);
  if (v === 4 && ((((ip[6] as number) & 0x1f) << 8) | (ip[7] as number)) !== 0) return ipLen; // non-first fragment
  return ipLen + (proto === 6 ? ((ip[ipLen + 12] as number) >> 4) * 4 : 8);
}

describe('the plugin definition', () => {
  it('is named @netsynth/encoder-nprint and fills defaults', () => {
    expect(plugin.name).toBe('@netsynth/encoder-nprint');
    expect(plugin.kind).toBe('encoder');
    const options = parsePluginOptions(plugin, {}, 'encoder.options');
    expect(options).toMatchObject({ maxPackets: 1024, keepAddresses: false, tensor: 'onehot3', interArrival: true, payloadBytes: 0 });
    expect(options.headers).toEqual({ ipv4: true, ipv6: true, tcp: true, udp: true, icmp: true });
  });

  it('rejects bad options with the config path', () => {
    const bad = (raw: unknown): string => {
      try {
        parsePluginOptions(plugin, raw, 'encoder.options');
      } catch (e) {
        if (isNetsynthError(e) && e.configPath) return e.configPath;
      }
      return 'accepted';
    };
    expect(bad({ tensor: 'rgb' })).toBe('encoder.options.tensor');
    expect(bad({ headers: { ipv4: false, ipv6: false } })).toBe('encoder.options.headers');
    expect(bad({ addresses: { ipv4: { a: '10.0.0.300', b: '10.0.0.2' } } })).toBe('encoder.options.addresses.ipv4.a');
    expect(bad({ maxPackets: 0 })).toBe('encoder.options.maxPackets');
  });

  it('info() describes the tensor', () => {
    const info = make().info();
    expect([info.channels, info.height, info.width]).toEqual([4, 1024, 1088]);
    expect(info.valueRange).toEqual([-1, 1]);
    expect(info.metadata['channelNames']).toEqual(['bit=1', 'bit=0', 'bit=-1', 'iat']);
    const signed = make({ tensor: 'signed1', interArrival: false, keepAddresses: true, maxPackets: 8 }).info();
    expect([signed.channels, signed.height, signed.width]).toEqual([1, 8, 1408]);
  });
});

describe('encode → decode on hand-made packets', () => {
  const packets: Packet[] = [
    rawPacket(
      concat(ipv4Header({ protocol: 6, src: [192, 168, 1, 2], dst: [1, 1, 1, 1] }, 20 + 5), tcpHeader([], 50000, 443, 0x002), new Uint8Array(5)),
      1_000_000_000n,
    ),
    rawPacket(concat(ipv4Header({ protocol: 6, src: [1, 1, 1, 1], dst: [192, 168, 1, 2] }, 20), tcpHeader([], 443, 50000, 0x012)), 1_000_250_000n),
    ethernetPacket(new Uint8Array(28), 0x0806, 1_000_300_000n),
    rawPacket(concat(ipv6Header(58, 8), icmpEcho(128)), 1_000_400_000n),
    rawPacket(
      concat(ipv4Header({ protocol: 6, src: [192, 168, 1, 2], dst: [1, 1, 1, 1] }, 20 + 100), tcpHeader([], 50000, 443, 0x010), new Uint8Array(100).fill(3)),
      3_000_500_000n,
    ),
    rawPacket(concat(ipv4Header({ protocol: 1 }, 8), icmpEcho(0)), 3_000_500_007n),
    rawPacket(concat(ipv6Header(17, 8), udpHeader(0)), 3_000_600_000n),
  ];

  it.each(['onehot3', 'signed1'] as const)('%s keeps every header byte, addresses and gaps (addresses kept)', (tensor) => {
    const enc = make({ tensor, keepAddresses: true, maxPackets: 16 });
    const report = enc.encodePackets(packets);
    expect(report.rows).toBe(5);
    expect(report.skipped.map((s) => [s.packetIndex, s.code])).toEqual([
      [2, 'not-ip'],
      [3, 'ipv6-next-header'],
    ]);
    const decoded = enc.decode(report.tensor, 'x');
    expect(decoded.problems).toEqual([]);
    expect(decoded.packets).toHaveLength(5);
    report.packetIndex.forEach((pi, k) => {
      const original = (packets[pi] as Packet).data;
      const back = (decoded.packets[k] as Packet).data;
      expect(back.length).toBe(original.length);
      const h = headerBytes(original);
      expect(Array.from(back.subarray(0, h))).toEqual(Array.from(original.subarray(0, h)));
      expect(back.subarray(h).every((b) => b === 0)).toBe(true);
    });
    const gapsUs = decoded.packets.map((p, k) => (k === 0 ? 0n : (p.timestampNs - (decoded.packets[k - 1] as Packet).timestampNs) / 1000n));
    expect(gapsUs).toEqual([0n, 250n, 2_000_250n, 0n, 100n]);
    expect(decoded.packets.every((p) => p.linkType === 101)).toBe(true);
  });

  it('without address columns, fills the given addresses by port direction', () => {
    const enc = make({ maxPackets: 8, addresses: { ipv4: { a: '172.16.0.1', b: '172.16.0.9' } } });
    const decoded = enc.decode(enc.encode(sampleOf(packets)), 'x');
    const pairs = decoded.packets.filter((p) => (p.data[0] as number) >> 4 === 4).map((p) => `${formatIpv4(p.data, 12)}>${formatIpv4(p.data, 16)}`);
    expect(pairs).toEqual(['172.16.0.1>172.16.0.9', '172.16.0.9>172.16.0.1', '172.16.0.1>172.16.0.9', '172.16.0.9>172.16.0.1']);
  });

  it('without given addresses, draws them from the seed: same seed same bytes, another seed others', () => {
    const a1 = make({ maxPackets: 8 }, 1);
    const t = a1.encode(sampleOf(packets));
    const bytes = (enc: NprintEncoder): string =>
      enc
        .decode(t, 'x')
        .packets.map((p) => Buffer.from(p.data).toString('hex'))
        .join();
    expect(bytes(make({ maxPackets: 8 }, 1))).toBe(bytes(a1));
    expect(bytes(make({ maxPackets: 8 }, 2))).not.toBe(bytes(a1));
  });

  it('decoding survives noise below the snapping margin', () => {
    const enc = make({ keepAddresses: true, maxPackets: 8 });
    const t = enc.encode(sampleOf(packets));
    const clean = enc.decode(t, 'x').packets.map((p) => Buffer.from(p.data).toString('hex'));
    const rng = createRng(3);
    const noisy = { ...t, data: t.data.map((v, i) => (i < (t.data.length * 3) / 4 ? v + (rng.next() - 0.5) * 0.9 : v)) };
    expect(enc.decode(noisy, 'x').packets.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(clean);
  });

  it('reports rows that cannot be packets, by row index, and rows after the padding', () => {
    const enc = make({ keepAddresses: true, maxPackets: 8, tensor: 'signed1', interArrival: false });
    const t = enc.encode(sampleOf(packets));
    const cols = enc.tensorColumns();
    const w = cols.length;
    // Row 1: IHL 4. Row 6 (after the padding that starts at row 5): a stray bit.
    t.data.set([0, 1, 0, 0], w + cols.indexOf('ipv4_hl_0'));
    t.data[6 * w + cols.indexOf('tcp_syn_0')] = 1;
    const decoded = enc.decode(t, 'x');
    expect(decoded.packets).toHaveLength(4);
    expect(decoded.problems).toEqual([
      { index: 1, message: 'IPv4 IHL 4 < 5' },
      { index: 6, message: 'row after the padding that starts at row 5 is not padding; ignored' },
    ]);
    expect(decoded.rowOfPacket).toEqual([0, 2, 3, 4]);
  });

  it('render() is NetDiffusion’s picture of the same rows', () => {
    const enc = make({ maxPackets: 1024 });
    const t = enc.encode(sampleOf(packets));
    const picture = enc.render(t);
    const expected = rowsToImage(packetsToRows(packets).table);
    expect([picture.width, picture.height]).toEqual([1088, 1024]);
    expect(Buffer.from(picture.rgba).equals(Buffer.from(expected.rgba))).toBe(true);
  });

  it('state() and loadState() carry the options; a foreign state is refused', () => {
    const a = make({ tensor: 'signed1', payloadBytes: 4, maxPackets: 4 });
    const b = make();
    b.loadState(JSON.parse(JSON.stringify(a.state())));
    expect(b.info()).toEqual(a.info());
    expect(() => b.loadState({ kind: 'something-else' })).toThrow(/not an nPrint encoder state/);
    expect(() => b.encode(sampleOf(packets)) && b.decode(make().encode(sampleOf(packets)), 'x')).toThrow(/tensor is 4×1024×1088/);
  });

  it('overflow beyond maxPackets is counted', () => {
    const report = make({ maxPackets: 2 }).encodePackets(packets);
    expect([report.rows, report.overflow]).toEqual([2, 3]);
  });
});

const TENSOR_CAPTURES = [
  'lab/web.pcap',
  'lab/dns.pcap',
  'lab/icmp.pcap',
  'packets/http_ip4and6.pcapng',
  'packets/ip_frag_source.pcapng',
  'packets/dhcp6_outlease_acquisition.pcapng',
];

describe.skipIf(!HAVE_SHARED)('real flows through the tensor', () => {
  it.each(TENSOR_CAPTURES.filter((c) => existsSync(sharedPath(c))))('%s: every header byte and gap comes back', async (name) => {
    const { packets } = await readCaptureAll(sharedPath(name));
    const flows = assembleFlows(packets, { idleTimeoutSeconds: 120 }).slice(0, 12);
    for (const tensor of ['onehot3', 'signed1'] as const) {
      const enc = make({ tensor, keepAddresses: true, maxPackets: 64 });
      for (const flow of flows) {
        const report = enc.encodePackets(flow.packets);
        const decoded = enc.decode(report.tensor, 'x');
        expect(decoded.problems).toEqual([]);
        expect(decoded.packets).toHaveLength(report.rows);
        report.packetIndex.forEach((pi, k) => {
          const original = ipOf(flow.packets[pi] as Packet);
          const back = (decoded.packets[k] as Packet).data;
          const h = Math.min(headerBytes(original), back.length);
          expect(Buffer.from(back.subarray(0, h)).equals(Buffer.from(original.subarray(0, h)))).toBe(true);
          if (k > 0) {
            const gap = Number(
              (flow.packets[pi] as Packet).timestampNs / 1000n - (flow.packets[report.packetIndex[k - 1] as number] as Packet).timestampNs / 1000n,
            );
            const back = Number(((decoded.packets[k] as Packet).timestampNs - (decoded.packets[k - 1] as Packet).timestampNs) / 1000n);
            expect(Math.abs(back - gap)).toBeLessThanOrEqual(Math.max(1, gap * 1e-5));
          }
        });
      }
    }
  });
});

function ipOf(p: Packet): Uint8Array {
  const d = p.data;
  if (p.linkType === 1) return d.subarray((((d[12] as number) << 8) | (d[13] as number)) === 0x8100 ? 18 : 14);
  return d;
}
