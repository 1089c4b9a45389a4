/** Control flags, reserved bits and the urgent pointer. */
import { flagNames, TCP, TCP_FLAG, bitDistance, Histogram, type Finding, type PacketRule } from '@netsynth/protocol-rules';
import type { TcpContext } from '../context.js';

const { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS } = TCP_FLAG;

/** Why a flag combination can never appear on the wire, or undefined when it can. */
export function illegalFlags(flags: number): string | undefined {
  const control = flags & (URG | ACK | PSH | RST | SYN | FIN);
  if (control === 0) return 'no control flag set (a null segment)';
  if ((flags & (SYN | FIN)) === (SYN | FIN)) return 'SYN and FIN together';
  if ((flags & (SYN | RST)) === (SYN | RST)) return 'SYN and RST together';
  if ((flags & (RST | FIN)) === (RST | FIN)) return 'RST and FIN together';
  if (!(flags & ACK) && !(flags & (SYN | RST))) return `${flagNames(flags & (URG | PSH | FIN))} without ACK (only SYN and RST may omit it)`;
  if (flags & SYN && !(flags & ACK)) {
    // RFC 3168 ECN-setup SYN sets ECE and CWR together; AccECN (RFC 9768) adds AE (the old NS bit).
    const ecn = flags & (NS | CWR | ECE);
    if (ecn !== 0 && ecn !== (CWR | ECE) && ecn !== (NS | CWR | ECE)) return `SYN with ECN bits ${flagNames(ecn)} (ECN setup needs ECE and CWR together)`;
  }
  return undefined;
}

/**
 * The legal flag value nearest (in flipped bits) to `flags`, preferring combinations real
 * traffic uses often. Candidates come from the learned flag histogram.
 */
export function nearestLegalFlags(flags: number, learned: Histogram<number>): number {
  const best = learned.closest(
    (f) => bitDistance(f, flags, 9),
    (f) => illegalFlags(f) === undefined,
  );
  return best ?? ACK;
}

export const flagsRule: PacketRule<TcpContext> = {
  name: 'tcp.flags',
  description:
    'Flag combinations that can occur: some control flag set; never SYN+FIN, SYN+RST or RST+FIN; ACK on everything but SYN and RST; ECN setup on a SYN uses ECE+CWR together.',
  applies: (v) => v.tcp !== undefined && !v.tcp.truncated,
  check(v) {
    const why = v.tcp ? illegalFlags(v.tcp.flags.value) : undefined;
    return why ? [{ field: 'tcp.flags', message: `${flagNames(v.tcp?.flags.value ?? 0)}: ${why}` }] : [];
  },
  repair(draft, _f, ctx) {
    const t = draft.view.tcp;
    if (!t) return;
    const target = nearestLegalFlags(
      t.flags.value,
      ctx.values.hist((p) => p.tcpFlags),
    );
    draft.set('tcp.flags', t.offset, TCP.flags, target, 'nearest legal flag combination seen in real traffic', flagNames);
  },
};

export const reservedRule: PacketRule<TcpContext> = {
  name: 'tcp.reserved',
  description: 'The three reserved header bits are 0.',
  applies: (v) => v.tcp !== undefined && !v.tcp.truncated,
  check: (v) => (v.tcp && v.tcp.reserved !== 0 ? [{ field: 'tcp.reserved', message: `reserved bits ${v.tcp.reserved.toString(2).padStart(3, '0')}` }] : []),
  repair(draft) {
    const t = draft.view.tcp;
    if (t) draft.set('tcp.reserved', t.offset, TCP.reserved, 0, 'reserved bits must be 0');
  },
};

export const urgentRule: PacketRule<TcpContext> = {
  name: 'tcp.urgent_pointer',
  description: 'The urgent pointer is 0 unless URG is set.',
  applies: (v) => v.tcp !== undefined && !v.tcp.truncated,
  check(v): Finding[] {
    const t = v.tcp;
    if (!t || t.flags.urg || t.urgentPointer === 0) return [];
    return [{ field: 'tcp.urgent_pointer', message: `urgent pointer ${t.urgentPointer} without URG` }];
  },
  repair(draft) {
    const t = draft.view.tcp;
    if (t) draft.set('tcp.urgent_pointer', t.offset, TCP.urgentPointer, 0, 'no URG flag: urgent pointer 0');
  },
};
