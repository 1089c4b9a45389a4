import type { PacketFields } from '@netsynth/evalkit';

/**
 * The four validity tests the NetShare paper reports (its public code has none), applied to
 * each packet that has an IP header. Each returns true (pass), false (fail) or null (the test
 * does not apply, e.g. no IP header); the share is over packets where it applies.
 */
export interface NetShareTest {
  name: string;
  description: string;
  test(p: PacketFields): boolean | null;
}

function ipv4Octets(address: string): number[] | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  const n = parts.map(Number);
  return n.every((x) => Number.isInteger(x) && x >= 0 && x <= 255) ? n : null;
}

function isIpv6Unspecified(address: string): boolean {
  return /^[0:]+$/.test(address);
}

function isIpv6Multicast(address: string): boolean {
  return address.toLowerCase().startsWith('ff');
}

/** Source address: not 0.0.0.0/8, not multicast (224/4), not limited broadcast; IPv6: not ::, not ff00::/8. */
export function validSourceAddress(address: string, version: 4 | 6): boolean {
  if (version === 6) return !isIpv6Unspecified(address) && !isIpv6Multicast(address);
  const o = ipv4Octets(address);
  if (!o) return false;
  const first = o[0] as number;
  if (first === 0) return false;
  if (first >= 224 && first <= 239) return false;
  return !o.every((x) => x === 255);
}

/** Destination address: not 0.0.0.0/8 (multicast and broadcast destinations are legitimate); IPv6: not ::. */
export function validDestinationAddress(address: string, version: 4 | 6): boolean {
  if (version === 6) return !isIpv6Unspecified(address);
  const o = ipv4Octets(address);
  return o !== null && o[0] !== 0;
}

/**
 * Well-known service ports that belong to one transport only (IANA assignments that are not
 * in use on the other transport in practice). Ports used on both (53 DNS, 443 HTTPS/QUIC,
 * 88, 389, 3478, 5060 ...) are absent, so they never fail.
 */
export const TCP_ONLY_PORTS: ReadonlySet<number> = new Set([20, 21, 22, 23, 25, 110, 119, 143, 179, 465, 587, 993, 995, 3306, 5432, 6379, 80, 8080]);
export const UDP_ONLY_PORTS: ReadonlySet<number> = new Set([67, 68, 69, 123, 137, 138, 161, 162, 514, 520, 1900, 4789, 5353]);

/**
 * Ports consistent with the protocol: TCP and UDP carry non-zero ports and no port of the
 * other transport's well-known-only list; ICMP carries no ports (always consistent once
 * dissected as ICMP). A protocol whose transport header is missing from the packet
 * (fragment, snap length) does not count.
 */
export function portsConsistent(p: PacketFields): boolean | null {
  if (p.isFragment || p.protocol === null) return null;
  if (p.protocol === 6 || p.protocol === 17) {
    if (p.transport === null || p.srcPort === null || p.dstPort === null) return null;
    if (p.srcPort === 0 || p.dstPort === 0) return false;
    const other = p.protocol === 6 ? UDP_ONLY_PORTS : TCP_ONLY_PORTS;
    return !other.has(p.srcPort) && !other.has(p.dstPort);
  }
  if (p.protocol === 1 || p.protocol === 58) return p.srcPort === null && p.dstPort === null;
  return null;
}

/** Minimum IP packet size for the transport: TCP ≥ 40 bytes, UDP ≥ 28 (IPv4; +20 on IPv6). */
export function minimumSizeOk(p: PacketFields): boolean | null {
  if (p.ipVersion === null || p.isFragment) return null;
  const extra = p.ipVersion === 6 ? 20 : 0;
  if (p.protocol === 6) return p.length >= 40 + extra;
  if (p.protocol === 17) return p.length >= 28 + extra;
  return null;
}

export const NETSHARE_TESTS: readonly NetShareTest[] = [
  {
    name: 'src_ip_valid',
    description: 'source address not 0.0.0.0/8, multicast or broadcast',
    test: (p) => (p.srcIp === null || p.ipVersion === null ? null : validSourceAddress(p.srcIp, p.ipVersion)),
  },
  {
    name: 'dst_ip_valid',
    description: 'destination address not 0.0.0.0/8',
    test: (p) => (p.dstIp === null || p.ipVersion === null ? null : validDestinationAddress(p.dstIp, p.ipVersion)),
  },
  { name: 'port_protocol_consistent', description: 'ports present, non-zero and of the right transport', test: portsConsistent },
  { name: 'min_packet_size', description: 'TCP ≥ 40 bytes, UDP ≥ 28 bytes at the IP layer', test: minimumSizeOk },
];

export interface NetShareShares {
  /** Share of applicable packets passing, per test; null when no packet applies. */
  perTest: Record<string, number | null>;
  /** Share of IP packets passing all tests that apply to them. */
  all: number | null;
}

export function netShareShares(packets: readonly PacketFields[]): NetShareShares {
  const perTest: Record<string, number | null> = {};
  const pass = new Array<number>(NETSHARE_TESTS.length).fill(0);
  const applies = new Array<number>(NETSHARE_TESTS.length).fill(0);
  let ipPackets = 0;
  let allPass = 0;
  for (const p of packets) {
    if (p.ipVersion === null) continue;
    ipPackets++;
    let ok = true;
    NETSHARE_TESTS.forEach((t, i) => {
      const r = t.test(p);
      if (r === null) return;
      applies[i] = (applies[i] as number) + 1;
      if (r) pass[i] = (pass[i] as number) + 1;
      else ok = false;
    });
    if (ok) allPass++;
  }
  NETSHARE_TESTS.forEach((t, i) => {
    perTest[t.name] = applies[i] ? (pass[i] as number) / (applies[i] as number) : null;
  });
  return { perTest, all: ipPackets ? allPass / ipPackets : null };
}
