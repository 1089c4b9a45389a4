/** Link-layer header types (tcpdump.org LINKTYPE_* values) that netsynth understands. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW_BSD: 12,
  RAW_OPENBSD: 14,
  RAW: 101,
  LINUX_SLL: 113,
  LOOP: 108,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
export type KnownLinkType = (typeof LinkType)[keyof typeof LinkType];

/** One captured frame as it sits in the capture file. */
export interface Packet {
  /** Nanoseconds since the Unix epoch (bigint: ns timestamps exceed 2^53). */
  timestampNs: bigint;
  /** Bytes present in `data` (the capture's snap length may have cut the frame). */
  capturedLength: number;
  /** Length of the frame on the wire. */
  originalLength: number;
  linkType: number;
  data: Uint8Array;
  /** pcapng interface index; 0 for classic pcap. */
  interfaceId?: number;
}

export function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6 + Number(ns % 1000n) / 1e9;
}

export function secondsToNs(seconds: number): bigint {
  const whole = Math.floor(seconds);
  return BigInt(whole) * 1_000_000_000n + BigInt(Math.round((seconds - whole) * 1e9));
}
