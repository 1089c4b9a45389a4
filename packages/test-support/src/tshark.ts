/**
 * Packet-by-packet comparison with tshark, shared by the tests that check a dissection against
 * it (@netsynth/pcap's `dissect()`, and `netsynth inspect --json --packets` in test/). Both
 * sides are plain records, so this package needs no netsynth package: each test turns its own
 * dissection into a {@link PacketFields}.
 */
import { execFile } from 'node:child_process';

/** The tshark fields compared, one column each of `tshark -T fields`. */
export const TSHARK_FIELDS = [
  'ip.src',
  'ip.dst',
  'ip.proto',
  'ip.len',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.nxt',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
] as const;
export type TsharkField = (typeof TSHARK_FIELDS)[number];
/** One packet as tshark prints it: each field's first occurrence, '' where absent. */
export type TsharkRow = Record<TsharkField, string>;

/** What tshark printed for a capture, and how it exited. */
export interface TsharkRun {
  /** One row per packet, in capture order. */
  rows: TsharkRow[];
  /** tshark's exit status; non-zero with rows when it stopped part-way (e.g. a cut-short file). */
  exitCode: number;
}

/**
 * Runs tshark once over `file` and parses its {@link TSHARK_FIELDS}: one line per packet,
 * tab-separated, first occurrence of each field, absolute TCP sequence numbers. `undefined`
 * when tshark printed nothing (it cannot read the file, or did not start): out of scope.
 */
export function tsharkFields(file: string): Promise<TsharkRun | undefined> {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f'];
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  // Per-packet view: no reassembly, so fragment and segment fields stay on their own frame.
  args.push('-o', 'tcp.relative_sequence_numbers:FALSE', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE');
  return new Promise((resolve) => {
    execFile('tshark', args, { maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' }, (error, stdout) => {
      const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      if (exitCode !== 0 && stdout === '') return resolve(undefined);
      const rows = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const cols = line.split('\t');
          return Object.fromEntries(TSHARK_FIELDS.map((f, i) => [f, cols[i] ?? ''])) as TsharkRow;
        });
      resolve({ rows, exitCode });
    });
  });
}

/**
 * One packet's dissection in the terms compared with tshark (the shape of
 * `netsynth inspect --packets` records, which therefore fit as they are).
 */
export interface PacketFields {
  /**
   * `protocol`: the upper-layer protocol (IPv6: after any extension headers); `nextHeader`:
   * IPv6's fixed-header Next Header (tshark's ipv6.nxt); `totalLength`: IPv4's Total Length
   * (tshark's ip.len, not compared for IPv6).
   */
  ip?: { version: 4 | 6; src: string; dst: string; protocol: number; nextHeader?: number; totalLength?: number };
  /** `flags` is the 12-bit field as tshark's tcp.flags: 3 reserved bits above the 9 flag bits. */
  tcp?: { srcPort: number; dstPort: number; flags: number; seq: number; ack: number };
  udp?: { srcPort: number; dstPort: number };
  /** Present for ICMP and ICMPv6 packets (any content). */
  icmp?: object;
}

const str = (v: number | string | undefined): string => (v === undefined ? '' : String(v));

/** A packet's fields as tshark would print them ('' where the field is absent). */
export function tsharkView(p: PacketFields): TsharkRow {
  const v4 = p.ip?.version === 4 ? p.ip : undefined;
  const v6 = p.ip?.version === 6 ? p.ip : undefined;
  return {
    'ip.src': str(v4?.src),
    'ip.dst': str(v4?.dst),
    'ip.proto': str(v4?.protocol),
    'ip.len': str(v4?.totalLength),
    'ipv6.src': str(v6?.src),
    'ipv6.dst': str(v6?.dst),
    'ipv6.nxt': str(v6?.nextHeader),
    'tcp.srcport': str(p.tcp?.srcPort),
    'tcp.dstport': str(p.tcp?.dstPort),
    'udp.srcport': str(p.udp?.srcPort),
    'udp.dstport': str(p.udp?.dstPort),
    'tcp.flags': p.tcp ? `0x${p.tcp.flags.toString(16).padStart(4, '0')}` : '',
    'tcp.seq_raw': str(p.tcp?.seq),
    'tcp.ack_raw': str(p.tcp?.ack),
  };
}

const TRANSPORT: readonly TsharkField[] = ['tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw'];

/**
 * Whether tshark fills `field` from an inner header a netsynth dissection deliberately stops
 * before: the datagram quoted in an ICMP error and the inner packet of a tunnel (IP-in-IP,
 * 6in4, GRE, ESP, Teredo). With occurrence=f tshark prints that inner value when the outer
 * packet lacks the layer; such fields are compared only where the packet has the layer itself.
 */
export function innerOnly(p: PacketFields, field: TsharkField): boolean {
  const proto = p.ip?.protocol;
  const tunnelled = proto === 4 || proto === 41 || proto === 47 || proto === 50 || (p.udp !== undefined && (p.udp.srcPort === 3544 || p.udp.dstPort === 3544));
  if (!p.icmp && !tunnelled) return false;
  if (TRANSPORT.includes(field)) return !(p.tcp || p.udp) || tunnelled;
  if (p.ip?.version === 4) return field.startsWith('ipv6.');
  if (p.ip?.version === 6) return field.startsWith('ip.');
  return false;
}

/**
 * Accumulates a capture's comparison: {@link add} each dissected packet with tshark's row for
 * it; then `mismatches` (the first `limit`, `frame N field: tshark "x", <label> "y"`) should be
 * empty and `compared` (fields compared) above 0.
 */
export class TsharkComparison {
  compared = 0;
  readonly mismatches: string[] = [];

  /** `label` names our side in mismatch lines. */
  constructor(
    private readonly label: string,
    private readonly limit = 20,
  ) {}

  /** Compares one packet (`frame` 1-based, as tshark's frame.number) field by field. */
  add(frame: number, row: TsharkRow, packet: PacketFields): void {
    const mine = tsharkView(packet);
    for (const f of TSHARK_FIELDS) {
      if (innerOnly(packet, f)) continue;
      this.compared++;
      if (row[f] !== mine[f] && this.mismatches.length < this.limit)
        this.mismatches.push(`frame ${frame} ${f}: tshark "${row[f]}", ${this.label} "${mine[f]}"`);
    }
  }
}
