import type { Packet } from '@netsynth/core';
import { describe, expect, it } from 'vitest';
import { NprintEncoder, nprintOptionsSchema, type NprintOptionsInput } from '../src/index.js';
import { levelToGapUs, timingBitsToGapUs, timingLevel, writeTimingBits } from '../src/timing-columns.js';
import { concat, ipv4Header, rawPacket, udpHeader } from './packets.js';

const make = (input: NprintOptionsInput): NprintEncoder => new NprintEncoder(nprintOptionsSchema.parse(input), { seed: 3 });
const MAX_US = 60_000_000;
const udp = (ns: bigint): Packet => rawPacket(concat(ipv4Header({ protocol: 17 }, 8), udpHeader(0)), ns);
const gapsOf = (packets: readonly Packet[]): bigint[] =>
  packets.map((p, k) => (k === 0 ? 0n : (p.timestampNs - (packets[k - 1] as Packet).timestampNs) / 1000n));

describe('timing columns: the gap as a thermometer code among the bits', () => {
  it('quantises on the log scale, level 0 is a zero gap, and the decoded gap sits in its level', () => {
    expect(timingLevel(0, 32, MAX_US)).toBe(0);
    expect(timingLevel(MAX_US * 10, 32, MAX_US)).toBe(32);
    for (const us of [1, 7, 250, 90_000, 2_000_250, 59_000_000]) {
      const k = timingLevel(us, 32, MAX_US);
      const back = levelToGapUs(k, 32, MAX_US);
      // One level spans a factor (1+maxUs)^(1/32) ≈ 1.75: the decoded gap is within half a level.
      const halfLevel = Math.exp(Math.log1p(MAX_US) / 64);
      if (k > 0) expect(Math.max(back / us, us / back)).toBeLessThanOrEqual(halfLevel * 1.01 + 1 / us);
    }
  });

  it('decodes by counting 1 cells, so one wrong cell moves the gap one level only', () => {
    const cells = new Int8Array(16);
    writeTimingBits(cells, 0, 16, 5000, MAX_US);
    const k = timingLevel(5000, 16, MAX_US);
    expect(Array.from(cells)).toEqual(Array.from({ length: 16 }, (_, i) => (i < k ? 1 : 0)));
    cells[15] = 1; // a stray cell at the far end
    expect(timingBitsToGapUs(cells, 0, 16, MAX_US)).toBe(levelToGapUs(k + 1, 16, MAX_US));
    writeTimingBits(cells, 0, 16, null, MAX_US);
    expect(Array.from(cells).every((c) => c === -1)).toBe(true);
  });

  it('widens the tensor and carries gaps without the IAT channel (what an RGB model can generate)', () => {
    const packets = [udp(1_000_000_000n), udp(1_000_250_000n), udp(1_002_250_000n), udp(1_002_250_000n)];
    // Addresses kept: filled-in addresses are drawn from a seed that hashes the tensor.
    const plain = make({ maxPackets: 8, headers: { ipv6: false }, interArrival: false, keepAddresses: true });
    const timed = make({ maxPackets: 8, headers: { ipv6: false }, interArrival: false, keepAddresses: true, timingColumns: 32 });
    expect(timed.info().width).toBe(plain.info().width + 32);
    expect(timed.info().channels).toBe(3);
    expect(plain.decode(plain.encodePackets(packets).tensor, 'x').packets.map((p) => p.timestampNs)).toEqual([0n, 0n, 0n, 0n]);
    const decoded = timed.decode(timed.encodePackets(packets).tensor, 'x');
    const gaps = gapsOf(decoded.packets);
    expect(gaps[0]).toBe(0n);
    expect(gaps[3]).toBe(0n);
    for (const [got, want] of [
      [gaps[1], 250],
      [gaps[2], 2000],
    ] as const) {
      expect(Number(got) / want).toBeGreaterThan(1 / 1.4);
      expect(Number(got) / want).toBeLessThan(1.4);
    }
    // The bits are unchanged by the timing columns.
    expect(decoded.packets.map((p) => Array.from(p.data))).toEqual(
      plain.decode(plain.encodePackets(packets).tensor, 'x').packets.map((p) => Array.from(p.data)),
    );
  });

  it('with the IAT channel too, decoding takes the gap from the timing columns', () => {
    const enc = make({ maxPackets: 4, headers: { ipv6: false }, timingColumns: 24 });
    const tensor = enc.encodePackets([udp(0n), udp(40_000_000_000n)]).tensor;
    const plane = tensor.height * tensor.width;
    tensor.data.fill(-1, 3 * plane, 4 * plane); // the IAT channel says 0 everywhere (SD's fill)
    const gaps = gapsOf(enc.decode(tensor, 'x').packets);
    expect(Number(gaps[1])).toBeGreaterThan(20_000_000);
  });
});
