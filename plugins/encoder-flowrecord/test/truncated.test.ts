import { describe, expect, it } from 'vitest';
import type { LabelledSample, Packet } from '@netsynth/core';
import { assembleFlows, recomputeChecksums } from '@netsynth/pcap';
import { createFlowRecordEncoder, flowRecord } from '../src/index.js';

/**
 * Issue 20 item 5. A flow record (addresses, ports, protocol, times, packets, IP bytes) reads
 * the IP header and the first 4 transport bytes only; bytes come from the IP length field, so
 * a headers-only capture gives the same records and tensors as the whole one.
 */
/** A raw-IP UDP datagram 10.0.0.1:5353 → 10.0.0.2:53 with `n` payload bytes. */
function udpDatagram(n: number, timestampNs: bigint): Packet {
  const data = new Uint8Array(28 + n);
  const v = new DataView(data.buffer);
  data.set([0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  v.setUint16(2, data.length);
  v.setUint16(20, 5353);
  v.setUint16(22, 53);
  v.setUint16(24, 8 + n);
  return recomputeChecksums({ timestampNs, capturedLength: data.length, originalLength: data.length, linkType: 101, data });
}

describe('flowrecord: packets the snap length cut', () => {
  const whole = [120, 480, 64].map((n, i) => udpDatagram(n, BigInt(i) * 5_000_000n));
  const sampleAt = (snap: number): LabelledSample => ({
    id: 'f',
    label: 'dns',
    windowStart: 0,
    flow: assembleFlows(
      whole.map((p) => ({ ...p, capturedLength: Math.min(snap, p.data.length), data: p.data.subarray(0, snap) })),
      { idleTimeoutSeconds: 60 },
    )[0]!,
  });

  it('gives the same record and tensor from IP + 4 transport bytes on', async () => {
    const encoder = createFlowRecordEncoder();
    await encoder.fit([sampleAt(1e6)]);
    for (const snap of [24, 28, 40]) {
      expect(flowRecord(sampleAt(snap)), `snap ${snap}`).toEqual(flowRecord(sampleAt(1e6)));
      expect(Array.from(encoder.encode(sampleAt(snap)).data), `snap ${snap}`).toEqual(Array.from(encoder.encode(sampleAt(1e6)).data));
    }
  });
});
