import { describe, expect, it } from 'vitest';
import type { Packet } from '@netsynth/core';
import { dissect, emptyTruncationCounts, countTruncation, snapCutOf } from '../src/index.js';
import { ethernet, ipv4, tcp, udp } from './builders.js';

/** A frame as `editcap -s snap` leaves it: the first `snap` bytes, the wire length kept. */
function cut(frame: Uint8Array, snap: number): Packet {
  const data = frame.slice(0, Math.min(snap, frame.length));
  return { timestampNs: 0n, capturedLength: data.length, originalLength: frame.length, linkType: 1, data };
}

describe('snap-length cuts (issue 20 item 5)', () => {
  const frame = ethernet(0x0800, ipv4({ protocol: 6, payload: tcp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(100) }) }));
  it('tells a header cut from a payload cut at every snap length', () => {
    for (let snap = 1; snap <= frame.length; snap++) {
      const want = snap >= frame.length ? 'none' : snap < 14 + 20 + 20 ? 'headers' : 'payload';
      expect(snapCutOf(dissect(cut(frame, snap))), `snap ${snap}`).toBe(want);
    }
  });
  it('counts cut packets and those with a header cut', () => {
    const counts = emptyTruncationCounts();
    const udpFrame = ethernet(0x0800, ipv4({ protocol: 17, payload: udp(53, 53, new Uint8Array(30)) }));
    for (const p of [cut(frame, 40), cut(frame, 54), cut(frame, 64), cut(frame, 9999), cut(udpFrame, 34), cut(udpFrame, 42)])
      countTruncation(counts, dissect(p));
    // 40: TCP cut; 54, 64: payload only; whole; UDP at 34: the transport header is missing; 42: payload only.
    expect(counts).toEqual({ packets: 5, headers: 2 });
  });
});
