/**
 * Packets of a decoded GASF series shaped by the class's header profile learned in fit
 * (@netsynth/protocol-rules' class profiles): the protocol and the ports are drawn from those the
 * class used (weighted by flows), TTL, DSCP/ECN and DF are what the class's stack sent in that
 * direction, TCP flags are the class's nearest data-segment combination, the window stays within
 * the learned range, ICMP is echo request/reply, and a class whose UDP payloads were DNS sends
 * DNS messages drawn from its learned questions and answers. Sizes, directions and timing come
 * from the series. Nothing here names a protocol's port or a class.
 */
import type { Direction, Packet, Rng } from '@netsynth/core';
import {
  bitDistance,
  buildIcmpPacket,
  buildTcpPacket,
  buildUdpPacket,
  distinct,
  dnsPayload,
  draw,
  mode,
  nearest,
  newDnsState,
  TCP_FLAG,
  type ClassProfile,
  type Counts,
  type DirectionProfile,
  type DnsState,
  type ProtocolProfile,
} from '@netsynth/protocol-rules';

/** A port table with at most this many distinct values is a vocabulary (drawn from); above it, a range. */
const VOCABULARY = 16;
const HEADERS: Record<number, number> = { 6: 40, 17: 28, 1: 28 };

/** Builds one packet of a flow: its direction, IP size (clamped to what the protocol needs) and time. */
export type PacketMaker = (direction: Direction, size: number, timestampNs: bigint) => Packet;

export interface ProfiledEndpoints {
  client: string;
  server: string;
  mtu: number;
}

/** The smallest IP packet the profile's protocols build (the series' padding threshold stays the caller's). */
export function profileMinSize(protocol: number): number {
  return HEADERS[protocol] ?? 28;
}

function drawPort(table: Counts, range: [number, number], rng: Rng): number {
  if (distinct(table) > 0 && distinct(table) <= VOCABULARY) return Number(draw(table, rng));
  const [lo, hi] = range[0] <= range[1] ? range : [49152, 65535];
  return lo + rng.int(Math.max(1, hi - lo + 1));
}

/** The class's protocol for this flow: drawn in proportion to the flows that used it. */
function drawProtocol(profile: ClassProfile, rng: Rng): [number, ProtocolProfile] {
  const flows: Counts = Object.fromEntries(Object.entries(profile.protocols).map(([k, p]) => [k, p.flows]));
  const key = draw(flows, rng) as string;
  return [Number(key), profile.protocols[key] as ProtocolProfile];
}

/** Non-opening, non-closing flag combinations of a direction: what a data or ACK segment carries. */
function dataFlags(d: DirectionProfile): Counts {
  const { SYN, FIN, RST, URG } = TCP_FLAG;
  return Object.fromEntries(Object.entries(d.flags).filter(([k]) => (Number(k) & (SYN | FIN | RST | URG)) === 0));
}

interface Side {
  seq: number;
  ipId: number;
}

/** A PacketMaker for one flow of the class, or undefined when the profile learned no protocol. */
export function profiledMaker(profile: ClassProfile, o: ProfiledEndpoints, rng: Rng): PacketMaker | undefined {
  if (Object.keys(profile.protocols).length === 0) return undefined;
  const [protocol, p] = drawProtocol(profile, rng);
  const servicePort = drawPort(p.servicePorts, p.serviceRange, rng);
  const clientPort = drawPort(p.clientPorts, p.clientRange, rng) || 49152 + rng.int(16384);
  const sides: [Side, Side] = [
    { seq: rng.uint32(), ipId: rng.int(65536) },
    { seq: rng.uint32(), ipId: rng.int(65536) },
  ];
  const dns: DnsState | undefined = p.dns ? newDnsState(p.dns) : undefined;
  let icmpSeq = rng.int(1000);
  const flagsOf = [dataFlags(p.directions[0]), dataFlags(p.directions[1])];
  return (direction, size, timestampNs) => {
    const d = p.directions[direction];
    const me = sides[direction];
    const other = sides[direction === 0 ? 1 : 0];
    me.ipId = (me.ipId + 1) & 0xffff;
    const ip = {
      src: direction === 0 ? o.client : o.server,
      dst: direction === 0 ? o.server : o.client,
      ttl: Math.max(1, Number(mode(d.ttl) ?? 64)),
      tos: Number(mode(d.tos) ?? 0),
      dontFragment: Number(mode(d.dontFragment ?? {}) ?? 1) === 1,
      identification: me.ipId,
      timestampNs,
    };
    const ports = { srcPort: direction === 0 ? clientPort : servicePort, dstPort: direction === 0 ? servicePort : clientPort };
    const payload = Math.max(0, Math.min(o.mtu, Math.round(size)) - profileMinSize(protocol));
    if (protocol === 6) {
      const wanted = payload > 0 ? TCP_FLAG.ACK | TCP_FLAG.PSH : TCP_FLAG.ACK;
      const flags = (nearest(flagsOf[direction] as Counts, wanted, (a, b) => bitDistance(a, b, 8)) ?? wanted) | TCP_FLAG.ACK;
      const window = d.window ? Math.min(d.window[1], Math.max(d.window[0], 65535)) : 65535;
      const packet = buildTcpPacket({ ...ip, ...ports, seq: me.seq, ack: other.seq, flags, window, payload: new Uint8Array(payload) });
      me.seq = (me.seq + payload) >>> 0;
      return packet;
    }
    if (protocol === 1) {
      let type = nearest(d.icmpType, direction === 0 ? 8 : 0) ?? 8;
      if (type !== 0 && type !== 8) type = direction === 0 ? 8 : 0;
      if (type === 8) icmpSeq = (icmpSeq + 1) & 0xffff;
      return buildIcmpPacket({ ...ip, type, code: 0, rest: (((clientPort & 0xffff) << 16) | icmpSeq) >>> 0, payload: new Uint8Array(payload) });
    }
    const message = dns && dnsPayload(dns, direction, rng);
    return buildUdpPacket({ ...ip, ...ports, payload: message ?? new Uint8Array(payload) });
  };
}
