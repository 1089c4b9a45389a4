import { InvalidArgumentError } from '@netsynth/core';

/**
 * The nPrint column layout. Every header is a fixed-width block of bit columns; the
 * blocks always come in nprint's order (IPv4, IPv6, TCP, UDP, ICMP, payload) and a block
 * is present only when its header was chosen (`nprint -4 -6 -t -u -i -p N`).
 */
export type HeaderKey = 'ipv4' | 'ipv6' | 'tcp' | 'udp' | 'icmp' | 'payload';

export interface FieldSpec {
  /** Column-name stem, e.g. `ipv4_ttl`; columns are `<stem>_0 … <stem>_<bits-1>`. */
  name: string;
  bits: number;
}

/** Which headers a layout holds (the nprint flags). */
export interface HeaderSelection {
  ipv4: boolean;
  ipv6: boolean;
  tcp: boolean;
  udp: boolean;
  icmp: boolean;
  /** Payload bytes kept per packet (`-p N`); 0 for none. */
  payloadBytes: number;
}

export interface LayoutBlock {
  key: HeaderKey;
  /** First column of the block in the bit-column list. */
  start: number;
  /** Width in bits (always a whole number of bytes). */
  bits: number;
  fields: readonly FieldSpec[];
}

export interface NprintLayout {
  selection: HeaderSelection;
  blocks: readonly LayoutBlock[];
  /** Bit-column names, in order (the CSV header after the index column). */
  columns: readonly string[];
  /** Indices (into `columns`) of the ipv4_src/dst and ipv6_src/dst columns. */
  addressColumns: readonly number[];
  block(key: HeaderKey): LayoutBlock | undefined;
}

const f = (name: string, bits: number): FieldSpec => ({ name, bits });

/** Field widths as nprint v1.2.1 declares them (see ../shared/specs/nprint.md). */
export const HEADER_FIELDS: Readonly<Record<Exclude<HeaderKey, 'payload'>, readonly FieldSpec[]>> = {
  ipv4: [
    f('ipv4_ver', 4),
    f('ipv4_hl', 4),
    f('ipv4_tos', 8),
    f('ipv4_tl', 16),
    f('ipv4_id', 16),
    f('ipv4_rbit', 1),
    f('ipv4_dfbit', 1),
    f('ipv4_mfbit', 1),
    f('ipv4_foff', 13),
    f('ipv4_ttl', 8),
    f('ipv4_proto', 8),
    f('ipv4_cksum', 16),
    f('ipv4_src', 32),
    f('ipv4_dst', 32),
    f('ipv4_opt', 320),
  ],
  ipv6: [f('ipv6_ver', 4), f('ipv6_tc', 8), f('ipv6_fl', 20), f('ipv6_len', 16), f('ipv6_nh', 8), f('ipv6_hl', 8), f('ipv6_src', 128), f('ipv6_dst', 128)],
  tcp: [
    f('tcp_sprt', 16),
    f('tcp_dprt', 16),
    f('tcp_seq', 32),
    f('tcp_ackn', 32),
    f('tcp_doff', 4),
    f('tcp_res', 3),
    f('tcp_ns', 1),
    f('tcp_cwr', 1),
    f('tcp_ece', 1),
    f('tcp_urg', 1),
    f('tcp_ackf', 1),
    f('tcp_psh', 1),
    f('tcp_rst', 1),
    f('tcp_syn', 1),
    f('tcp_fin', 1),
    f('tcp_wsize', 16),
    f('tcp_cksum', 16),
    f('tcp_urp', 16),
    f('tcp_opt', 320),
  ],
  udp: [f('udp_sport', 16), f('udp_dport', 16), f('udp_len', 16), f('udp_cksum', 16)],
  icmp: [f('icmp_type', 8), f('icmp_code', 8), f('icmp_cksum', 16), f('icmp_roh', 32)],
};

/** Bytes each header block spans: its longest form (IPv4/TCP with 40 option bytes). */
export const HEADER_BLOCK_BYTES: Readonly<Record<Exclude<HeaderKey, 'payload'>, number>> = {
  ipv4: 60,
  ipv6: 40,
  tcp: 60,
  udp: 8,
  icmp: 8,
};

const ORDER: readonly Exclude<HeaderKey, 'payload'>[] = ['ipv4', 'ipv6', 'tcp', 'udp', 'icmp'];
const ADDRESS_STEMS = new Set(['ipv4_src', 'ipv4_dst', 'ipv6_src', 'ipv6_dst']);

/** NetDiffusion's choice: `nprint -4 -i -6 -t -u -p 0`. */
export const NETDIFFUSION_SELECTION: Readonly<HeaderSelection> = Object.freeze({
  ipv4: true,
  ipv6: true,
  tcp: true,
  udp: true,
  icmp: true,
  payloadBytes: 0,
});

/** Largest payload a row can carry: more than any IP packet on an Ethernet-sized MTU needs. */
export const MAX_PAYLOAD_BYTES = 65535;

export function buildLayout(selection: HeaderSelection = NETDIFFUSION_SELECTION): NprintLayout {
  if (!Number.isInteger(selection.payloadBytes) || selection.payloadBytes < 0 || selection.payloadBytes > MAX_PAYLOAD_BYTES) {
    throw new InvalidArgumentError(`payloadBytes must be an integer in 0..${MAX_PAYLOAD_BYTES}, got ${selection.payloadBytes}`);
  }
  const blocks: LayoutBlock[] = [];
  const columns: string[] = [];
  const addressColumns: number[] = [];
  const add = (key: HeaderKey, fields: readonly FieldSpec[]): void => {
    const start = columns.length;
    for (const field of fields) {
      const isAddress = ADDRESS_STEMS.has(field.name);
      for (let i = 0; i < field.bits; i++) {
        if (isAddress) addressColumns.push(columns.length);
        columns.push(`${field.name}_${i}`);
      }
    }
    blocks.push({ key, start, bits: columns.length - start, fields });
  };
  for (const key of ORDER) if (selection[key]) add(key, HEADER_FIELDS[key]);
  if (selection.payloadBytes > 0) add('payload', [f('payload_bit', selection.payloadBytes * 8)]);
  const byKey = new Map(blocks.map((b) => [b.key, b] as const));
  return Object.freeze({
    selection: Object.freeze({ ...selection }),
    blocks: Object.freeze(blocks),
    columns: Object.freeze(columns),
    addressColumns: Object.freeze(addressColumns),
    block: (key: HeaderKey) => byKey.get(key),
  });
}

/** The layout of NetDiffusion's CSV files: 1408 bit columns. */
export const NETDIFFUSION_LAYOUT: NprintLayout = buildLayout(NETDIFFUSION_SELECTION);

/** Bit-column names of NetDiffusion's CSV (after `src_ip`), in order. */
export const NPRINT_COLUMNS: readonly string[] = NETDIFFUSION_LAYOUT.columns;

/** nprint's default index column: the packet's source address as text. */
export const NPRINT_INDEX_COLUMN = 'src_ip';

/** Columns of a layout that are not addresses (what NetDiffusion's image keeps), as indices. */
export function nonAddressColumns(layout: NprintLayout): number[] {
  const drop = new Set(layout.addressColumns);
  const keep: number[] = [];
  for (let i = 0; i < layout.columns.length; i++) if (!drop.has(i)) keep.push(i);
  return keep;
}

/** The 1088 columns of NetDiffusion's image, in order. */
export const NETDIFFUSION_IMAGE_COLUMNS: readonly string[] = Object.freeze(
  nonAddressColumns(NETDIFFUSION_LAYOUT).map((i) => NETDIFFUSION_LAYOUT.columns[i] as string),
);

const BIT_COLUMN_RE = /^(ipv4|ipv6|tcp|udp|icmp)_([a-z]+)_(\d+)$|^payload_bit_(\d+)$/;

/** True when `name` is an nPrint bit-column name of a known header. */
export function isBitColumnName(name: string): boolean {
  const m = BIT_COLUMN_RE.exec(name);
  if (!m) return false;
  if (m[4] !== undefined) return true;
  const key = m[1] as Exclude<HeaderKey, 'payload'>;
  const field = HEADER_FIELDS[key].find((x) => x.name === `${key}_${m[2]}`);
  return field !== undefined && Number(m[3]) < field.bits;
}

/**
 * The smallest layout holding every named column: a header is selected when any of its
 * columns appears; the payload width is the largest payload bit named, rounded up to bytes.
 */
export function selectionForColumns(names: readonly string[]): HeaderSelection {
  const sel: HeaderSelection = { ipv4: false, ipv6: false, tcp: false, udp: false, icmp: false, payloadBytes: 0 };
  for (const name of names) {
    const m = BIT_COLUMN_RE.exec(name);
    if (!m) continue;
    if (m[4] !== undefined) sel.payloadBytes = Math.max(sel.payloadBytes, Math.floor(Number(m[4]) / 8) + 1);
    else sel[m[1] as Exclude<HeaderKey, 'payload'>] = true;
  }
  return sel;
}
