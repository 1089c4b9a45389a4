/**
 * What the TCP, UDP and ICMP rulesets ask of a transport header in the same way: how many bytes
 * the datagram leaves for it, that it fits, and which port an endpoint should have instead of
 * a wrong one. Each ruleset names its own rules; the logic lives once here.
 */
import type { Rng } from '@netsynth/core';
import { transportVerdict, type ChecksumVerdict } from './checksums.js';
import { resizeDatagram } from './datagram.js';
import { hex16 } from './draft.js';
import { Histogram } from './distribution.js';
import { TCP, UDP } from './fields.js';
import { portProblem, type PortTransport } from './ports.js';
import type { ValueSource } from './profile.js';
import type { PacketRule } from './ruleset.js';
import { ipEnd, type PacketView } from './view.js';

/**
 * Bytes from the transport header to the declared end of the datagram, when the IP header
 * says it carries `protocol`; undefined otherwise, for a later fragment (no transport header)
 * or an IPv4 header too short to place one.
 */
export function transportBytes(v: PacketView, protocol: number): number | undefined {
  const ip = v.ipv4 ?? v.ipv6;
  const o = v.ipOffset;
  if (!ip || o === undefined || ip.protocol !== protocol) return undefined;
  if ((v.ipv4 && (v.ipv4.fragmentOffset > 0 || v.ipv4.ihl < 5)) || v.ipv6?.isFragment) return undefined;
  const end = ipEnd(v);
  return end === undefined ? undefined : end - (o + ip.headerLength);
}

/**
 * A datagram too short for the `headerBytes`-byte header of `protocol` ("udp": rule
 * "udp.min_size", field "udp.length"): reported, and repaired by growing the datagram.
 * `bytes` is {@link transportBytes} for the protocol; `message` words the finding when the
 * default ("the IP packet leaves N bytes for the H-byte UDP header") says too little.
 */
export function minHeaderRule<C>(
  protocol: string,
  headerBytes: number,
  bytes: (v: PacketView) => number | undefined,
  description: string,
  message?: (v: PacketView, bytes: number) => string,
): PacketRule<C> {
  const name = `${protocol}.min_size`;
  const header = `${headerBytes}-byte ${protocol.toUpperCase()} header`;
  const say = message ?? ((_v: PacketView, n: number) => `the IP packet leaves ${n} bytes for the ${header}`);
  return {
    name,
    description,
    applies: (v) => bytes(v) !== undefined,
    check(v) {
      const n = bytes(v) ?? 0;
      return n >= headerBytes ? [] : [{ field: `${protocol}.length`, message: say(v, n) }];
    },
    repair(draft) {
      const ip = draft.view.ipv4 ?? draft.view.ipv6;
      if (ip) resizeDatagram(draft, name, ip.headerLength + headerBytes, `datagram grown to hold the ${header}`);
    },
  };
}

/** Key of the ports `address` uses towards `peer`. */
export const towards = (address: string, peer: string): string => `${address}>${peer}`;

/** The ports each address uses towards each peer in a sample (port 0 left out): key {@link towards}. */
export function portsTowardsOf(views: readonly PacketView[], transport: PortTransport): Map<string, Histogram<number>> {
  const out = new Map<string, Histogram<number>>();
  const bump = (key: string, port: number): void => {
    if (port === 0) return;
    let h = out.get(key);
    if (!h) out.set(key, (h = new Histogram<number>()));
    h.add(port);
  };
  for (const v of views) {
    const ip = v.ipv4 ?? v.ipv6;
    const t = v[transport];
    if (!t || !ip || t.truncated) continue;
    bump(towards(ip.src, ip.dst), t.srcPort);
    bump(towards(ip.dst, ip.src), t.dstPort);
  }
  return out;
}

/** What a ports rule reads from its ruleset's context. */
export interface PortsContext {
  values: ValueSource;
  rng: Rng | undefined;
  portsTowards: Map<string, Histogram<number>>;
}

const EPHEMERAL_LOW = 32768;
const EPHEMERAL_COUNT = 28232; // Linux ip_local_port_range 32768..60999

/**
 * Ports consistent with the transport ({@link portProblem}); a wrong port is replaced by the one
 * the endpoint uses towards the same peer elsewhere in the sample, else (for a destination) the
 * most common learned service port, else an ephemeral port.
 */
export function transportPortsRule<C extends PortsContext>(transport: PortTransport, description: string): PacketRule<C> {
  const name = `${transport}.ports`;
  const fields = transport === 'tcp' ? TCP : UDP;
  return {
    name,
    description,
    applies: (v) => v[transport] !== undefined && v.capturedIpLength >= (v.ipv4?.ihl ?? 10) * 4 + 4,
    check(v) {
      const t = v[transport];
      const p = t && portProblem(transport, t.srcPort, t.dstPort);
      return p ? [{ field: `${transport}.${p.field}`, message: p.message }] : [];
    },
    repair(draft, _f, ctx) {
      const v = draft.view;
      const t = v[transport];
      const ip = v.ipv4 ?? v.ipv6;
      const p = t && portProblem(transport, t.srcPort, t.dstPort);
      if (!t || !ip || !p) return;
      const src = p.field === 'src_port';
      const [owner, peer] = src ? [ip.src, ip.dst] : [ip.dst, ip.src];
      const good = (port: number): boolean => (src ? portProblem(transport, port, t.dstPort) : portProblem(transport, t.srcPort, port)) === undefined;
      let port = ctx.portsTowards.get(towards(owner, peer))?.closest(() => 0, good);
      let reason = 'the port this endpoint uses elsewhere in the sample';
      if (port === undefined && !src) {
        port = ctx.values.hist((pr) => (transport === 'tcp' ? pr.tcpServicePorts : pr.udpServicePorts)).closest(() => 0, good);
        reason = `most common learned ${transport.toUpperCase()} service port`;
      }
      if (port === undefined) {
        port = EPHEMERAL_LOW + (ctx.rng ? ctx.rng.int(EPHEMERAL_COUNT) : draft.index % EPHEMERAL_COUNT);
        reason = 'an ephemeral port';
      }
      draft.set(name, t.offset, src ? fields.srcPort : fields.dstPort, port, `${p.message}; replaced by ${reason}`);
    },
  };
}

/** What a checksum rule reads from its ruleset's options. */
export interface ChecksumContext {
  options: { offloadedChecksums: 'accept' | 'reject' };
}

/**
 * The TCP or UDP checksum verifies ({@link transportVerdict}: skipped when the snap length cut
 * the segment or it is a fragment); a NIC-offloaded partial sum passes unless the options say
 * "reject". `note` adds what the protocol knows about a wrong one; the repair recomputes it.
 */
export function transportChecksumRule<C extends ChecksumContext>(
  transport: PortTransport,
  description: string,
  note: (v: PacketView, verdict: ChecksumVerdict) => string,
): PacketRule<C> {
  const name = `${transport}.checksum`;
  const field = transport === 'tcp' ? TCP.checksum : UDP.checksum;
  return {
    name,
    description,
    applies: (v) => v[transport] !== undefined,
    check(v, ctx) {
      const verdict = transportVerdict(v);
      if (!verdict || !(verdict.state === 'bad' || (verdict.state === 'offloaded' && ctx.options.offloadedChecksums === 'reject'))) return [];
      const should = verdict.expected === undefined ? '' : `, should be ${hex16(verdict.expected)}`;
      return [{ field: name, message: `checksum ${hex16(verdict.stored)}${should}${note(v, verdict)}` }];
    },
    repair(draft) {
      const verdict = transportVerdict(draft.view);
      const t = draft.view[transport];
      if (t && verdict?.expected !== undefined) draft.set(name, t.offset, field, verdict.expected, 'checksum recomputed', hex16);
    },
  };
}
