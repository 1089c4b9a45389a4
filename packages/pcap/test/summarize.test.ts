import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, sharedCaptures } from '@netsynth/test-support';
import { readCaptureAll, summarizeCapture } from '../src/index.js';
import { PcapngBuilder, ethernet, icmp, ipv4, ipv6, tcp, tempDir, udp } from './builders.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('summarizeCapture', () => {
  it('counts packets, bytes, link types, protocols, flows and the time span', async () => {
    const frames = [
      ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 1, dstPort: 2 }) })),
      ethernet(0x0800, ipv4({ src: '10.0.0.2', dst: '10.0.0.1', protocol: 6, payload: tcp({ srcPort: 2, dstPort: 1 }) })),
      ethernet(0x86dd, ipv6({ protocol: 17, payload: udp(53, 53) })),
      ethernet(0x0800, ipv4({ protocol: 1, payload: icmp(8, 0, 1) })),
      ethernet(0x86dd, ipv6({ protocol: 58, payload: icmp(135, 0, 0) })),
      ethernet(0x0806, new Uint8Array(28)),
    ];
    const b = new PcapngBuilder().shb().idb({ linkType: 1 }).idb({ linkType: 127 });
    frames.forEach((f, i) => b.epb(0, BigInt(10 + i), f, f.length + 4));
    b.epb(1, 99n, new Uint8Array(40));
    const path = tmp.file('mix.pcapng', b.build());
    const s = await summarizeCapture(path);
    const total = frames.reduce((n, f) => n + f.length, 0) + 40;
    expect(s).toMatchObject({
      format: 'pcapng',
      packets: 7,
      bytes: total,
      originalBytes: total + 4 * frames.length,
      linkTypes: [1, 127],
      skippedByLinkType: { 127: 1 },
      protocolCounts: { ipv4: 3, ipv6: 2, tcp: 2, udp: 1, icmp: 1, icmpv6: 1, other: 2 },
      flows: 4,
      firstTimestampNs: 10_000n,
      lastTimestampNs: 99_000n,
    });
    expect(s.warnings.map((w) => w.message)).toEqual([]);
  });
});

const HAVE_SHARED = haveShared('summary tests on real captures', 'lab');

describe.skipIf(!HAVE_SHARED)('summaries of the shared captures', () => {
  it.each(sharedCaptures().filter((_, i) => i % 5 === 0))('%s', async (file) => {
    const s = await summarizeCapture(file);
    const all = await readCaptureAll(file, { includeUnsupportedLinkTypes: true });
    expect(s.packets).toBe(all.packets.length);
    expect(s.bytes).toBe(all.packets.reduce((n, p) => n + p.capturedLength, 0));
    const c = s.protocolCounts;
    expect(c.tcp + c.udp + c.icmp + c.icmpv6 + c.other).toBe(s.packets);
    expect(c.ipv4 + c.ipv6).toBeLessThanOrEqual(s.packets);
  });
});
