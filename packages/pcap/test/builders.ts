/**
 * Builders for tiny synthetic packets and capture files, written from the format
 * specifications independently of the code under test (no checksum helpers from src/).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concat } from '@netsynth/test-support';

export { concat };

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function u16(v: number): Uint8Array {
  return bytes((v >> 8) & 0xff, v & 0xff);
}

function u32(v: number): Uint8Array {
  return bytes((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function v4(addr: string): Uint8Array {
  return Uint8Array.from(addr.split('.').map(Number));
}

export function v6(addr: string): Uint8Array {
  const [head = '', tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

/** Reference RFC 1071 checksum, deliberately naive. */
export function refChecksum(data: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i += 2) sum += ((data[i] ?? 0) << 8) + (data[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

export interface Ipv4Spec {
  src?: string;
  dst?: string;
  protocol: number;
  payload: Uint8Array;
  options?: Uint8Array;
  id?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes (multiple of 8). */
  fragmentOffset?: number;
  ttl?: number;
  /** Override the total length field. */
  totalLength?: number;
  /** Fill transport checksum (TCP/UDP/ICMP) from the pseudo-header; default true. */
  transportChecksum?: boolean;
}

export function ipv4(s: Ipv4Spec): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const src = v4(s.src ?? '10.0.0.1');
  const dst = v4(s.dst ?? '10.0.0.2');
  const payload = s.payload.slice();
  if (s.transportChecksum !== false) fillTransportChecksum(s.protocol, payload, concat(src, dst, bytes(0, s.protocol), u16(payload.length)));
  const frag = (s.dontFragment ? 0x4000 : 0) | (s.moreFragments ? 0x2000 : 0) | ((s.fragmentOffset ?? 0) / 8);
  const header = concat(
    bytes(0x40 | (hl / 4), 0),
    u16(s.totalLength ?? hl + payload.length),
    u16(s.id ?? 0x1234),
    u16(frag),
    bytes(s.ttl ?? 64, s.protocol),
    u16(0),
    src,
    dst,
    opts,
  );
  const c = refChecksum(header);
  header[10] = c >> 8;
  header[11] = c & 0xff;
  return concat(header, payload);
}

function fillTransportChecksum(protocol: number, payload: Uint8Array, pseudo: Uint8Array): void {
  const field = protocol === 6 ? 16 : protocol === 17 ? 6 : protocol === 1 || protocol === 58 ? 2 : -1;
  if (field < 0 || payload.length < field + 2) return;
  payload[field] = 0;
  payload[field + 1] = 0;
  let c = refChecksum(protocol === 1 ? payload : concat(pseudo, payload));
  if (protocol === 17 && c === 0) c = 0xffff;
  payload[field] = c >> 8;
  payload[field + 1] = c & 0xff;
}

export interface Ipv6Spec {
  src?: string;
  dst?: string;
  /** Upper-layer protocol. */
  protocol: number;
  payload: Uint8Array;
  /** Extension headers in order: type and the bytes after its next-header byte. */
  extensions?: { type: number; body: Uint8Array }[];
  transportChecksum?: boolean;
}

/** An extension header body padded for the (len+1)*8 rule (hop-by-hop, routing, dest opts). */
export function extBody(length8: number): Uint8Array {
  const body = new Uint8Array(length8 * 8 - 1);
  body[0] = length8 - 1;
  return body;
}

export function fragmentExt(offsetBytes: number, more: boolean, id: number): Uint8Array {
  return concat(bytes(0), u16(offsetBytes | (more ? 1 : 0)), u32(id));
}

export function ipv6(s: Ipv6Spec): Uint8Array {
  const src = v6(s.src ?? '2001:db8::1');
  const dst = v6(s.dst ?? '2001:db8::2');
  const payload = s.payload.slice();
  if (s.transportChecksum !== false) fillTransportChecksum(s.protocol, payload, concat(src, dst, u32(payload.length), bytes(0, 0, 0, s.protocol)));
  const exts = s.extensions ?? [];
  const chain: Uint8Array[] = [];
  exts.forEach((e, i) => chain.push(concat(bytes(exts[i + 1]?.type ?? s.protocol), e.body)));
  const extBytes = concat(...chain);
  const first = exts[0]?.type ?? s.protocol;
  return concat(bytes(0x60, 0, 0, 0), u16(extBytes.length + payload.length), bytes(first, 64), src, dst, extBytes, payload);
}

export interface TcpSpec {
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  /** 9 flag bits (NS = 0x100). */
  flags?: number;
  window?: number;
  options?: Uint8Array;
  payload?: Uint8Array;
}

export function tcp(s: TcpSpec = {}): Uint8Array {
  const opts = s.options ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const flags = s.flags ?? 0x18;
  return concat(
    u16(s.srcPort ?? 40000),
    u16(s.dstPort ?? 80),
    u32(s.seq ?? 1000),
    u32(s.ack ?? 2000),
    bytes(((hl / 4) << 4) | ((flags >> 8) & 1), flags & 0xff),
    u16(s.window ?? 65535),
    u16(0),
    u16(0),
    opts,
    s.payload ?? new Uint8Array(0),
  );
}

export function udp(srcPort: number, dstPort: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(u16(srcPort), u16(dstPort), u16(8 + payload.length), u16(0), payload);
}

export function icmp(type: number, code: number, rest: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(bytes(type, code, 0, 0), u32(rest), payload);
}

export function ethernet(etherType: number, payload: Uint8Array, vlans: { tpid: number; vid: number }[] = []): Uint8Array {
  const tags = vlans.map((v) => concat(u16(v.tpid), u16(v.vid)));
  return concat(bytes(0x02, 0, 0, 0, 0, 0xbb), bytes(0x02, 0, 0, 0, 0, 0xaa), ...tags.flatMap((t) => [t]), u16(etherType), payload);
}

export function sll(protocol: number, payload: Uint8Array): Uint8Array {
  return concat(u16(0), u16(1), u16(6), bytes(0x02, 0, 0, 0, 0, 0xaa, 0, 0), u16(protocol), payload);
}

export function sll2(protocol: number, payload: Uint8Array): Uint8Array {
  return concat(u16(protocol), u16(0), u32(3), u16(1), bytes(4, 6), bytes(0x02, 0, 0, 0, 0, 0xaa, 0, 0), payload);
}

export function nullLoop(family: number, littleEndian: boolean, payload: Uint8Array): Uint8Array {
  const f = littleEndian ? bytes(family & 0xff, (family >> 8) & 0xff, 0, 0) : u32(family);
  return concat(f, payload);
}

// ---- capture files ----

export interface PcapRecord {
  sec: number;
  /** µs or ns depending on the file. */
  frac: number;
  data: Uint8Array;
  originalLength?: number;
  /** Override incl_len (to build broken files). */
  capturedLength?: number;
}

export interface PcapSpec {
  littleEndian?: boolean;
  nanosecond?: boolean;
  linkType: number;
  snapLength?: number;
  records: PcapRecord[];
}

export function pcapFile(s: PcapSpec): Uint8Array {
  const le = s.littleEndian ?? true;
  const w32 = (v: number): Uint8Array => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, le);
    return b;
  };
  const w16 = (v: number): Uint8Array => {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, le);
    return b;
  };
  const parts = [w32(s.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4), w16(2), w16(4), w32(0), w32(0), w32(s.snapLength ?? 65535), w32(s.linkType)];
  for (const r of s.records) {
    parts.push(w32(r.sec), w32(r.frac), w32(r.capturedLength ?? r.data.length), w32(r.originalLength ?? r.data.length), r.data);
  }
  return concat(...parts);
}

export interface IdbSpec {
  linkType: number;
  snapLength?: number;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: bigint;
}

/** Builds a pcapng file block by block, in either byte order. */
export class PcapngBuilder {
  private readonly blocks: Uint8Array[] = [];
  constructor(private readonly littleEndian = true) {}

  private w32(v: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, this.littleEndian);
    return b;
  }

  private w16(v: number): Uint8Array {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, this.littleEndian);
    return b;
  }

  private pad(b: Uint8Array): Uint8Array {
    return concat(b, new Uint8Array((4 - (b.length % 4)) % 4));
  }

  option(code: number, value: Uint8Array): Uint8Array {
    return concat(this.w16(code), this.w16(value.length), this.pad(value));
  }

  block(type: number, body: Uint8Array): this {
    const total = 12 + body.length;
    this.blocks.push(concat(this.w32(type), this.w32(total), body, this.w32(total)));
    return this;
  }

  shb(): this {
    return this.block(0x0a0d0d0a, concat(this.w32(0x1a2b3c4d), this.w16(1), this.w16(0), this.w32(0xffffffff), this.w32(0xffffffff)));
  }

  idb(s: IdbSpec): this {
    const opts: Uint8Array[] = [];
    if (s.tsresol !== undefined) opts.push(this.option(9, bytes(s.tsresol)));
    if (s.tsoffset !== undefined) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, s.tsoffset, this.littleEndian);
      opts.push(this.option(14, b));
    }
    if (opts.length) opts.push(this.option(0, new Uint8Array(0)));
    return this.block(1, concat(this.w16(s.linkType), this.w16(0), this.w32(s.snapLength ?? 0), ...opts));
  }

  epb(iface: number, ticks: bigint, data: Uint8Array, originalLength = data.length): this {
    return this.block(
      6,
      concat(
        this.w32(iface),
        this.w32(Number(ticks >> 32n)),
        this.w32(Number(ticks & 0xffffffffn)),
        this.w32(data.length),
        this.w32(originalLength),
        this.pad(data),
      ),
    );
  }

  opb(iface: number, ticks: bigint, data: Uint8Array, originalLength = data.length): this {
    return this.block(
      2,
      concat(
        this.w16(iface),
        this.w16(0),
        this.w32(Number(ticks >> 32n)),
        this.w32(Number(ticks & 0xffffffffn)),
        this.w32(data.length),
        this.w32(originalLength),
        this.pad(data),
      ),
    );
  }

  spb(data: Uint8Array, originalLength = data.length): this {
    return this.block(3, concat(this.w32(originalLength), this.pad(data)));
  }

  build(): Uint8Array {
    return concat(...this.blocks);
  }
}

/** A temporary directory for one test file; `cleanup` removes it. */
export function tempDir(prefix = 'netsynth-pcap-'): { dir: string; file: (name: string, data?: Uint8Array) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, data) => {
      const p = join(dir, name);
      if (data) writeFileSync(p, data);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
