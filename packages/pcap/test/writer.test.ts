import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, sharedCaptureCases, sharedPath } from '@netsynth/test-support';
import { OutputExistsError, isNetsynthError, type Packet } from '@netsynth/core';
import { CaptureReader, PcapWriter, dissect, readCaptureAll, toEthernet, toRawIp, verifyChecksums, writePcap } from '../src/index.js';
import { bytes, ethernet, ipv4, ipv6, pcapFile, sll, tcp, tempDir, udp } from './builders.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function pkt(data: Uint8Array, linkType: number, timestampNs: bigint, originalLength = data.length): Packet {
  return { timestampNs, capturedLength: data.length, originalLength, linkType, data };
}

const eth = (n: number): Uint8Array => ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1000, 2000 + n, new Uint8Array(n)) }));

describe('PcapWriter', () => {
  it('writes µs and ns files that read back identically (µs cuts sub-µs digits)', async () => {
    const packets = [pkt(eth(1), 1, 1_700_000_000_123_456_789n), pkt(eth(2), 1, 1_700_000_001_000_000_001n, 900)];
    const ns = tmp.file('w-ns.pcap');
    const us = tmp.file('w-us.pcap');
    expect(await writePcap(ns, packets, { linkType: 1, nanosecond: true })).toBe(2);
    await writePcap(us, packets, { linkType: 1 });
    const a = await readCaptureAll(ns);
    expect(a.packets.map((p) => [p.timestampNs, p.originalLength, p.linkType])).toEqual([
      [1_700_000_000_123_456_789n, eth(1).length, 1],
      [1_700_000_001_000_000_001n, 900, 1],
    ]);
    expect(a.packets.map((p) => p.data)).toEqual(packets.map((p) => p.data));
    const b = await readCaptureAll(us);
    expect(b.packets.map((p) => p.timestampNs)).toEqual([1_700_000_000_123_456_000n, 1_700_000_001_000_000_000n]);
    // File layout: little-endian magic, version 2.4, snaplen, link type.
    const head = readFileSync(ns).subarray(0, 24);
    expect([...head.subarray(0, 8)]).toEqual([0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0]);
    expect(head.readUInt32LE(20)).toBe(1);
  });

  it('refuses to overwrite without force, replaces with force, and leaves no temp file', async () => {
    const path = tmp.file('exists.pcap', bytes(1, 2, 3));
    expect(() => new PcapWriter(path, { linkType: 1 })).toThrow(OutputExistsError);
    await expect(writePcap(path, [pkt(eth(3), 1, 1n)], { linkType: 1 })).rejects.toSatisfy(isNetsynthError);
    expect(readFileSync(path)).toEqual(Buffer.from([1, 2, 3]));
    await writePcap(path, [pkt(eth(3), 1, 1n)], { linkType: 1, force: true });
    expect((await readCaptureAll(path)).packets).toHaveLength(1);
    expect(readdirSync(tmp.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('creates nothing until close, and abort leaves nothing', async () => {
    const path = tmp.file('aborted.pcap');
    const w = await PcapWriter.open(path, { linkType: 1 });
    await w.write(pkt(eth(4), 1, 5n));
    expect(existsSync(path)).toBe(false);
    expect(existsSync(w.tempPath)).toBe(true);
    await w.abort();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(w.tempPath)).toBe(false);
  });

  it('streams many packets through its buffer', async () => {
    const path = tmp.file('many.pcap');
    const w = new PcapWriter(path, { linkType: 1, nanosecond: true, snapLength: 2_000_000 });
    const big = pkt(new Uint8Array(1_500_000).fill(9), 1, 7n); // larger than the 1 MiB buffer
    for (let i = 0; i < 3000; i++) await w.write(pkt(eth(i % 300), 1, BigInt(i)));
    await w.write(big);
    await w.close();
    const r = await readCaptureAll(path);
    expect(r.packets).toHaveLength(3001);
    expect(r.packets[2999]?.data).toEqual(eth(2999 % 300));
    expect(r.packets[3000]?.data).toEqual(big.data);
  });

  it('cuts packets to the snap length, keeping the original length', async () => {
    const path = tmp.file('snap.pcap');
    await writePcap(path, [pkt(eth(200), 1, 1n)], { linkType: 1, snapLength: 64 });
    const [p] = (await readCaptureAll(path)).packets;
    expect(p?.capturedLength).toBe(64);
    expect(p?.originalLength).toBe(eth(200).length);
    expect(p?.data).toEqual(eth(200).slice(0, 64));
  });

  it('recomputes checksums when asked', async () => {
    const data = eth(10);
    data[14 + 10] = (data[14 + 10] ?? 0) ^ 0xff;
    data[14 + 20 + 6] = (data[14 + 20 + 6] ?? 0) ^ 0xff;
    const path = tmp.file('recompute.pcap');
    await writePcap(path, [pkt(data, 1, 1n)], { linkType: 1, recomputeChecksums: true });
    const [p] = (await readCaptureAll(path)).packets;
    expect(p && verifyChecksums(p)).toEqual({ ipv4: true, transport: true });
    expect(p?.data).toEqual(eth(10));
  });

  it('converts between Ethernet, raw IP and other link types on the way', async () => {
    const raw = ipv4({ protocol: 6, payload: tcp() });
    const path = tmp.file('as-raw.pcap');
    const padded = ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1, 2) }));
    const framed = new Uint8Array([...padded, 0, 0, 0, 0, 0, 0]); // Ethernet minimum-size padding
    await writePcap(path, [pkt(ethernet(0x0800, raw), 1, 1n), pkt(sll(0x0800, raw), 113, 2n), pkt(framed, 1, 3n)], { linkType: 101 });
    const r = await readCaptureAll(path);
    expect(r.linkTypes).toEqual([101]);
    expect(r.packets[0]?.data).toEqual(raw);
    expect(r.packets[1]?.data).toEqual(raw);
    expect(r.packets[2]?.data).toEqual(ipv4({ protocol: 17, payload: udp(1, 2) }));

    const six = ipv6({ protocol: 17, payload: udp(1, 2) });
    const e = toEthernet(pkt(six, 101, 1n), { src: '00:11:22:33:44:55' });
    expect(e.linkType).toBe(1);
    expect(dissect(e).layers[0]).toMatchObject({ kind: 'ethernet', src: '00:11:22:33:44:55', dst: '02:00:00:00:00:02', etherType: 0x86dd });
    expect(toRawIp(e).data).toEqual(six);
    expect(() => toRawIp(pkt(ethernet(0x0806, new Uint8Array(28)), 1, 1n))).toThrow(/no IP datagram/);
    await expect(writePcap(tmp.file('bad-lt.pcap'), [pkt(raw, 101, 1n)], { linkType: 113 })).rejects.toThrow(/cannot write a packet of link type 101/);
  });
});

const HAVE_SHARED = haveShared('round-trip tests on real captures', 'lab');

describe.skipIf(!HAVE_SHARED)('read → write → read gives identical packets for every shared capture', () => {
  it.each(sharedCaptureCases())('%s', async (name, file) => {
    const reader = new CaptureReader(file, { includeUnsupportedLinkTypes: true });
    const byLinkType = new Map<number, Packet[]>();
    for await (const p of reader.packets()) {
      const list = byLinkType.get(p.linkType) ?? [];
      list.push(p);
      byLinkType.set(p.linkType, list);
    }
    expect(reader.warnings).toEqual([]);
    for (const [linkType, packets] of byLinkType) {
      const out = tmp.file(`rt-${name.replace('/', '-')}-${linkType}.pcap`);
      await writePcap(out, packets, { linkType, nanosecond: true, snapLength: 0x7fffffff });
      const back = await readCaptureAll(out, { includeUnsupportedLinkTypes: true });
      expect(back.packets.length).toBe(packets.length);
      back.packets.forEach((p, i) => {
        const q = packets[i] as Packet;
        expect(p.timestampNs).toBe(q.timestampNs);
        expect(p.originalLength).toBe(q.originalLength);
        expect(p.linkType).toBe(linkType);
        expect(Buffer.compare(p.data, q.data), `packet ${i + 1}`).toBe(0);
      });
    }
  });

  it('a classic pcap written in µs matches a µs source byte for byte after the header', async () => {
    const src = sharedPath('lab', 'dns.pcap');
    const r = await readCaptureAll(src);
    const out = tmp.file('dns-us.pcap');
    const original = readFileSync(src);
    const snapLength = original.readUInt32LE(16);
    await writePcap(out, r.packets, { linkType: 1, snapLength });
    expect(readFileSync(out).subarray(24)).toEqual(original.subarray(24));
  });
});

describe('builders sanity', () => {
  it('pcapFile output reads back', async () => {
    const path = tmp.file('b.pcap', pcapFile({ linkType: 1, records: [{ sec: 1, frac: 2, data: eth(5) }] }));
    expect((await readCaptureAll(path)).packets[0]?.timestampNs).toBe(1_000_002_000n);
  });
});
