import { afterAll, describe, expect, it } from 'vitest';
import { InterruptedError, type ProgressReporter } from '@netsynth/core';
import { readCapture, readCaptureAll } from '../src/index.js';
import { PcapngBuilder, ethernet, ipv4, pcapFile, tcp, tempDir, udp } from './builders.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const frame = (n: number): Uint8Array => ethernet(0x0800, ipv4({ protocol: 17, payload: udp(1000 + n, 53, new Uint8Array(n)) }));

describe('classic pcap', () => {
  for (const littleEndian of [true, false]) {
    for (const nanosecond of [false, true]) {
      it(`${littleEndian ? 'little' : 'big'}-endian, ${nanosecond ? 'ns' : 'µs'} timestamps`, async () => {
        const file = tmp.file(
          `p-${littleEndian}-${nanosecond}.pcap`,
          pcapFile({
            littleEndian,
            nanosecond,
            linkType: 1,
            records: [
              { sec: 1_700_000_000, frac: nanosecond ? 123_456_789 : 123_456, data: frame(1) },
              { sec: 1_700_000_001, frac: nanosecond ? 999_999_999 : 999_999, data: frame(2), originalLength: 1500 },
            ],
          }),
        );
        const r = await readCaptureAll(file);
        expect(r.format).toBe('pcap');
        expect(r.linkTypes).toEqual([1]);
        expect(r.warnings).toEqual([]);
        expect(r.packets.map((p) => p.timestampNs)).toEqual(
          nanosecond ? [1_700_000_000_123_456_789n, 1_700_000_001_999_999_999n] : [1_700_000_000_123_456_000n, 1_700_000_001_999_999_000n],
        );
        expect(r.packets[0]?.data).toEqual(frame(1));
        expect(r.packets[1]?.capturedLength).toBe(frame(2).length);
        expect(r.packets[1]?.originalLength).toBe(1500);
        expect(r.packets[1]?.linkType).toBe(1);
      });
    }
  }

  it('streams with a tiny chunk size and gets the same packets', async () => {
    const records = Array.from({ length: 50 }, (_, i) => ({ sec: i, frac: i, data: frame(i * 7) }));
    const file = tmp.file('chunks.pcap', pcapFile({ linkType: 1, records }));
    const seen: Uint8Array[] = [];
    for await (const p of readCapture(file, { chunkSize: 64 })) seen.push(p.data);
    expect(seen).toEqual(records.map((r) => r.data));
  });

  it('skips packets of an unsupported link type and counts them', async () => {
    const file = tmp.file(
      'ieee80211.pcap',
      pcapFile({
        linkType: 105,
        records: [
          { sec: 1, frac: 0, data: new Uint8Array(30) },
          { sec: 2, frac: 0, data: new Uint8Array(24) },
        ],
      }),
    );
    const warnings: string[] = [];
    const r = await readCaptureAll(file, { onWarning: (w) => warnings.push(w.message) });
    expect(r.packets).toEqual([]);
    expect(r.skippedByLinkType).toEqual({ 105: 2 });
    expect(warnings.join()).toMatch(/link type 105 is not supported/);
    const all: number[] = [];
    for await (const p of readCapture(file, { includeUnsupportedLinkTypes: true })) all.push(p.linkType);
    expect(all).toEqual([105, 105]);
  });
});

describe('pcapng', () => {
  for (const littleEndian of [true, false]) {
    it(`${littleEndian ? 'little' : 'big'}-endian section with EPB, SPB, OPB and unknown blocks`, async () => {
      const b = new PcapngBuilder(littleEndian)
        .shb()
        .block(0x0bad, new Uint8Array(8)) // unknown block before any interface
        .idb({ linkType: 1, snapLength: 65535 })
        .epb(0, 1_700_000_000_000_001n, frame(1), 1000)
        .block(5, new Uint8Array(20)) // interface statistics block
        .spb(frame(2))
        .opb(0, 1_700_000_000_000_500n, frame(3))
        .block(0x40000bad, new Uint8Array(4)); // custom block
      const r = await readCaptureAll(tmp.file(`ng-${littleEndian}.pcapng`, b.build()));
      expect(r.format).toBe('pcapng');
      expect(r.warnings).toEqual([]);
      expect(r.packets.map((p) => p.data)).toEqual([frame(1), frame(2), frame(3)]);
      expect(r.packets[0]?.originalLength).toBe(1000);
      // µs default resolution; the SPB takes the timestamp of the packet before it.
      expect(r.packets.map((p) => p.timestampNs)).toEqual([1_700_000_000_000_001_000n, 1_700_000_000_000_001_000n, 1_700_000_000_000_500_000n]);
    });
  }

  it('several interfaces with their own link types, tsresol and tsoffset', async () => {
    const raw = ipv4({ protocol: 6, payload: tcp() });
    const b = new PcapngBuilder()
      .shb()
      .idb({ linkType: 1 }) // µs
      .idb({ linkType: 101, tsresol: 9 }) // ns
      .idb({ linkType: 1, tsresol: 0x80 | 10 }) // 2^-10 s
      .idb({ linkType: 228, tsresol: 3, tsoffset: 1_600_000_000n }) // ms, offset
      .idb({ linkType: 101, tsresol: 12 }) // ps
      .epb(0, 5_000_001n, frame(1))
      .epb(1, 7_000_000_123n, raw)
      .epb(2, 3n * 1024n + 512n, frame(2))
      .epb(3, 1_500n, raw)
      .epb(4, 2_000_000_000_001_999n, raw);
    const r = await readCaptureAll(tmp.file('multi.pcapng', b.build()));
    expect(r.linkTypes).toEqual([1, 101, 228]);
    expect(r.packets.map((p) => p.interfaceId)).toEqual([0, 1, 2, 3, 4]);
    expect(r.packets.map((p) => p.linkType)).toEqual([1, 101, 1, 228, 101]);
    expect(r.packets.map((p) => p.timestampNs)).toEqual([5_000_001_000n, 7_000_000_123n, 3_500_000_000n, 1_600_000_001_500_000_000n, 2_000_000_000_001n]);
  });

  it('a second section resets interfaces and may change byte order', async () => {
    const first = new PcapngBuilder(true)
      .shb()
      .idb({ linkType: 101 })
      .epb(0, 1n, ipv4({ protocol: 17, payload: udp(1, 2) }))
      .build();
    const second = new PcapngBuilder(false).shb().idb({ linkType: 1, tsresol: 9 }).epb(0, 2n, frame(4)).build();
    const r = await readCaptureAll(tmp.file('sections.pcapng', new Uint8Array([...first, ...second])));
    expect(r.packets.map((p) => [p.linkType, p.timestampNs])).toEqual([
      [101, 1000n],
      [1, 2n],
    ]);
  });

  it('an SPB is cut to the interface snap length', async () => {
    const b = new PcapngBuilder().shb().idb({ linkType: 1, snapLength: 20 }).spb(frame(10).slice(0, 20), frame(10).length);
    const r = await readCaptureAll(tmp.file('spb-snap.pcapng', b.build()));
    expect(r.packets[0]?.capturedLength).toBe(20);
    expect(r.packets[0]?.originalLength).toBe(frame(10).length);
  });
});

describe('progress and cancellation', () => {
  const records = Array.from({ length: 10_000 }, (_, i) => ({ sec: i, frac: 0, data: frame(i % 50) }));
  const data = pcapFile({ linkType: 1, records });

  it('reports bytes read against the file size', async () => {
    const file = tmp.file('progress.pcap', data);
    const events: string[] = [];
    let last = 0;
    const progress: ProgressReporter = {
      start: (name, total, unit) => {
        events.push(`start ${name} ${total} ${unit}`);
        return { tick: () => {}, update: (n) => void (last = n), done: (s) => void events.push(`done ${s}`) };
      },
      log: () => {},
      warn: () => {},
    };
    const r = await readCaptureAll(file, { progress, chunkSize: 4096 });
    expect(r.packets).toHaveLength(10_000);
    expect(events).toEqual([`start read progress.pcap ${data.length} B`, 'done 10000 packets']);
    expect(last).toBe(data.length);
  });

  it('stops with InterruptedError when the signal aborts', async () => {
    const file = tmp.file('abort.pcap', data);
    const controller = new AbortController();
    let n = 0;
    const read = (async () => {
      for await (const _ of readCapture(file, { signal: controller.signal, chunkSize: 4096 })) {
        if (++n === 100) controller.abort();
      }
    })();
    await expect(read).rejects.toBeInstanceOf(InterruptedError);
    expect(n).toBeLessThan(10_000);
  });
});
