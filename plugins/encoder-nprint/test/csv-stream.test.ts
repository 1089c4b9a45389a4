import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncodingError, OutputExistsError, type Packet } from '@netsynth/core';
import { CaptureReader, readCaptureAll } from '@netsynth/pcap';
import { haveShared, sharedPath } from '@netsynth/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { NprintCsvWriter, formatNprintCsv, packetsToRows, writePacketsAsNprintCsv } from '../src/index.js';
import { concat, ethernetPacket, icmpEcho, ipv4Header, ipv6Header, rawPacket, tcpHeader, udpHeader } from './packets.js';

const work = mkdtempSync(join(tmpdir(), 'nprint-csv-stream-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function* inBatches(packets: readonly Packet[], size: number): AsyncGenerator<Packet[]> {
  for (let i = 0; i < packets.length; i += size) yield packets.slice(i, i + size);
}

/** Mixed rows: TCP with options, UDP, ICMP, IPv6, a fragment, ARP and a cut header (skipped). */
function mixedPackets(): Packet[] {
  const tcp = tcpHeader([2, 4, 5, 180, 1, 1, 4, 2]);
  const udp = udpHeader(4);
  const out: Packet[] = [
    ethernetPacket(concat(ipv4Header({ protocol: 6 }, tcp.length), tcp), 0x0800, 1_000_000_000_123_456n),
    ethernetPacket(concat(ipv4Header({ protocol: 17 }, udp.length + 4), udp, new Uint8Array(4)), 0x0800, 1_000_000_000_999_999n),
    ethernetPacket(new Uint8Array(28), 0x0806, 1_000_000_001_000_000n),
    rawPacket(concat(ipv4Header({ protocol: 1 }, 8), icmpEcho()), 1_000_000_002_500_000n),
    rawPacket(concat(ipv6Header(17, 8), udpHeader(0)), 1_000_000_002_400_000n),
    rawPacket(ipv4Header({ protocol: 6 }, 20).subarray(0, 12), 1_000_000_003_000_000n),
    rawPacket(concat(ipv4Header({ protocol: 17, fragmentOffset: 185 }, 8), new Uint8Array(8)), 1_000_000_004_000_000n),
  ];
  return out;
}

describe('writePacketsAsNprintCsv', () => {
  for (const relativeTimestamps of [false, true]) {
    it(`writes the bytes of packetsToRows + formatNprintCsv${relativeTimestamps ? ' (with rts)' : ''}`, async () => {
      const packets = mixedPackets();
      const path = join(work, `mixed-${relativeTimestamps}.nprint`);
      const res = await writePacketsAsNprintCsv(inBatches(packets, 2), path, { relativeTimestamps });
      const expected = packetsToRows(packets, { relativeTimestamps });
      expect(readFileSync(path, 'utf8')).toBe(formatNprintCsv(expected.table));
      expect(res.rows).toBe(expected.table.rowCount);
      expect(res.columns).toBe(1408);
      expect(res.packets).toBe(packets.length);
      const codes: Record<string, number> = {};
      for (const s of expected.skipped) codes[s.code] = (codes[s.code] ?? 0) + 1;
      expect(res.skipped).toEqual(codes);
    });
  }

  it('stops reading at maxRows, like nprint -c', async () => {
    const packets = mixedPackets();
    const path = join(work, 'count.nprint');
    const res = await writePacketsAsNprintCsv(inBatches(packets, 1), path, { maxRows: 2 });
    expect(readFileSync(path, 'utf8')).toBe(formatNprintCsv(packetsToRows(packets, { maxRows: 2 }).table));
    expect(res.rows).toBe(2);
    expect(res.packets).toBe(2);
  });

  it('refuses to overwrite without force, and leaves nothing behind when the input fails', async () => {
    const path = join(work, 'exists.nprint');
    writeFileSync(path, 'keep');
    await expect(writePacketsAsNprintCsv(inBatches(mixedPackets(), 3), path)).rejects.toBeInstanceOf(OutputExistsError);
    async function* failing(): AsyncGenerator<Packet[]> {
      yield mixedPackets();
      throw new Error('capture went away');
    }
    await expect(writePacketsAsNprintCsv(failing(), path, { force: true })).rejects.toThrow('capture went away');
    expect(readFileSync(path, 'utf8')).toBe('keep');
    expect(readdirSync(work).filter((f) => f.includes('exists.nprint') && f.endsWith('.tmp'))).toEqual([]);
    await writePacketsAsNprintCsv(inBatches(mixedPackets(), 3), path, { force: true });
    expect(readFileSync(path, 'utf8').startsWith('src_ip,ipv4_ver_0,')).toBe(true);
  });

  const HAVE_LAB = haveShared('streaming nPrint CSV on a lab capture', 'lab', 'dns.pcap');
  it.skipIf(!HAVE_LAB)('streams a real capture read with borrowed bytes to the same bytes as the in-memory path', async () => {
    const capture = sharedPath('lab', 'dns.pcap');
    const path = join(work, 'dns.nprint');
    const res = await writePacketsAsNprintCsv(new CaptureReader(capture, { transientData: true, chunkSize: 8192 }).batches(), path, {
      relativeTimestamps: true,
    });
    const { packets } = await readCaptureAll(capture);
    const expected = packetsToRows(packets, { relativeTimestamps: true });
    expect(res.rows).toBeGreaterThan(100);
    expect(readFileSync(path).equals(Buffer.from(formatNprintCsv(expected.table)))).toBe(true);
  });
});

describe('NprintCsvWriter', () => {
  it('names the row and column of a cell that is not -1, 0 or 1, and writes nothing', async () => {
    const path = join(work, 'bad.nprint');
    const writer = await NprintCsvWriter.open(path, { indexColumn: 'src_ip', extraColumns: [], columns: ['ipv4_ver_0', 'ipv4_ver_1'] });
    await writer.row(['1.1.1.1'], Int8Array.of(0, 1));
    await expect(writer.row(['1.1.1.1'], Int8Array.of(0, 2))).rejects.toThrow(new EncodingError('row 2, column ipv4_ver_1: cell value 2 is not -1, 0 or 1'));
    await writer.abort();
    expect(existsSync(path)).toBe(false);
  });

  it('writes rows bigger than its chunk and many chunks', async () => {
    const columns = Array.from({ length: 1408 }, (_, i) => `ipv4_opt_${i}`);
    const path = join(work, 'many.nprint');
    const writer = await NprintCsvWriter.open(path, { indexColumn: null, extraColumns: [], columns });
    const cells = Int8Array.from({ length: 1408 }, (_, i) => (i % 3) - 1);
    for (let r = 0; r < 2000; r++) await writer.row([], cells);
    await writer.close();
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    expect(lines).toHaveLength(2002);
    expect(lines[1]).toBe(Array.from(cells).join(','));
    expect(lines[2000]).toBe(lines[1]);
    expect(lines[2001]).toBe('');
  });
});
