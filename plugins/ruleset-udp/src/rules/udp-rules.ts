/** UDP: minimum size, length field, ports, checksum. */
import { hex16, ipEnd, portProblem, resizeDatagram, transportVerdict, UDP, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import { towards, type UdpContext } from '../context.js';

/** Bytes from the UDP header to the end of the datagram; undefined when not UDP or a later fragment. */
export function udpSegmentBytes(v: PacketView): number | undefined {
  const ip = v.ipv4 ?? v.ipv6;
  const o = v.ipOffset;
  if (!ip || o === undefined || ip.protocol !== 17) return undefined;
  if ((v.ipv4 && (v.ipv4.fragmentOffset > 0 || v.ipv4.ihl < 5)) || v.ipv6?.isFragment) return undefined;
  const end = ipEnd(v);
  return end === undefined ? undefined : end - (o + ip.headerLength);
}

const firstFragment = (v: PacketView): boolean => v.ipv4?.moreFragments ?? v.ipv6?.extensions.some((e) => e.type === 44) ?? false;

export const minSizeRule: PacketRule<UdpContext> = {
  name: 'udp.min_size',
  description: "A UDP datagram holds at least its 8-byte header (IPv4 packets ≥ 28 bytes, NetShare's validity test).",
  applies: (v) => udpSegmentBytes(v) !== undefined,
  check(v) {
    const seg = udpSegmentBytes(v) ?? 0;
    return seg >= 8 ? [] : [{ field: 'udp.length', message: `the IP packet leaves ${seg} bytes for an 8-byte UDP header` }];
  },
  repair(draft) {
    const ip = draft.view.ipv4 ?? draft.view.ipv6;
    if (ip) resizeDatagram(draft, 'udp.min_size', ip.headerLength + 8, 'datagram grown to hold a UDP header');
  },
};

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

const EPHEMERAL_LOW = 32768;
const EPHEMERAL_COUNT = 28232;

export const portsRule: PacketRule<UdpContext> = {
  name: 'udp.ports',
  description: 'No destination port 0 (source 0 means "no reply port" and is allowed); no TCP-only service port as a UDP port.',
  applies: (v) => v.udp !== undefined && v.capturedIpLength >= (v.ipv4?.ihl ?? 10) * 4 + 4,
  check(v) {
    const u = v.udp;
    if (!u) return [];
    const p = portProblem('udp', u.srcPort, u.dstPort);
    return p ? [{ field: `udp.${p.field}`, message: p.message }] : [];
  },
  repair(draft, _f, ctx) {
    const v = draft.view;
    const u = v.udp;
    const ip = v.ipv4 ?? v.ipv6;
    if (!u || !ip) return;
    const p = portProblem('udp', u.srcPort, u.dstPort);
    if (!p) return;
    const src = p.field === 'src_port';
    const [owner, peer] = src ? [ip.src, ip.dst] : [ip.dst, ip.src];
    const good = (port: number): boolean => (src ? portProblem('udp', port, u.dstPort) : portProblem('udp', u.srcPort, port)) === undefined;
    let port = ctx.portsTowards.get(towards(owner, peer))?.closest(() => 0, good);
    let reason = 'the port this endpoint uses elsewhere in the sample';
    if (port === undefined && !src) {
      port = ctx.values.hist((pr) => pr.udpServicePorts).closest(() => 0, good);
      reason = 'most common learned UDP service port';
    }
    if (port === undefined) {
      port = EPHEMERAL_LOW + (ctx.rng ? ctx.rng.int(EPHEMERAL_COUNT) : draft.index % EPHEMERAL_COUNT);
      reason = 'an ephemeral port';
    }
    draft.set('udp.ports', u.offset, src ? UDP.srcPort : UDP.dstPort, port, `${p.message}; replaced by ${reason}`);
  },
};

export const checksumRule: PacketRule<UdpContext> = {
  name: 'udp.checksum',
  description:
    'The checksum verifies, or is 0 ("none") over IPv4 — over IPv6 it is mandatory; skipped when the snap length cut the datagram or it is a fragment; NIC-offloaded partial sums accepted unless offloadedChecksums is "reject".',
  applies: (v) => v.udp !== undefined,
  check(v, ctx) {
    const verdict = transportVerdict(v);
    if (!verdict) return [];
    if (verdict.state === 'bad' || (verdict.state === 'offloaded' && ctx.options.offloadedChecksums === 'reject')) {
      const should = verdict.expected === undefined ? '' : `, should be ${hex16(verdict.expected)}`;
      const v6zero = v.ipv6 && verdict.stored === 0 ? ' (a zero UDP checksum is not allowed over IPv6)' : '';
      return [{ field: 'udp.checksum', message: `checksum ${hex16(verdict.stored)}${should}${v6zero}` }];
    }
    return [];
  },
  repair(draft) {
    const verdict = transportVerdict(draft.view);
    const u = draft.view.udp;
    if (u && verdict?.expected !== undefined) draft.set('udp.checksum', u.offset, UDP.checksum, verdict.expected, 'checksum recomputed', hex16);
  },
};
