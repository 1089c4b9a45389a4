/** UDP: minimum size, length field, ports, checksum. */
import { minHeaderRule, transportBytes, transportChecksumRule, transportPortsRule, UDP, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import type { UdpContext } from '../context.js';

/** Bytes from the UDP header to the end of the datagram; undefined when not UDP or a later fragment. */
export function udpSegmentBytes(v: PacketView): number | undefined {
  return transportBytes(v, 17);
}

const firstFragment = (v: PacketView): boolean => v.ipv4?.moreFragments ?? v.ipv6?.extensions.some((e) => e.type === 44) ?? false;

export const minSizeRule: PacketRule<UdpContext> = minHeaderRule(
  'udp',
  8,
  udpSegmentBytes,
  "A UDP datagram holds at least its 8-byte header (IPv4 packets ≥ 28 bytes, NetShare's validity test).",
);

export const lengthRule: PacketRule<UdpContext> = {
  name: 'udp.length',
  description: 'The UDP length equals the IP payload length (at least it, for a first fragment), and is ≥ 8.',
  applies: (v) => v.udp !== undefined && (udpSegmentBytes(v) ?? 0) >= 8 && !v.udp.truncated,
  check(v) {
    const u = v.udp;
    const seg = udpSegmentBytes(v) ?? 0;
    if (!u) return [];
    if (v.ipv6 && u.length === 0 && v.ipv6.payloadLength === 0) return []; // jumbogram (RFC 2675)
    if (u.length < 8) return [{ field: 'udp.length', message: `UDP length ${u.length} < 8` }];
    if (firstFragment(v) ? u.length < seg : u.length !== seg)
      return [{ field: 'udp.length', message: `UDP length ${u.length} but the IP payload is ${seg} bytes` }];
    return [];
  },
  repair(draft) {
    const u = draft.view.udp;
    const seg = udpSegmentBytes(draft.view);
    if (u && seg !== undefined) draft.set('udp.length', u.offset, UDP.length, seg, 'UDP length set to the IP payload length');
  },
};

export const portsRule: PacketRule<UdpContext> = transportPortsRule(
  'udp',
  'No destination port 0 (source 0 means "no reply port" and is allowed); no TCP-only service port as a UDP port.',
);

export const checksumRule: PacketRule<UdpContext> = transportChecksumRule(
  'udp',
  'The checksum verifies, or is 0 ("none") over IPv4 — over IPv6 it is mandatory; skipped when the snap length cut the datagram or it is a fragment; NIC-offloaded partial sums accepted unless offloadedChecksums is "reject".',
  (v, verdict) => (v.ipv6 && verdict.stored === 0 ? ' (a zero UDP checksum is not allowed over IPv6)' : ''),
);
