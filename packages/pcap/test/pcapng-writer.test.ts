import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_TSHARK } from '@netsynth/test-support';
import { InvalidArgumentError, type Packet } from '@netsynth/core';
import { PcapWriter, readCaptureAll, writePcap } from '../src/index.js';
import { ethernet, ipv4, tempDir, udp } from './builders.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const pkt = (n: number, timestampNs: bigint): Packet => {
  const data = ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1000, 2000 + n, new Uint8Array(n)) }));
  return { timestampNs, capturedLength: data.length, originalLength: data.length, linkType: 1, data };
};

describe('PcapWriter format pcapng', () => {
  const packets = [pkt(1, 1_700_000_000_123_456_789n), pkt(2, 1_700_000_001_000_000_001n), pkt(3, 1_700_000_002_000_000_000n)];
  const comments = ['label=web flow=web#0', 'label=dns flow=dns#3 ü', undefined];

  async function write(path: string, nanosecond: boolean): Promise<void> {
    const w = await PcapWriter.open(path, { linkType: 1, nanosecond, format: 'pcapng' });
    for (let i = 0; i < packets.length; i++) await w.write(packets[i] as Packet, comments[i]);
    await w.close();
  }

  it('reads back with the same bytes and times (ns and µs resolution), comments padded to 32 bits', async () => {
    const ns = tmp.file('c-ns.pcapng');
    const us = tmp.file('c-us.pcapng');
    await write(ns, true);
    await write(us, false);
    const a = await readCaptureAll(ns);
    expect(a.packets.map((p) => p.timestampNs)).toEqual(packets.map((p) => p.timestampNs));
    expect(a.packets.map((p) => p.data)).toEqual(packets.map((p) => p.data));
    const b = await readCaptureAll(us);
    expect(b.packets.map((p) => p.timestampNs)).toEqual([1_700_000_000_123_456_000n, 1_700_000_001_000_000_000n, 1_700_000_002_000_000_000n]);
  });

  it.skipIf(!HAVE_TSHARK)('tshark shows each packet comment', async () => {
    const path = tmp.file('c-tshark.pcapng');
    await write(path, true);
    const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.comment', '-e', 'frame.time_epoch'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['label=web flow=web#0', 'label=dns flow=dns#3 ü', '']);
    expect(lines[0]?.split('\t')[1]).toMatch(/^1700000000\.123456789/);
  });

  it('a comment needs pcapng', async () => {
    const w = await PcapWriter.open(tmp.file('plain.pcap'), { linkType: 1 });
    await expect(w.write(packets[0] as Packet, 'label=x')).rejects.toThrow(InvalidArgumentError);
    await w.abort();
    expect(await writePcap(tmp.file('plain2.pcapng'), packets, { linkType: 1, format: 'pcapng' })).toBe(3);
  });
});
