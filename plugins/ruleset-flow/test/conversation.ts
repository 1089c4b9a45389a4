import type { Packet } from '@netsynth/core';
import { buildTcpPacket, encodeTcpOptions, TCP_FLAG, TCPOPT, u16Bytes, type TcpSpec } from '@netsynth/protocol-rules';

export const CLIENT = '192.168.7.10';
export const SERVER = '203.0.113.80';

export interface Step {
  from: 'c' | 's';
  flags: number;
  len?: number;
  /** Overrides of the computed values. */
  seq?: number;
  ack?: number;
  window?: number;
  options?: Uint8Array;
  /** Time since the previous packet (ms, default 1). */
  dtMs?: number;
  ttl?: number;
  dontFragment?: boolean;
  identification?: number;
}

export const SYN_OPTIONS = encodeTcpOptions([
  { kind: TCPOPT.MSS, data: u16Bytes(1460) },
  { kind: TCPOPT.SACK_PERMITTED },
  { kind: TCPOPT.NOP },
  { kind: TCPOPT.WSCALE, data: Uint8Array.of(7) },
]);

/**
 * A TCP conversation with sequence and acknowledgement numbers as a correct stack would send
 * them (overridable per step): client 192.168.7.10:51000, server 203.0.113.80:443.
 */
export function conversation(steps: Step[], start = 1_700_000_000_000_000_000n): Packet[] {
  const nxt = { c: 100_000, s: 900_000 };
  const ids = { c: 1000, s: 5000 };
  let t = start;
  return steps.map((s) => {
    const peer = s.from === 'c' ? 's' : 'c';
    t += BigInt(Math.round((s.dtMs ?? 1) * 1e6));
    const len = s.len ?? 0;
    const seq = s.seq ?? nxt[s.from];
    const spec: TcpSpec = {
      src: s.from === 'c' ? CLIENT : SERVER,
      dst: s.from === 'c' ? SERVER : CLIENT,
      srcPort: s.from === 'c' ? 51000 : 443,
      dstPort: s.from === 'c' ? 443 : 51000,
      seq,
      ack: s.ack ?? (s.flags & TCP_FLAG.ACK ? nxt[peer] : 0),
      flags: s.flags,
      window: s.window ?? (s.flags & TCP_FLAG.SYN ? 64240 : 501),
      payload: new Uint8Array(len).fill(s.from === 'c' ? 0x43 : 0x53),
      timestampNs: t,
      ttl: s.ttl ?? (s.from === 'c' ? 64 : 52),
      identification: s.identification ?? ids[s.from]++,
      ...(s.options && { options: s.options }),
      ...(s.dontFragment !== undefined && { dontFragment: s.dontFragment }),
    };
    if (s.flags & TCP_FLAG.SYN && !s.options) spec.options = SYN_OPTIONS;
    const end = (seq + len + (s.flags & TCP_FLAG.SYN ? 1 : 0) + (s.flags & TCP_FLAG.FIN ? 1 : 0)) >>> 0;
    if (((end - nxt[s.from]) | 0) > 0) nxt[s.from] = end;
    return buildTcpPacket(spec);
  });
}

const { SYN, ACK, PSH, FIN } = TCP_FLAG;
/** Handshake, a request, a two-segment response, and a FIN exchange. */
export const GOOD: Step[] = [
  { from: 'c', flags: SYN },
  { from: 's', flags: SYN | ACK, dtMs: 20 },
  { from: 'c', flags: ACK, dtMs: 20 },
  { from: 'c', flags: PSH | ACK, len: 120 },
  { from: 's', flags: ACK, len: 1448, dtMs: 20 },
  { from: 's', flags: PSH | ACK, len: 300 },
  { from: 'c', flags: ACK, dtMs: 20 },
  { from: 'c', flags: FIN | ACK, dtMs: 5 },
  { from: 's', flags: FIN | ACK, dtMs: 20 },
  { from: 'c', flags: ACK, dtMs: 20 },
];
