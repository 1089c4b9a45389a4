import { describe, expect, it } from 'vitest';
import type { LabelledSample, Packet } from '@netsynth/core';
import { assembleFlows } from '@netsynth/pcap';
import { buildTcpPacket, TCP_FLAG } from '@netsynth/protocol-rules';
import { GasfEncoder } from '../src/index.js';

/**
 * Issue 20 item 5. GASF's series (sizes from the IP length field, else the wire length of the
 * record; directions from the flow; gaps from the record times) need no byte past the IP
 * header and the ports, so a packet the snap length cut — even inside its headers — encodes as if whole:
 * nothing is absent and nothing is dropped.
 */
describe('gasf: packets the snap length cut', () => {
  const packets: Packet[] = [0, 1200, 0, 40, 700].map((payload, i) => ({
    ...buildTcpPacket({
      flags: i === 0 ? TCP_FLAG.SYN : TCP_FLAG.ACK,
      payload: new Uint8Array(payload),
      srcPort: i % 2 ? 80 : 40000,
      dstPort: i % 2 ? 40000 : 80,
    }),
    timestampNs: BigInt(i * i) * 3_000_000n,
  }));
  const sample = (snap: number): LabelledSample => {
    const cut = packets.map((p) => ({ ...p, data: p.data.slice(0, snap), capturedLength: Math.min(snap, p.data.length) }));
    return { id: 's', label: 'web', flow: assembleFlows(cut, { idleTimeoutSeconds: 60 })[0]!, windowStart: 0 };
  };

  it('encodes the same tensor at every snap length that keeps the IP header and the ports', () => {
    const encoder = GasfEncoder.create({ features: ['signedSize', 'direction', 'iat', 'bytesPerBin'], length: 8 });
    encoder.fit([sample(100000)]);
    const whole = encoder.encode(sample(100000));
    for (const snap of [24, 26, 40, 54]) expect(Array.from(encoder.encode(sample(snap)).data), `snap ${snap}`).toEqual(Array.from(whole.data));
  });
});
