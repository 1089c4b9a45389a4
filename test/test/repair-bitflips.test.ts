import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HAVE_CLI, HAVE_SHARED, HAVE_TSHARK, SHARED, exec, netsynth } from '../src/env.js';

/**
 * Issue 20's acceptance: three seeded bit-flip corruptions of a lab capture (random bits in
 * the IP and transport headers of its packets) through `check --repair`; tshark, with checksum
 * validation on, must find 0 expert errors, 0 malformed packets and 0 bad checksums in each
 * repaired output.
 */
const CAPTURE = join(SHARED, 'lab', 'web.pcap');
const MAX_PACKETS = 3000;
const FLIPS = 60;
const SEEDS = [1, 2, 3];
const CHECKSUMS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

/** xorshift32: a few lines, same sequence everywhere. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** The first MAX_PACKETS records of a classic little-endian pcap, with FLIPS bits flipped in bytes 14..66 of random records. */
function corrupt(bytes: Buffer, seed: number): Buffer {
  const records: { at: number; len: number }[] = [];
  let at = 24;
  while (at + 16 <= bytes.length && records.length < MAX_PACKETS) {
    const len = bytes.readUInt32LE(at + 8);
    if (at + 16 + len > bytes.length) break;
    records.push({ at: at + 16, len });
    at += 16 + len;
  }
  const out = Buffer.from(bytes.subarray(0, at));
  const next = rng(seed);
  for (let i = 0; i < FLIPS; i++) {
    const r = records[Math.floor(next() * records.length)]!;
    const span = Math.min(r.len, 66) - 14;
    if (span <= 0) continue;
    const byte = r.at + 14 + Math.floor(next() * span);
    out[byte] = (out[byte] ?? 0) ^ (1 << Math.floor(next() * 8));
  }
  return out;
}

async function count(file: string, filter: string): Promise<number> {
  const r = await exec('tshark', ['-n', '-r', file, ...CHECKSUMS, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  if (r.code !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

const ready = HAVE_SHARED && HAVE_TSHARK && HAVE_CLI;
const dir = mkdtempSync(join(tmpdir(), 'netsynth-bitflips-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!ready)('check --repair on seeded bit flips of a lab capture (needs ../shared data, tshark and a built CLI)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: tshark finds 0 errors, 0 malformed and 0 bad checksums in the repaired capture`, async () => {
      const input = join(dir, `flipped-${seed}.pcap`);
      const output = join(dir, `repaired-${seed}.pcap`);
      writeFileSync(input, corrupt(readFileSync(CAPTURE), seed));
      const before = await count(
        input,
        '_ws.expert.severity == error || _ws.malformed || ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0',
      );
      const r = await netsynth(['check', input, '--repair', output, '--json']);
      expect(r.stderr).not.toMatch(/\[INTERNAL\]/);
      expect(r.code === 0 || r.code === 1).toBe(true); // 1: violations found before repair
      const errors = await count(output, '_ws.expert.severity == error || _ws.malformed');
      const badChecksums = await count(output, 'ip.checksum.status == 0 || tcp.checksum.status == 0 || udp.checksum.status == 0');
      const packets = await count(output, 'frame');
      console.log(
        `bit flips seed ${seed}: ${before} flagged packets before repair; after: ${packets} packets, ${errors} errors, ${badChecksums} bad checksums`,
      );
      expect(before).toBeGreaterThan(0); // the corruption is visible to tshark
      expect(packets).toBeGreaterThan(0);
      expect(errors).toBe(0);
      expect(badChecksums).toBe(0);
    }, 180_000);
  }
});
