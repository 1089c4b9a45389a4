/**
 * Rows of generated fields + the flow choice → real packets, built with protocol-rules'
 * builders (checksums right for the packet on the wire). Payload bytes are zeros and are not
 * captured (the frame keeps its wire length, as a capture with a snap length would), except DNS
 * messages, which are written in full. README "What decode builds" lists every value's source.
 */
import { secondsToNs, type DecodeProblem, type Direction, type Packet, type Rng } from '@netsynth/core';
import {
  bitDistance,
  buildIcmpPacket,
  dnsPayload,
  mode,
  nearest,
  newDnsState,
  optionSetKey,
  optionSetOf,
  type DirectionProfile,
  type DnsState,
  type ProtocolProfile,
  buildTcpPacket,
  buildUdpPacket,
  encodeTcpOptions,
  optionsForLayout,
  TCP_FLAG,
  TCPOPT,
  type Ipv4Spec,
  type OptionSpec,
} from '@netsynth/protocol-rules';
import type { FlowChoice } from './choose.js';
import { openingDirections } from './opening.js';
import { snapOptions } from './optionsets.js';
import type { PacketRow } from './rows.js';

export interface BuildOptions {
  client: string;
  server: string;
  startNs: bigint;
  mtu: number;
}

interface Side {
  seq: number;
  ipId: number | undefined;
  synSent: boolean;
  finSent: boolean;
  tsBase: number;
  lastTsval: number;
}

interface FlowState {
  choice: FlowChoice;
  o: BuildOptions;
  rng: Rng;
  sides: [Side, Side];
  icmpSeq: number;
  dns: DnsState | undefined;
}

function side(rng: Rng): Side {
  return { seq: rng.uint32(), ipId: undefined, synSent: false, finSent: false, tsBase: rng.uint32(), lastTsval: 0 };
}

function dirProfile(p: ProtocolProfile | undefined, d: Direction): DirectionProfile | undefined {
  return p?.directions[d];
}

/** The IPv4 fields of a row: TTL and DSCP/ECN snapped to the values the class's stack used in that direction. */
function ipSpec(s: FlowState, row: PacketRow, t: bigint): Ipv4Spec {
  const d = row.direction;
  const dp = dirProfile(s.choice.profile, d);
  const me = s.sides[d];
  // A step of 0 would repeat the previous datagram's identification (ambiguous reassembly): 1 instead.
  const id = me.ipId === undefined ? s.rng.int(65536) : (me.ipId + Math.max(1, row.ipIdStep)) & 0xffff;
  me.ipId = id;
  return {
    src: d === 0 ? s.o.client : s.o.server,
    dst: d === 0 ? s.o.server : s.o.client,
    ttl: Math.min(255, Math.max(1, (dp && nearest(dp.ttl, row.ttl)) ?? row.ttl)),
    tos: (dp && nearest(dp.tos, row.tos)) ?? row.tos,
    dontFragment: row.dontFragment,
    identification: id,
    timestampNs: t,
  };
}

/** Headers only captured: the wire length stays, the zero payload is left out (checksums already cover it). */
function cut(p: Packet, headerBytes: number): Packet {
  if (headerBytes >= p.data.length) return p;
  return { ...p, data: p.data.slice(0, headerBytes), capturedLength: headerBytes };
}

const { FIN, SYN, RST, ACK, URG, ECE, CWR } = TCP_FLAG;

/** Where a TCP segment sits: its index, the flow's length, and whether the flow opens with a handshake. */
interface Position {
  index: number;
  count: number;
  opening: boolean;
  /** Index of each side's last row that carries payload (-1: none): a FIN before it would cut the data. */
  lastData: [number, number];
}

/**
 * The generated flags snapped to the nearest combination (in flipped bits) this class sent in
 * this direction, then made possible here: SYN only in the opening handshake (SYN, SYN-ACK),
 * ACK on everything else, RST only as the last segment, never SYN with FIN or RST or RST with
 * FIN, no FIN after FIN, ECN setup (ECE+CWR together) only on the opening SYN, no URG.
 */
function tcpFlags(s: FlowState, row: PacketRow, at: Position): number {
  const me = s.sides[row.direction];
  let f = snapFlags(s, row);
  f &= ~(URG | SYN);
  if (at.opening && at.index === 0) f = (f & (ECE | CWR)) === (ECE | CWR) ? SYN | ECE | CWR : SYN;
  else if (at.opening && at.index === 1) f = SYN | ACK;
  else f |= ACK;
  if (at.index < at.count - 1 || f & SYN) f &= ~RST;
  if (me.finSent || f & (SYN | RST) || at.index < at.lastData[row.direction]) f &= ~FIN;
  return f;
}

function snapFlags(s: FlowState, row: PacketRow): number {
  const learned = dirProfile(s.choice.profile, row.direction)?.flags;
  return (learned && nearest(learned, row.flags, bitDistance8)) ?? row.flags;
}

/** Whether a TCP flow opens with a handshake: its first generated segment, snapped, is a SYN. */
export function opensWithSyn(s: { choice: FlowChoice }, firstFlags: number | undefined): boolean {
  if (firstFlags === undefined) return false;
  const learned = dirProfile(s.choice.profile, 0)?.flags;
  const f = (learned && nearest(learned, firstFlags, bitDistance8)) ?? firstFlags;
  return (f & SYN) !== 0;
}

const bitDistance8 = (a: number, b: number): number => bitDistance(a, b, 8);

function tcpOptions(s: FlowState, row: PacketRow, syn: boolean, elapsedMs: number): Uint8Array {
  const dp = dirProfile(s.choice.profile, row.direction);
  const synSet = syn && dp ? mode(dp.synOptions) : undefined;
  const present = synSet !== undefined ? optionSetOf(synSet) : snapOptions(row.options, s.choice.optionSets?.[row.direction]);
  if (!syn) present.mss = present.sackOk = present.wscale = false;
  const me = s.sides[row.direction];
  const other = s.sides[row.direction === 0 ? 1 : 0];
  const tsval = (me.tsBase + Math.round(elapsedMs)) >>> 0;
  if (present.timestamps) me.lastTsval = tsval;
  const values = {
    mss: Number((dp && mode(dp.mss)) ?? 1460),
    wscale: Number((dp && mode(dp.wscale)) ?? 7),
    tsval,
    tsecr: syn && row.direction === 0 ? 0 : other.lastTsval,
  };
  const key = optionSetKey(present);
  if (key === '') return new Uint8Array(0);
  const learned = s.choice.profile?.layouts[key];
  const layout = learned && mode(learned);
  if (layout) return optionsForLayout(layout, values);
  // No layout learned for this set: the options in a fixed order, NOP-padded to 32 bits.
  const specs: OptionSpec[] = [];
  if (present.mss) specs.push({ kind: TCPOPT.MSS, data: Uint8Array.of(values.mss >> 8, values.mss & 0xff) });
  if (present.sackOk) specs.push({ kind: TCPOPT.SACK_PERMITTED });
  if (present.timestamps) specs.push({ kind: TCPOPT.NOP }, { kind: TCPOPT.NOP }, { kind: TCPOPT.TIMESTAMP, data: u32pair(values.tsval, values.tsecr) });
  if (present.wscale) specs.push({ kind: TCPOPT.NOP }, { kind: TCPOPT.WSCALE, data: Uint8Array.of(Math.min(14, values.wscale)) });
  return encodeTcpOptions(specs);
}

function u32pair(a: number, b: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, a >>> 0);
  v.setUint32(4, b >>> 0);
  return out;
}

function tcpPacket(s: FlowState, row: PacketRow, t: bigint, elapsedMs: number, at: Position): Packet {
  const d = row.direction;
  const me = s.sides[d];
  const other = s.sides[d === 0 ? 1 : 0];
  const flags = tcpFlags(s, row, at);
  const syn = (flags & TCP_FLAG.SYN) !== 0;
  const options = tcpOptions(s, row, syn, elapsedMs);
  const header = 20 + options.length;
  const empty = syn || (flags & TCP_FLAG.RST) !== 0 || me.finSent;
  const payload = empty ? 0 : Math.max(0, Math.min(row.payloadLength, s.o.mtu - 20 - header));
  const win = dirProfile(s.choice.profile, d)?.window;
  const window = win ? Math.min(win[1], Math.max(win[0], row.window)) : Math.min(65535, row.window);
  const packet = buildTcpPacket({
    ...ipSpec(s, row, t),
    srcPort: d === 0 ? s.choice.clientPort : s.choice.servicePort,
    dstPort: d === 0 ? s.choice.servicePort : s.choice.clientPort,
    seq: me.seq,
    ack: flags & TCP_FLAG.ACK ? other.seq : 0,
    flags,
    window,
    options,
    payload: new Uint8Array(payload),
  });
  me.seq = (me.seq + payload + (syn ? 1 : 0) + (flags & TCP_FLAG.FIN ? 1 : 0)) >>> 0;
  if (syn) me.synSent = true;
  if (flags & TCP_FLAG.FIN) me.finSent = true;
  return cut(packet, 20 + header);
}

function udpPacket(s: FlowState, row: PacketRow, t: bigint): Packet {
  const d = row.direction;
  const dns = s.dns && dnsPayload(s.dns, d, s.rng);
  const size = Math.max(0, Math.min(row.payloadLength, s.o.mtu - 28));
  const packet = buildUdpPacket({
    ...ipSpec(s, row, t),
    srcPort: d === 0 ? s.choice.clientPort : s.choice.servicePort,
    dstPort: d === 0 ? s.choice.servicePort : s.choice.clientPort,
    payload: dns ?? new Uint8Array(size),
  });
  return dns ? packet : cut(packet, 28);
}

/** ICMP echo: the identifier is the flow's port; a request takes the next sequence number, a reply echoes the last. */
function icmpPacket(s: FlowState, row: PacketRow, t: bigint): Packet {
  const d = row.direction;
  const learned = dirProfile(s.choice.profile, d)?.icmpType;
  let type = learned ? (nearest(learned, row.icmpType) ?? row.icmpType) : row.icmpType;
  if (type !== 0 && type !== 8) type = d === 0 ? 8 : 0;
  if (type === 8) s.icmpSeq = (s.icmpSeq + 1) & 0xffff;
  const size = Math.max(0, Math.min(row.payloadLength, s.o.mtu - 28));
  const packet = buildIcmpPacket({
    ...ipSpec(s, row, t),
    type,
    code: 0,
    rest: (((s.choice.clientPort & 0xffff) << 16) | s.icmpSeq) >>> 0,
    payload: new Uint8Array(size),
  });
  return cut(packet, 28);
}

/**
 * Directions as a flow needs them (opening.ts): the encoder already turned these positions
 * before reading the rows; this keeps rows from elsewhere (tests, other callers) valid too.
 */
function shapeRows(rows: readonly PacketRow[], opening: boolean): PacketRow[] {
  const forced = openingDirections(opening);
  return rows.map((r, i) => (forced[i] !== undefined && r.direction !== forced[i] ? { ...r, direction: forced[i] as Direction } : r));
}

/** The packets of one decoded flow. */
export function buildFlow(
  generated: readonly PacketRow[],
  choice: FlowChoice,
  o: BuildOptions,
  rng: Rng,
  problems: DecodeProblem[],
): { packets: Packet[]; directions: Direction[] } {
  const s: FlowState = {
    choice,
    o,
    rng,
    sides: [side(rng), side(rng)],
    icmpSeq: rng.int(1000),
    dns: choice.profile?.dns ? newDnsState(choice.profile.dns) : undefined,
  };
  if (choice.protocol !== 6 && choice.protocol !== 17 && choice.protocol !== 1)
    problems.push({ message: `protocol ${choice.protocol} has no builder: decoded as UDP` });
  const opening = choice.protocol === 6 && opensWithSyn(s, generated[0]?.flags);
  const rows = shapeRows(generated, opening);
  const lastData: [number, number] = [-1, -1];
  rows.forEach((r, i) => {
    if (r.payloadLength > 0) lastData[r.direction] = i;
  });
  const packets: Packet[] = [];
  let t = o.startNs;
  let elapsed = 0;
  rows.forEach((row, i) => {
    if (i > 0) {
      t += secondsToNs(row.iat);
      elapsed += row.iat * 1000;
    }
    if (choice.protocol === 6) packets.push(tcpPacket(s, row, t, elapsed, { index: i, count: rows.length, opening, lastData }));
    else if (choice.protocol === 1) packets.push(icmpPacket(s, row, t));
    else packets.push(udpPacket(s, row, t));
  });
  return { packets, directions: rows.map((r) => r.direction) };
}
