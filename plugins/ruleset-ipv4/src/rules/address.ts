/** Source and destination validity (NetShare's validity tests 1 and 2). */
import {
  formatIpv4Number,
  invalidAddressReason,
  IPV4,
  isLoopback,
  parseIpv4,
  type Finding,
  type PacketDraft,
  type PacketRule,
  type PacketView,
} from '@netsynth/protocol-rules';
import type { Ipv4Context } from '../context.js';

/** DHCP/BOOTP client message: the one place 0.0.0.0 is a legal source. */
function isDhcpClient(v: PacketView): boolean {
  return v.udp !== undefined && v.udp.srcPort === 68 && v.udp.dstPort === 67;
}

export function addressFindings(v: PacketView): Finding[] {
  const ip = v.ipv4;
  if (!ip) return [];
  const out: Finding[] = [];
  const src = parseIpv4(ip.src);
  const dst = parseIpv4(ip.dst);
  if (src === undefined || dst === undefined) return out;
  const srcReason = invalidAddressReason(src, 'source', isDhcpClient(v));
  if (srcReason) out.push({ field: 'ipv4.src', message: `source ${ip.src}: ${srcReason}` });
  const dstReason = invalidAddressReason(dst, 'destination');
  if (dstReason) out.push({ field: 'ipv4.dst', message: `destination ${ip.dst}: ${dstReason}` });
  // Loopback addresses never leave a host: a datagram between loopback and anything else is a martian.
  if (isLoopback(src) !== isLoopback(dst)) {
    out.push(
      isLoopback(src)
        ? { field: 'ipv4.src', message: `loopback source ${ip.src} sending to ${ip.dst}` }
        : { field: 'ipv4.dst', message: `loopback destination ${ip.dst} from ${ip.src}` },
    );
  }
  if (src === dst && !isLoopback(src) && !srcReason) out.push({ field: 'ipv4.dst', message: `source and destination are both ${ip.src}` });
  return out;
}

function usable(address: string, role: 'source' | 'destination', other: string): boolean {
  const v = parseIpv4(address);
  const o = parseIpv4(other);
  if (v === undefined || o === undefined || address === other) return false;
  return invalidAddressReason(v, role) === undefined && isLoopback(v) === isLoopback(o);
}

/**
 * A replacement for a bad address: the partner the other endpoint talks to most in this
 * sample, else the most common learned address, else a deterministic private address.
 */
function replacement(draft: PacketDraft, ctx: Ipv4Context, role: 'source' | 'destination', other: string): { address: string; reason: string } {
  const peers = ctx.peers.get(other);
  const fromSample = peers?.closest(
    () => 0,
    (a) => usable(a, role, other),
  );
  if (fromSample) return { address: fromSample, reason: `the address ${other} exchanges packets with elsewhere in the sample` };
  const learned = ctx.values.learned.addresses.closest(
    () => 0,
    (a) => usable(a, role, other),
  );
  if (learned) return { address: learned, reason: 'most common learned address' };
  const n = ctx.rng ? ctx.rng.int(0xfffffe) + 1 : draft.index + 1;
  return { address: formatIpv4Number(0x0a000000 + n), reason: 'no valid address in the sample or learned: a private 10.0.0.0/8 address' };
}

export const addressRule: PacketRule<Ipv4Context> = {
  name: 'ipv4.address',
  description:
    "Source is not 0.0.0.0/8 (except a DHCP client's 0.0.0.0), multicast, broadcast or 240/4; destination is not 0.0.0.0/8 or 240/4; loopback stays on loopback; source differs from destination.",
  applies: (v) => v.ipv4 !== undefined && v.ipv4.version === 4 && v.capturedIpLength >= 20,
  check: addressFindings,
  repair(draft, findings, ctx) {
    for (const f of findings) {
      const ip = draft.view.ipv4;
      if (!ip) return;
      const role = f.field === 'ipv4.src' ? 'source' : 'destination';
      const other = role === 'source' ? ip.dst : ip.src;
      const { address, reason } = replacement(draft, ctx, role, other);
      const value = parseIpv4(address) ?? 0x0a000001;
      draft.set(
        'ipv4.address',
        draft.view.ipOffset ?? 0,
        role === 'source' ? IPV4.src : IPV4.dst,
        value,
        `${f.message}; replaced by ${reason}`,
        formatIpv4Number,
      );
    }
  },
};
