import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { dissect, readCapture } from '../src/index.js';
import { concat, ethernet, ipv4, pcapFile, tcp, tempDir } from './builders.js';

const tmp = tempDir('netsynth-pcap-mem-');
afterAll(() => tmp.cleanup());

const TARGET_BYTES = 200 * 1024 * 1024;
const MAX_RSS_GROWTH = 100 * 1024 * 1024;

/** Writes a ~200 MB pcap by repeating a 1 MiB block of records. */
async function bigCapture(path: string): Promise<{ packets: number; bytes: number }> {
  const frame = ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ payload: new Uint8Array(1400).fill(0x5a) }) }));
  const file = pcapFile({ linkType: 1, records: [{ sec: 1, frac: 0, data: frame }] });
  const header = file.subarray(0, 24);
  const record = file.subarray(24);
  const perBlock = Math.floor((1 << 20) / record.length);
  const block = concat(...Array.from({ length: perBlock }, () => record));
  const out = createWriteStream(path);
  out.write(header);
  let bytes = 24;
  let packets = 0;
  while (bytes < TARGET_BYTES) {
    if (!out.write(block)) await once(out, 'drain');
    bytes += block.length;
    packets += perBlock;
  }
  out.end();
  await once(out, 'finish');
  return { packets, bytes };
}

describe('streaming memory', () => {
  it('reading a 200 MB capture keeps RSS growth bounded', async () => {
    const path = tmp.file('big.pcap');
    const expected = await bigCapture(path);
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let packets = 0;
    let bytes = 0;
    for await (const p of readCapture(path)) {
      packets++;
      bytes += p.capturedLength;
      if (packets % 64 === 0) dissect(p);
      if (packets % 4096 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    console.log(`memory test: ${packets} packets, ${(expected.bytes / 2 ** 20).toFixed(0)} MiB, RSS growth ${((peak - before) / 2 ** 20).toFixed(1)} MiB`);
    expect(packets).toBe(expected.packets);
    expect(bytes).toBe(expected.bytes - 24 - 16 * expected.packets);
    expect(peak - before).toBeLessThan(MAX_RSS_GROWTH);
  }, 120_000);
});
