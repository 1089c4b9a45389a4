/** ICMP and ICMPv6 message types and their codes (IANA registries). */

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** ICMPv4 type → allowed codes, current types. */
export const ICMP_CODES: ReadonlyMap<number, readonly number[]> = new Map([
  [0, [0]], // echo reply
  [3, range(0, 15)], // destination unreachable
  [5, range(0, 3)], // redirect
  [8, [0]], // echo request
  [9, [0, 16]], // router advertisement
  [10, [0]], // router solicitation
  [11, [0, 1]], // time exceeded
  [12, [0, 1, 2]], // parameter problem
  [13, [0]], // timestamp
  [14, [0]], // timestamp reply
  [40, range(0, 5)], // photuris
  [42, [0]], // extended echo request (RFC 8335)
  [43, range(0, 4)], // extended echo reply
]);

/** Types RFC 6918 deprecated. */
export const ICMP_DEPRECATED_CODES: ReadonlyMap<number, readonly number[]> = new Map([
  [4, [0]], // source quench
  [6, [0]], // alternate host address
  [15, [0]], // information request
  [16, [0]], // information reply
  [17, [0]], // address mask request
  [18, [0]], // address mask reply
  [30, [0]], // traceroute
]);

/** Error messages, which quote the datagram that caused them. */
export const ICMP_ERROR_TYPES: ReadonlySet<number> = new Set([3, 4, 5, 11, 12]);

/** Exact message sizes of fixed-size types (header included). */
export const ICMP_FIXED_SIZES: ReadonlyMap<number, number> = new Map([
  [13, 20],
  [14, 20],
  [17, 12],
  [18, 12],
]);

/** ICMPv6 type → allowed codes (undefined when every code is allowed). */
export const ICMPV6_CODES: ReadonlyMap<number, readonly number[] | undefined> = new Map<number, readonly number[] | undefined>([
  [1, range(0, 8)],
  [2, [0]],
  [3, [0, 1]],
  [4, range(0, 4)],
  [100, undefined],
  [101, undefined],
  [128, [0]],
  [129, [0]],
  ...range(130, 137).map((t): [number, readonly number[]] => [t, [0]]),
  [138, [0, 1, 255]],
  [139, [0, 1, 2]],
  [140, [0, 1, 2]],
  ...range(141, 161).map((t): [number, undefined] => [t, undefined]),
  [200, undefined],
  [201, undefined],
]);

export const ECHO_REQUEST = 8;
export const ECHO_REPLY = 0;
