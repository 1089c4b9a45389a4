/**
 * Data on a SYN or SYN-ACK only with TCP Fast Open (RFC 7413): no stack puts payload on a
 * handshake segment otherwise (RFC 793 allows it, but the data would wait for the handshake),
 * and none of the real captures shows one. Repair: a segment that opens its direction of the
 * 5-tuple in the sample is a handshake segment, so its payload is removed; anywhere else the
 * SYN bit is the error, so it is cleared (the options rule then drops SYN-only options).
 */
import {
  parseTcpOptions,
  resizeDatagram,
  TCP,
  TCP_FLAG,
  TCPOPT,
  flagNames,
  tcpPayloadLength,
  type PacketRule,
  type PacketView,
} from '@netsynth/protocol-rules';
import type { TcpContext } from '../context.js';

/** Fast Open: kind 34, or the experimental kind 254 with magic 0xF989 (RFC 7413 §4.1.1). */
export function hasFastOpen(v: PacketView): boolean {
  const t = v.tcp;
  if (!t || t.dataOffset <= 5) return false;
  return parseTcpOptions(t.rawOptions).options.some(
    (o) => o.kind === TCPOPT.FAST_OPEN || (o.kind === TCPOPT.EXPERIMENT_2 && o.data[0] === 0xf9 && o.data[1] === 0x89),
  );
}

export const synDataRule: PacketRule<TcpContext> = {
  name: 'tcp.syn_data',
  description: 'A SYN or SYN-ACK carries payload only with a Fast Open option.',
  applies: (v) => v.tcp !== undefined && v.tcp.flags.syn && !v.tcp.truncated && !v.cut,
  check(v) {
    const n = tcpPayloadLength(v);
    if (n === 0 || hasFastOpen(v)) return [];
    return [{ field: 'tcp.payload', message: `${v.tcp?.flags.ack ? 'SYN-ACK' : 'SYN'} carries ${n} bytes of data without Fast Open` }];
  },
  repair(draft, _f, ctx) {
    const v = draft.view;
    const ip = v.ipv4 ?? v.ipv6;
    const t = v.tcp;
    if (!ip || !t) return;
    if (ctx.opensDirection.has(v.index)) {
      resizeDatagram(draft, 'tcp.syn_data', ip.headerLength + t.dataOffset * 4, 'handshake segment without Fast Open: payload removed');
      return;
    }
    const flags = (t.flags.value & ~(TCP_FLAG.SYN | TCP_FLAG.ECE | TCP_FLAG.CWR | TCP_FLAG.NS)) | TCP_FLAG.ACK;
    draft.set('tcp.syn_data', t.offset, TCP.flags, flags, 'data segment inside the flow: SYN cleared', flagNames);
  },
};
