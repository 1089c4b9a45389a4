import { afterAll, describe, expect, it } from 'vitest';
import { flowIdOf, type Packet } from '@netsynth/core';
import { CaptureReader, FlowAssembler, assembleFlows, dissect, endpointsKeyOf, endpointsOf, readCaptureAll, summarizeCapture } from '../src/index.js';
import { PcapngBuilder, ethernet, icmp, ipv4, ipv6, pcapFile, tcp, tempDir, udp } from './builders.js';

const tmp = tempDir('netsynth-pcap-stream-');
afterAll(() => tmp.cleanup());

const frame = (n: number): Uint8Array =>
  ethernet(0x0800, ipv4({ src: `10.0.${n % 7}.1`, dst: '10.0.0.9', protocol: 17, payload: udp(1000 + (n % 13), 53, new Uint8Array(n % 200)) }));

/** A pcap of `count` records big enough to span several 4 KiB read chunks. */
function manyRecords(count: number): string {
  const records = Array.from({ length: count }, (_, i) => ({ sec: 1_700_000_000 + Math.floor(i / 10), frac: (i % 10) * 1000, data: frame(i) }));
  return tmp.file(`many-${count}.pcap`, pcapFile({ linkType: 1, records }));
}

describe('CaptureReader.batches', () => {
  it('hands out the same packets, in order, as packets() and readCaptureAll', async () => {
    const file = manyRecords(3000);
    const all = await readCaptureAll(file);
    const batched: Packet[] = [];
    let batches = 0;
    for await (const batch of new CaptureReader(file, { chunkSize: 4096 }).batches()) {
      batches++;
      batched.push(...batch);
    }
    expect(batches).toBeGreaterThan(10);
    expect(batched).toHaveLength(3000);
    expect(batched.map((p) => p.timestampNs)).toEqual(all.packets.map((p) => p.timestampNs));
    expect(batched.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(all.packets.map((p) => Buffer.from(p.data).toString('hex')));
  });

  it('transientData: each packet is right while it is current, and the views share the read buffer', async () => {
    const file = manyRecords(2000);
    const owned = (await readCaptureAll(file)).packets.map((p) => Buffer.from(p.data).toString('hex'));
    const seen: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    for await (const batch of new CaptureReader(file, { chunkSize: 4096, transientData: true }).batches()) {
      for (const p of batch) {
        seen.push(Buffer.from(p.data).toString('hex'));
        buffers.add(p.data.buffer);
      }
    }
    expect(seen).toEqual(owned);
    // Borrowed views: a handful of read buffers, not one arena slab per 64 KiB of packets.
    expect(buffers.size).toBeLessThanOrEqual(2);
  });

  it('skips unsupported link types per batch and counts them', async () => {
    const b = new PcapngBuilder().shb().idb({ linkType: 1 }).idb({ linkType: 105 });
    for (let i = 0; i < 10; i++) b.epb(i % 2, BigInt(i), frame(i));
    const file = tmp.file('mixed.pcapng', b.build());
    const reader = new CaptureReader(file);
    let n = 0;
    for await (const batch of reader.batches()) n += batch.length;
    expect(n).toBe(5);
    expect(reader.skippedByLinkType).toEqual({ 105: 5 });
    expect(reader.recordCount).toBe(10);
  });
});

describe('FlowAssembler countOnly and keys', () => {
  const S = 1_000_000_000n;
  const at = (seconds: number, data: Uint8Array): Packet => ({
    timestampNs: 1000n * S + BigInt(Math.round(seconds * 1e9)),
    capturedLength: data.length,
    originalLength: data.length,
    linkType: 101,
    data,
  });
  const packets = [
    at(0, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 6, payload: tcp({ srcPort: 40000, dstPort: 80 }) })),
    at(1, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 6, payload: tcp({ srcPort: 80, dstPort: 40000 }) })),
    at(2, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 17, payload: udp(40000, 80) })),
    at(3, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', protocol: 17, payload: udp(5000, 53) })),
    at(4, ipv6({ src: '2001:db8::2', dst: '2001:db8::1', protocol: 17, payload: udp(53, 5000) })),
    at(5, ipv6({ src: '2001:db8::2', dst: '2001:db8::1', protocol: 17, payload: udp(53, 5001) })),
    at(6, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 1, payload: icmp(8, 0, (7 << 16) | 1) })),
    at(7, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: 1, payload: icmp(0, 0, (7 << 16) | 1) })),
    at(200, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 6, payload: tcp({ srcPort: 40000, dstPort: 80 }) })),
  ];

  it('endpoint keys are equal exactly when flowIdOf ids are', () => {
    const ends = packets.map((p) => {
      const dp = dissect(p);
      const e = endpointsOf(dp);
      if (!e) throw new Error('every test packet has endpoints');
      return { id: flowIdOf(e.protocol, e.src, e.dst), key: endpointsKeyOf(dp, e) };
    });
    for (const x of ends) {
      for (const y of ends) {
        expect(x.key === y.key).toBe(x.id === y.id);
      }
    }
  });

  it('counts the same flows as the packet-keeping assembler, keeping none', () => {
    const kept = assembleFlows(packets, { idleTimeoutSeconds: 60 });
    const counter = new FlowAssembler({ idleTimeoutSeconds: 60, countOnly: true });
    for (const p of packets) expect(counter.add(p)).toEqual([]);
    expect(counter.flush()).toEqual([]);
    expect(kept).toHaveLength(6);
    expect(counter.stats.flows).toBe(kept.length);
  });

  it('summarizeCapture counts flows like assembleFlows on a file', async () => {
    const file = manyRecords(1500);
    const { packets: all } = await readCaptureAll(file);
    const summary = await summarizeCapture(file, { idleTimeoutSeconds: 5 });
    expect(summary.packets).toBe(1500);
    expect(summary.flows).toBe(assembleFlows(all, { idleTimeoutSeconds: 5 }).length);
  });
});
