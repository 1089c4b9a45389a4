/**
 * The protocol field against the transport header the bytes hold and the conversation the
 * packet belongs to. Only strong evidence counts: another protocol's checksum verifies over
 * the same bytes while the declared one does not, or every other packet with the same
 * addresses and ports carries one other protocol. Unassigned protocol numbers are reported outright.
 */
import { fold16, onesSum, IPV4, isFragment, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import { internetChecksum } from '@netsynth/pcap';
import { conversationKey, type Ipv4Context } from '../context.js';

const CANDIDATES = [
  { number: 6, name: 'tcp', field: 16, min: 20 },
  { number: 17, name: 'udp', field: 6, min: 8 },
  { number: 1, name: 'icmp', field: 2, min: 8 },
] as const;

/** Unassigned (143–252) or reserved (255) protocol numbers. */
export function unassignedProtocol(p: number): boolean {
  return (p >= 143 && p <= 252) || p === 255;
}

/**
 * A header that makes sense beyond its checksum, for bytes declared as another protocol:
 * TCP's data offset fits and its reserved bits are clear; UDP's length already had to match
 * exactly; ICMP never counts.
 */
function plausibleHeader(d: Uint8Array, start: number, length: number, number: 1 | 6 | 17): boolean {
  if (number === 6) {
    const offset = (d[start + 12] ?? 0) >> 4;
    return offset >= 5 && offset * 4 <= length && ((d[start + 12] ?? 0) & 0x0e) === 0;
  }
  // IGMP, PIM and others carry ICMP's checksum (no pseudo-header) at the same place: an
  // ICMP checksum that verifies says nothing about a packet declared as one of them.
  return number === 17;
}

/**
 * Whether the IP payload verifies as protocol `number`'s checksum (undefined: cannot tell).
 * `strict` (the declared protocol is not one of these transports, so the bytes may be
 * anything) accepts only a full checksum over a plausible header: no offloaded partial sums.
 */
function verifiesAs(v: PacketView, number: 1 | 6 | 17, strict = false): boolean | undefined {
  const ip = v.ipv4;
  const o = v.ipOffset;
  if (!ip || o === undefined || isFragment(v)) return undefined;
  const start = o + ip.ihl * 4;
  const end = o + ip.totalLength;
  const d = v.packet.data;
  if (end > d.length || end - start < (number === 6 ? 20 : 8)) return undefined;
  const length = end - start;
  if (number === 17) {
    const udpLength = ((d[start + 4] ?? 0) << 8) | (d[start + 5] ?? 0);
    if (udpLength !== length) return false;
    if ((d[start + 6] ?? 0) === 0 && (d[start + 7] ?? 0) === 0) return undefined;
  }
  const pseudo = number === 1 ? 0 : onesSum(d, o + 12, o + 20, number + length);
  if (internetChecksum(d, start, end, pseudo) === 0) return strict ? plausibleHeader(d, start, end - start, number) : true;
  // A sender that offloaded the sum leaves the folded pseudo-header sum.
  if (number !== 1 && !strict) {
    const c = CANDIDATES.find((x) => x.number === number);
    const stored = c ? ((d[start + c.field] ?? 0) << 8) | (d[start + c.field + 1] ?? 0) : -1;
    if (stored === fold16(pseudo) || stored === fold16(onesSum(d, o + 12, o + 20, number))) return true;
  }
  return false;
}

export interface ProtocolEvidence {
  declared: number;
  /** The protocol the packet really carries, when the evidence says it is not `declared`. */
  better?: number;
  /** What the evidence is: 'checksum' (another transport verifies) or 'conversation'. */
  by?: 'checksum' | 'conversation';
}

/**
 * The protocol the rest of its conversation uses, when every other packet of it (two at
 * least) agrees on one protocol other than `declared`: a bit flip in the protocol byte of a
 * TCP or UDP flow is then caught even when the checksum cannot be verified (snap length).
 */
function conversationProtocol(v: PacketView, ctx: Ipv4Context, declared: number): number | undefined {
  const key = conversationKey(v);
  const seen = key === undefined ? undefined : ctx.protocolsByConversation.get(key);
  if (!seen || seen.count(declared) > 1) return undefined;
  const others = seen.entries().filter(([p]) => p !== declared);
  if (others.length !== 1) return undefined;
  const [protocol, count] = others[0] as [number, number];
  return count >= 2 && CANDIDATES.some((c) => c.number === protocol) ? protocol : undefined;
}

/**
 * Checks the protocol byte against the transport header present (another protocol's
 * checksum verifies while the declared one does not, or the declared one is not a transport
 * that can be verified at all) and against its conversation.
 */
export function protocolEvidence(v: PacketView, ctx: Ipv4Context): ProtocolEvidence {
  const declared = v.ipv4?.protocol ?? 0;
  const declaredOk = CANDIDATES.some((c) => c.number === declared) ? verifiesAs(v, declared as 1 | 6 | 17) : undefined;
  if (declaredOk === true) return { declared };
  for (const c of CANDIDATES) {
    if (c.number === declared) continue;
    if (verifiesAs(v, c.number, declaredOk === undefined) === true) return { declared, better: c.number, by: 'checksum' };
  }
  const flow = conversationProtocol(v, ctx, declared);
  if (flow !== undefined) return { declared, better: flow, by: 'conversation' };
  return { declared };
}

function nameOf(protocol: number): string {
  return CANDIDATES.find((c) => c.number === protocol)?.name ?? String(protocol);
}

export const protocolRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.protocol',
  description:
    "The protocol number is assigned and matches the transport header present (another protocol's checksum verifying over the payload while the declared one does not) and the conversation it belongs to (the other packets between the same addresses and ports).",
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.capturedIpLength >= 10,
  check(v, ctx) {
    const e = protocolEvidence(v, ctx);
    if (e.better !== undefined && e.by === 'checksum')
      return [{ field: 'ipv4.protocol', message: `protocol ${e.declared} but the payload is a valid ${nameOf(e.better)} header` }];
    if (e.better !== undefined)
      return [{ field: 'ipv4.protocol', message: `protocol ${e.declared} inside a ${nameOf(e.better)} conversation (same addresses and ports)` }];
    if (unassignedProtocol(e.declared)) return [{ field: 'ipv4.protocol', message: `protocol ${e.declared} is unassigned` }];
    return [];
  },
  repair(draft, _f, ctx) {
    const v = draft.view;
    const e = protocolEvidence(v, ctx);
    const learned = ctx.values.hist((p) => p.protocol);
    const target = e.better ?? learned.closest((p) => (p === 6 || p === 17 || p === 1 ? 0 : 1)) ?? 6;
    const reason =
      e.by === 'checksum'
        ? 'the payload verifies as this protocol'
        : e.by === 'conversation'
          ? 'the protocol of the rest of its conversation'
          : 'unassigned protocol replaced by the most common learned transport';
    draft.set('ipv4.protocol', v.ipOffset ?? 0, IPV4.protocol, target, reason);
  },
};
