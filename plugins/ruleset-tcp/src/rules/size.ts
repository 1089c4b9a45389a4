/** NetShare validity test 4 (TCP ≥ 40 bytes) and the data offset. */
import { minHeaderRule, TCP, transportBytes, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import type { TcpContext } from '../context.js';

/** Bytes from the TCP header to the end of the datagram (undefined when not TCP or a later fragment). */
export function tcpSegmentBytes(v: PacketView): number | undefined {
  return transportBytes(v, 6);
}

export const minSizeRule: PacketRule<TcpContext> = minHeaderRule(
  'tcp',
  20,
  tcpSegmentBytes,
  "A TCP segment holds at least its 20-byte header (IPv4 packets ≥ 40 bytes, NetShare's validity test).",
  // The IP length too: NetShare's test is on it.
  (v, seg) => `IP packet of ${v.ipv4?.totalLength ?? 40 + (v.ipv6?.payloadLength ?? 0)} bytes leaves ${seg} bytes for a 20-byte TCP header`,
);

export const dataOffsetRule: PacketRule<TcpContext> = {
  name: 'tcp.data_offset',
  description: 'Data offset is 5..15 and the header it declares fits in the segment.',
  // A data offset the snap length did not capture (byte 12 of the header) is absent, not 0:
  // "repairing" it would invent a header (issue 20, headers-only traces).
  applies: (v) => v.tcp !== undefined && (tcpSegmentBytes(v) ?? 0) >= 20 && v.packet.data.length > v.tcp.offset + 12,
  check(v) {
    const t = v.tcp;
    const seg = tcpSegmentBytes(v) ?? 0;
    if (!t) return [];
    if (t.dataOffset < 5) return [{ field: 'tcp.data_offset', message: `data offset ${t.dataOffset} < 5` }];
    if (t.dataOffset * 4 > seg)
      return [{ field: 'tcp.data_offset', message: `data offset ${t.dataOffset} declares a ${t.dataOffset * 4}-byte header in a ${seg}-byte segment` }];
    return [];
  },
  repair(draft) {
    const t = draft.view.tcp;
    if (!t) return;
    // What lies past byte 20 cannot be told apart from payload: no options.
    draft.set('tcp.data_offset', t.offset, TCP.dataOffset, 5, 'header must fit the segment: no options');
  },
};
