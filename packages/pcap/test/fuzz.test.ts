import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { haveShared, sharedCaptures } from '@netsynth/test-support';
import { isNetsynthError } from '@netsynth/core';
import { assembleFlows, dissect, readCaptureAll, recomputeChecksums } from '../src/index.js';
import { PcapngBuilder, ethernet, icmp, ipv4, ipv6, pcapFile, sll, tcp, tempDir, udp } from './builders.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const CASE_LIMIT_MS = 10_000;

/** Mutations: a truncation point and byte flips (position fractions, xor masks). */
const mutation = fc.record({
  cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
  flips: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
  /** Aim flips at the first 64 bytes (headers, first record/block lengths) as often as not. */
  early: fc.boolean(),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(original: Uint8Array, m: Mutation): Uint8Array {
  let data = original.slice();
  for (const [where, mask] of m.flips) {
    const span = m.early ? Math.min(64, data.length) : data.length;
    const i = Math.floor(where * span);
    data[i] = (data[i] ?? 0) ^ mask;
  }
  if (m.cut !== undefined) data = data.slice(0, Math.floor(m.cut * data.length));
  return data;
}

let caseNo = 0;

/** Reads a damaged file end to end; it must finish with packets (+ warnings) or a typed error. */
async function survive(data: Uint8Array): Promise<void> {
  const file = tmp.file(`fuzz-${caseNo++ % 4}.bin`, data);
  const work = (async () => {
    try {
      const r = await readCaptureAll(file, { includeUnsupportedLinkTypes: true });
      for (const p of r.packets) {
        const d = dissect(p);
        expect(Array.isArray(d.problems)).toBe(true);
        recomputeChecksums(p);
      }
      assembleFlows(r.packets, { idleTimeoutSeconds: 30 });
      for (const w of r.warnings) {
        expect(w.file).toBe(file);
        expect(w.offset).toBeGreaterThanOrEqual(0);
      }
      return 'read';
    } catch (e) {
      if (!isNetsynthError(e)) throw e;
      expect(e.file).toBe(file);
      expect(typeof e.offset).toBe('number');
      return 'error';
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`reader did not finish within ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS);
  });
  try {
    await Promise.race([work, guard]);
  } finally {
    clearTimeout(timer);
  }
}

function synthetic(): Uint8Array[] {
  const frames = [
    ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ options: Uint8Array.from([2, 4, 5, 0xb4, 1, 0]), payload: new Uint8Array(30) }) }), [
      { tpid: 0x8100, vid: 7 },
    ]),
    ethernet(0x86dd, ipv6({ protocol: 17, payload: udp(53, 53, new Uint8Array(12)) })),
    ethernet(0x0800, ipv4({ protocol: 1, payload: icmp(8, 0, 1, new Uint8Array(8)) })),
  ];
  const pcap = pcapFile({ linkType: 1, records: frames.map((data, i) => ({ sec: i, frac: i, data })) });
  const pcapBe = pcapFile({
    littleEndian: false,
    nanosecond: true,
    linkType: 113,
    records: frames.map((f, i) => ({ sec: i, frac: i, data: sll(0x0800, f.subarray(14)) })),
  });
  const b = new PcapngBuilder().shb().idb({ linkType: 1, tsresol: 9 }).idb({ linkType: 101 });
  frames.forEach((f, i) => b.epb(i % 2, BigInt(i), i % 2 ? f.subarray(14) : f));
  b.spb(frames[0] ?? new Uint8Array(0))
    .opb(0, 9n, frames[1] ?? new Uint8Array(0))
    .block(0x0bad, new Uint8Array(12));
  const ngBe = new PcapngBuilder(false)
    .shb()
    .idb({ linkType: 1 })
    .epb(0, 1n, frames[2] ?? new Uint8Array(0))
    .build();
  return [pcap, pcapBe, b.build(), ngBe];
}

describe('fuzz: damaged synthetic captures never crash or hang the reader', () => {
  it.each(synthetic().map((d, i) => [i, d] as const))('synthetic capture %i', async (_i, original) => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => survive(mutate(original, m))),
      { numRuns: 25, seed: 20240601 + _i },
    );
  });
});

const HAVE_SHARED = haveShared('fuzz tests on real captures', 'lab');

const REAL = [
  'lab/dns.pcap',
  'lab/icmp.pcap',
  'lab/bulk.pcap',
  'packets/http_espn.pcapng',
  'packets/ipv6_fragments.pcapng',
  'packets/dns_isp_hijack.pcapng',
  'packets/3e80211_wpaauth.pcapng',
];

describe.skipIf(!HAVE_SHARED)('fuzz: damaged real captures never crash or hang the reader', () => {
  const files = sharedCaptures().filter((f) => REAL.some((r) => f.endsWith(r)));
  it.each(files.map((f) => [basename(f), f]))('%s', async (_name, file) => {
    const original = new Uint8Array(readFileSync(file));
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => survive(mutate(original, m))),
      { numRuns: 15, seed: 7 },
    );
  });

  it('every single-byte truncation point of a small pcapng is handled', async () => {
    const file = files.find((f) => f.endsWith('dns_isp_hijack.pcapng'));
    if (!file) return;
    const original = new Uint8Array(readFileSync(file)).slice(0, 600);
    for (let n = 0; n <= original.length; n += 7) await survive(original.slice(0, n));
  });
});
