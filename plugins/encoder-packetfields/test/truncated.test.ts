import { describe, expect, it } from 'vitest';
import type { LabelledSample, Packet } from '@netsynth/core';
import { assembleFlows } from '@netsynth/pcap';
import { buildTcpPacket, encodeTcpOptions, TCP_FLAG, TCPOPT, u16Bytes } from '@netsynth/protocol-rules';
import { createPacketFieldsEncoder } from '../src/index.js';
import { sampleRows } from '../src/extract.js';
import { PACKET_FIELDS } from '../src/layout.js';

/** Issue 20 item 5: fields past a snap-length cut are absent (0 in the tensor), never read as zeros. */
const mss = encodeTcpOptions([{ kind: TCPOPT.MSS, data: u16Bytes(1460) }, { kind: TCPOPT.NOP }, { kind: TCPOPT.NOP }, { kind: TCPOPT.SACK_PERMITTED }]);
const full: Packet[] = [
  buildTcpPacket({ flags: TCP_FLAG.SYN, options: mss, window: 29200 }),
  buildTcpPacket({ flags: TCP_FLAG.ACK, window: 501, payload: new Uint8Array(300) }),
  buildTcpPacket({ flags: TCP_FLAG.ACK | TCP_FLAG.PSH, window: 502, payload: new Uint8Array(900) }),
].map((p, i) => ({ ...p, timestampNs: BigInt(i) * 1_000_000n }));

const cut = (snap: number): Packet[] => full.map((p) => ({ ...p, data: p.data.slice(0, snap), capturedLength: Math.min(snap, p.data.length) }));
const sampleOf = (packets: Packet[]): LabelledSample => {
  const [flow] = assembleFlows(packets, { idleTimeoutSeconds: 60 });
  return { id: 'x#0@0', label: 'x', flow: flow!, windowStart: 0 };
};

describe('packetfields: packets the snap length cut', () => {
  it('marks exactly the fields whose bytes were not captured', () => {
    const absent = (snap: number): (readonly string[] | undefined)[] => sampleRows(sampleOf(cut(snap)), 8).rows.map((r) => r.absent);
    expect(absent(9999)).toEqual([undefined, undefined, undefined]);
    // IP + 20 bytes of TCP: the SYN's options are cut, everything else is there (the -s 54 case).
    expect(absent(40)).toEqual([['option.mss', 'option.sackOk', 'option.timestamps', 'option.wscale'], undefined, undefined]);
    // IP + 14 bytes of TCP: flags there, window and options not.
    expect(absent(34)[1]).toEqual(['window']);
    // IP + 6 bytes of TCP (the -s 40 case on Ethernet): ports only.
    expect(absent(26)[1]).toEqual(expect.arrayContaining(['flag.syn', 'window', 'tcpHeaderLength', 'payloadLength', 'option.mss']));
    expect(absent(26)[1]).not.toContain('ipLength');
  });

  it('encodes absent fields as 0 and every captured field as the whole packet does', () => {
    const encoder = createPacketFieldsEncoder({ maxPackets: 8, scaling: 'linear' });
    encoder.fit([sampleOf(full)]);
    const whole = encoder.encode(sampleOf(full)).data;
    const P = 8;
    for (const snap of [26, 34, 40]) {
      const rows = sampleRows(sampleOf(cut(snap)), P).rows;
      const t = encoder.encode(sampleOf(cut(snap))).data;
      for (let c = 0; c < PACKET_FIELDS.length; c++) {
        for (let i = 0; i < rows.length; i++) {
          const name = PACKET_FIELDS[c]!;
          const want = rows[i]!.absent?.includes(name) ? 0 : whole[c * P + i];
          expect(t[c * P + i], `snap ${snap} packet ${i} ${name}`).toBe(want);
        }
      }
    }
  });
});
