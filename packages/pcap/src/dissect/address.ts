import { be32 } from '../bytes.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Addresses repeat packet after packet: a bounded cache of their text saves building (and
 * then collecting) the same strings at every packet. Cleared when full, so a capture with
 * millions of hosts costs at most LIMIT entries.
 */
class AddressTextCache {
  private readonly map = new Map<number, string>();
  constructor(private readonly limit: number) {}

  get(key: number): string | undefined {
    return this.map.get(key);
  }

  set(key: number, text: string): string {
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(key, text);
    return text;
  }
}

const macTexts = new AddressTextCache(4096);
const ipv4Texts = new AddressTextCache(65536);

/** `aa:bb:cc:dd:ee:ff` for a 6-byte MAC (or any short link address). */
export function formatMac(d: Uint8Array, start: number, length = 6): string {
  if (length === 6 && start + 6 <= d.length) {
    // 48 bits fit a double exactly.
    const key = (((d[start] as number) << 8) | (d[start + 1] as number)) * 4294967296 + be32(d, start + 2);
    return macTexts.get(key) ?? macTexts.set(key, buildMac(d, start, 6));
  }
  return buildMac(d, start, length);
}

function buildMac(d: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += (i ? ':' : '') + (HEX[d[start + i] ?? 0] ?? '00');
  return s;
}

export function formatIpv4(d: Uint8Array, start: number): string {
  if (start + 4 > d.length) return buildIpv4(d, start);
  const key = be32(d, start);
  return ipv4Texts.get(key) ?? ipv4Texts.set(key, buildIpv4(d, start));
}

function buildIpv4(d: Uint8Array, start: number): string {
  return `${d[start] ?? 0}.${d[start + 1] ?? 0}.${d[start + 2] ?? 0}.${d[start + 3] ?? 0}`;
}

/**
 * RFC 5952 text form (as tshark prints it): lowercase, no leading zeros, the longest run of
 * two or more zero groups (the first one on ties) written as `::`.
 */
export function formatIpv6(d: Uint8Array, start: number): string {
  const groups: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = ((d[start + 2 * i] ?? 0) << 8) | (d[start + 2 * i + 1] ?? 0);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const head = groups
    .slice(0, bestStart)
    .map((g) => g.toString(16))
    .join(':');
  const tail = groups
    .slice(bestStart + bestLen)
    .map((g) => g.toString(16))
    .join(':');
  return `${head}::${tail}`;
}

/** Parses `aa:bb:cc:dd:ee:ff` (or `-` separated); undefined when it is not a MAC. */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return undefined;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}
