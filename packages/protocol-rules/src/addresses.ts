/** IPv4 address classes relevant to NetShare's validity tests (RFC 6890 special-purpose blocks). */

export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

export function formatIpv4Number(v: number): string {
  return `${Math.floor(v / 0x1000000) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

const first = (v: number): number => Math.floor(v / 0x1000000) & 0xff;

export const isThisNetwork = (v: number): boolean => first(v) === 0; // 0.0.0.0/8
export const isLoopback = (v: number): boolean => first(v) === 127;
export const isMulticast = (v: number): boolean => first(v) >= 224 && first(v) <= 239;
export const isLimitedBroadcast = (v: number): boolean => v === 0xffffffff;
/** 240.0.0.0/4 except the limited broadcast address. */
export const isReservedClassE = (v: number): boolean => first(v) >= 240 && !isLimitedBroadcast(v);

export type AddressRole = 'source' | 'destination';

/**
 * Why an address cannot appear in the given role, or undefined when it can.
 * `dhcpClient`: the packet is a DHCP/BOOTP client message (UDP 68 → 67), the one case where
 * 0.0.0.0 is a legal source (RFC 2131 §4.1).
 */
export function invalidAddressReason(v: number, role: AddressRole, dhcpClient = false): string | undefined {
  if (role === 'source') {
    if (isThisNetwork(v) && !(v === 0 && dhcpClient)) return 'a 0.0.0.0/8 address cannot be a source';
    if (isMulticast(v)) return 'a multicast address cannot be a source';
    if (isLimitedBroadcast(v)) return 'the broadcast address cannot be a source';
    if (isReservedClassE(v)) return 'a reserved 240.0.0.0/4 address cannot be a source';
    return undefined;
  }
  if (isThisNetwork(v)) return 'a 0.0.0.0/8 address cannot be a destination';
  if (isReservedClassE(v)) return 'a reserved 240.0.0.0/4 address cannot be a destination';
  return undefined;
}
