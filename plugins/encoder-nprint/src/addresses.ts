import { createRng, type Rng } from '@netsynth/core';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './address-text.js';
import { readBitsUint, writeByteBits } from './bits.js';
import type { NprintLayout } from './layout.js';

/** The two endpoints of a sample: `a` sends its first packet, `b` answers. */
export interface AddressPair {
  a: string;
  b: string;
}

export interface AddressFillOptions {
  ipv4?: AddressPair;
  ipv6?: AddressPair;
  /** Seed for the addresses not given (10.0.0.0/8 for IPv4, one fd00::/8 /64 for IPv6). */
  seed?: number;
}

interface ResolvedPair {
  a: Uint8Array;
  b: Uint8Array;
}

function randomIpv4Pair(rng: Rng): ResolvedPair {
  const one = (): Uint8Array => Uint8Array.of(10, rng.int(256), rng.int(256), 1 + rng.int(254));
  const a = one();
  let b = one();
  while (formatIpv4(b) === formatIpv4(a)) b = one();
  return { a, b };
}

function randomIpv6Pair(rng: Rng): ResolvedPair {
  const prefix = Uint8Array.of(0xfd, rng.int(256), rng.int(256), rng.int(256), rng.int(256), rng.int(256), rng.int(256), rng.int(256));
  const one = (): Uint8Array => {
    const x = new Uint8Array(16);
    x.set(prefix);
    for (let i = 8; i < 16; i++) x[i] = rng.int(256);
    return x;
  };
  const a = one();
  let b = one();
  while (formatIpv6(b) === formatIpv6(a)) b = one();
  return { a, b };
}

/**
 * Fills the address columns of rows whose table had none (NetDiffusion's image drops
 * them). The pair comes from the options or, per family, from a seeded draw. Direction
 * per row: the first row with ports fixes (port of a, port of b); a later row whose
 * ports are that pair swapped goes b→a, every other row a→b. ICMP echo replies (type 0)
 * go b→a. Addresses are written as given: the IPv4 header checksum is left as the bits
 * say (a ruleset recomputes it).
 */
export class AddressFiller {
  private readonly v4: ResolvedPair;
  private readonly v6: ResolvedPair;
  private firstPorts: [number, number] | null = null;

  constructor(options: AddressFillOptions = {}) {
    const rng = createRng(options.seed ?? 0);
    const v4Rng = rng.fork('ipv4');
    const v6Rng = rng.fork('ipv6');
    this.v4 = options.ipv4 ? { a: parseIpv4(options.ipv4.a), b: parseIpv4(options.ipv4.b) } : randomIpv4Pair(v4Rng);
    this.v6 = options.ipv6 ? { a: parseIpv6(options.ipv6.a), b: parseIpv6(options.ipv6.b) } : randomIpv6Pair(v6Rng);
  }

  /** The addresses used, as text. */
  pairs(): { ipv4: AddressPair; ipv6: AddressPair } {
    return {
      ipv4: { a: formatIpv4(this.v4.a), b: formatIpv4(this.v4.b) },
      ipv6: { a: formatIpv6(this.v6.a), b: formatIpv6(this.v6.b) },
    };
  }

  /** Direction of a full layout row (0: a→b, 1: b→a), updating the port memory. */
  direction(row: Int8Array, layout: NprintLayout): 0 | 1 {
    for (const key of ['tcp', 'udp'] as const) {
      const block = layout.block(key);
      if (!block || row[block.start] === -1) continue;
      let known = true;
      for (let i = 0; i < 32; i++) if (row[block.start + i] === -1) known = false;
      if (!known) continue;
      const sport = readBitsUint(row, block.start, 16);
      const dport = readBitsUint(row, block.start + 16, 16);
      if (!this.firstPorts) {
        this.firstPorts = [sport, dport];
        return 0;
      }
      const [pa, pb] = this.firstPorts;
      return sport === pb && dport === pa && pa !== pb ? 1 : 0;
    }
    const icmp = layout.block('icmp');
    if (icmp && row[icmp.start] !== -1) {
      let known = true;
      for (let i = 0; i < 8; i++) if (row[icmp.start + i] === -1) known = false;
      if (known && readBitsUint(row, icmp.start, 8) === 0) return 1;
    }
    return 0;
  }

  /** Writes src/dst into the row's IPv4 or IPv6 block when that header has bits. */
  fill(row: Int8Array, layout: NprintLayout): void {
    const dir = this.direction(row, layout);
    const b4 = layout.block('ipv4');
    if (b4 && row[b4.start] !== -1) {
      const [src, dst] = dir === 0 ? [this.v4.a, this.v4.b] : [this.v4.b, this.v4.a];
      writeByteBits(src, 0, 4, row, b4.start + 96);
      writeByteBits(dst, 0, 4, row, b4.start + 128);
      return;
    }
    const b6 = layout.block('ipv6');
    if (b6 && row[b6.start] !== -1) {
      const [src, dst] = dir === 0 ? [this.v6.a, this.v6.b] : [this.v6.b, this.v6.a];
      writeByteBits(src, 0, 16, row, b6.start + 64);
      writeByteBits(dst, 0, 16, row, b6.start + 192);
    }
  }
}
