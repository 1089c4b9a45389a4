import type { NetflowRecord } from '@netsynth/core';
import { TCP_ONLY_PORTS, UDP_ONLY_PORTS, validDestinationAddress, validSourceAddress } from '@netsynth/evaluator-validity';

/** Smallest IP packet per protocol: IPv4 header + TCP 20 / UDP 8 / ICMP 8 (other: the bare IP header). */
function minPacketBytes(proto: number): number {
  return proto === 6 ? 40 : proto === 17 || proto === 1 ? 28 : 20;
}

const versionOf = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);

/**
 * NetShare's validity tests on records (its paper's list, applied to a record instead of a
 * packet): valid addresses, ports consistent with the protocol, bytes a possible total for
 * the packet count, and a positive packet count with a non-negative duration.
 */
export const RECORD_TESTS: readonly { name: string; description: string; test(r: NetflowRecord): boolean }[] = [
  {
    name: 'ip_valid',
    description: 'source not 0/8, multicast or broadcast; destination not 0/8',
    test: (r) => validSourceAddress(r.srcip, versionOf(r.srcip)) && validDestinationAddress(r.dstip, versionOf(r.dstip)),
  },
  {
    name: 'port_protocol',
    description: 'TCP/UDP carry non-zero ports, none of the other transport’s well-known-only ports',
    test: (r) => {
      if (r.proto !== 6 && r.proto !== 17) return true;
      if (r.srcport === 0 || r.dstport === 0) return false;
      const other = r.proto === 6 ? UDP_ONLY_PORTS : TCP_ONLY_PORTS;
      return !other.has(r.srcport) && !other.has(r.dstport);
    },
  },
  {
    name: 'bytes_per_packet',
    description: 'bytes between packets × the protocol’s smallest packet and packets × 65 535',
    test: (r) => r.byt >= r.pkt * minPacketBytes(r.proto) && r.byt <= r.pkt * 65_535,
  },
  {
    name: 'counts',
    description: 'at least one packet, duration ≥ 0',
    test: (r) => r.pkt >= 1 && r.td >= 0,
  },
];

/** Share of records passing each test; null for no records. */
export function validityShares(records: readonly NetflowRecord[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const t of RECORD_TESTS) out[t.name] = records.length ? records.filter((r) => t.test(r)).length / records.length : null;
  return out;
}
