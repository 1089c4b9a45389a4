/**
 * Port/protocol consistency (NetShare's validity test 3). Only ports below 1024 count as
 * service ports here: above that, any port may be an ephemeral client port (older Windows
 * used 1025–5000), so a UDP packet from port 1900 says nothing about SSDP.
 */

/** Well-known services that run over TCP only. */
export const TCP_ONLY_SERVICE_PORTS: ReadonlyMap<number, string> = new Map([
  [20, 'ftp-data'],
  [21, 'ftp'],
  [22, 'ssh'],
  [23, 'telnet'],
  [25, 'smtp'],
  [110, 'pop3'],
  [119, 'nntp'],
  [143, 'imap'],
  [179, 'bgp'],
  [465, 'smtps'],
  [587, 'submission'],
  [993, 'imaps'],
  [995, 'pop3s'],
]);

/** Well-known services that run over UDP only. */
export const UDP_ONLY_SERVICE_PORTS: ReadonlyMap<number, string> = new Map([
  [67, 'dhcp/bootp server'],
  [68, 'dhcp/bootp client'],
  [69, 'tftp'],
  [123, 'ntp'],
  [138, 'netbios-dgm'],
  [161, 'snmp'],
  [162, 'snmp-trap'],
  [500, 'isakmp'],
  [520, 'rip'],
  [546, 'dhcpv6 client'],
  [547, 'dhcpv6 server'],
]);

export type PortTransport = 'tcp' | 'udp';

/** Why a port pair is inconsistent with the transport, or undefined when it is fine. */
export function portProblem(transport: PortTransport, srcPort: number, dstPort: number): { field: 'src_port' | 'dst_port'; message: string } | undefined {
  const foreign = transport === 'tcp' ? UDP_ONLY_SERVICE_PORTS : TCP_ONLY_SERVICE_PORTS;
  const own = transport === 'tcp' ? TCP_ONLY_SERVICE_PORTS : UDP_ONLY_SERVICE_PORTS;
  if (dstPort === 0) return { field: 'dst_port', message: `${transport} destination port 0 is reserved` };
  // UDP source port 0 means "no reply port" (RFC 768); TCP has no such use.
  if (srcPort === 0 && transport === 'tcp') return { field: 'src_port', message: 'tcp source port 0 is reserved' };
  const srcService = foreign.get(srcPort);
  const dstService = foreign.get(dstPort);
  // Both ports foreign, or one foreign and the other not a plausible peer of it.
  if (dstService !== undefined && !own.has(srcPort)) {
    return { field: 'dst_port', message: `destination port ${dstPort} is ${dstService}, a ${transport === 'tcp' ? 'UDP' : 'TCP'}-only service` };
  }
  if (srcService !== undefined && !own.has(dstPort)) {
    return { field: 'src_port', message: `source port ${srcPort} is ${srcService}, a ${transport === 'tcp' ? 'UDP' : 'TCP'}-only service` };
  }
  return undefined;
}
