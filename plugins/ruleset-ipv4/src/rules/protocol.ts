/**
 * The protocol field against the transport header the bytes hold. Only strong evidence
 * counts: the declared protocol's checksum fails while another protocol's checksum verifies
 * over the same bytes. Unassigned protocol numbers are reported outright.
 */
import { fold16, onesSum, IPV4, isFragment, type PacketRule, type PacketView } from '@netsynth/protocol-rules';
import { internetChecksum } from '@netsynth/pcap';
import type { Ipv4Context } from '../context.js';

const CANDIDATES = [
  { number: 6, name: 'tcp', field: 16, min: 20 },
  { number: 17, name: 'udp', field: 6, min: 8 },
  { number: 1, name: 'icmp', field: 2, min: 8 },
] as const;

/** Unassigned (143–252) or reserved (255) protocol numbers. */
export function unassignedProtocol(p: number): boolean {
  return (p >= 143 && p <= 252) || p === 255;
}

/** Whether the IP payload verifies as protocol `number`'s checksum (undefined: cannot tell). */
function verifiesAs(v: PacketView, number: 1 | 6 | 17): boolean | undefined {
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
  if (internetChecksum(d, start, end, pseudo) === 0) return true;
  // A sender that offloaded the sum leaves the folded pseudo-header sum.
  if (number !== 1) {
    const c = CANDIDATES.find((x) => x.number === number);
    const stored = c ? ((d[start + c.field] ?? 0) << 8) | (d[start + c.field + 1] ?? 0) : -1;
    if (stored === fold16(pseudo) || stored === fold16(onesSum(d, o + 12, o + 20, number))) return true;
  }
  return false;
}

export function protocolEvidence(v: PacketView): { declared: number; better?: number } {
  const declared = v.ipv4?.protocol ?? 0;
  const declaredOk = CANDIDATES.some((c) => c.number === declared) ? verifiesAs(v, declared as 1 | 6 | 17) : undefined;
  if (declaredOk !== false && !unassignedProtocol(declared)) return { declared };
  for (const c of CANDIDATES) {
    if (c.number === declared) continue;
    if (verifiesAs(v, c.number) === true) return { declared, better: c.number };
  }
  return { declared };
}

export const protocolRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.protocol',
  description: 'The protocol number is assigned and matches the transport header present (another protocol\'s checksum verifying over the payload while the declared one fails means the field is wrong).',
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.capturedIpLength >= 10,
  check(v) {
    const e = protocolEvidence(v);
    if (e.better !== undefined) return [{ field: 'ipv4.protocol', message: `protocol ${e.declared} but the payload is a valid ${CANDIDATES.find((c) => c.number === e.better)?.name} header` }];
    if (unassignedProtocol(e.declared)) return [{ field: 'ipv4.protocol', message: `protocol ${e.declared} is unassigned` }];
    return [];
  },
  repair(draft, _f, ctx) {
    const v = draft.view;
    const e = protocolEvidence(v);
    const learned = ctx.values.hist((p) => p.protocol);
    const target = e.better ?? learned.closest((p) => (p === 6 || p === 17 || p === 1 ? 0 : 1)) ?? 6;
    draft.set('ipv4.protocol', v.ipOffset ?? 0, IPV4.protocol, target, e.better !== undefined ? 'the payload verifies as this protocol' : 'unassigned protocol replaced by the most common learned transport');
  },
};
