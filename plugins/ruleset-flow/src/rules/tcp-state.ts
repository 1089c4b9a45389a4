/**
 * The TCP connection state of each sub-flow, walked segment by segment.
 *
 * Checked (tolerant of what real captures show: capture loss, reordering, keep-alives, window
 * probes, zero windows, retransmissions, RST after FIN, one-way captures):
 * - flow.tcp.handshake: a connection that starts with a SYN is answered by a SYN-ACK (or RST)
 *   acknowledging ISN+1 before the initiator sends anything else; no SYN or SYN-ACK inside an
 *   open connection (retransmissions with the same ISN excepted; a SYN after FIN/RST opens a
 *   new connection on the same ports).
 * - flow.tcp.seq: a segment starts no earlier than ISN+1 and at most one receive window before
 *   the direction's next byte (retransmissions, keep-alives), and ends inside the window the
 *   peer advertised (one byte beyond for zero-window probes); gaps inside the window are
 *   capture loss. A mid-stream direction's first segment lies within a window of the peer's
 *   acknowledgement.
 * - flow.tcp.ack: an acknowledgement lies between max(peer's ISN+1, peer's next byte minus
 *   this side's window) and the peer's next byte plus this side's window (data the capture lost).
 * - flow.tcp.close: no new data after the sender's FIN; no data after an RST except the peer's
 *   segments already in flight (rstGraceSeconds).
 * - flow.tcp.ecn / flow.tcp.sack: ECE/CWR only when the handshake negotiated ECN, SACK blocks
 *   only when it negotiated SACK, and SACK blocks inside the peer's sequence space.
 *
 * Repairs: a responder's first segment that is not a SYN-ACK becomes one; an initiator segment
 * sent before the answer is turned around (it is the answer); a SYN inside a connection loses
 * SYN (and its SYN-only options); a sequence number out of range continues the direction's
 * byte count; an acknowledgement out of range acknowledges all the peer sent; a premature FIN
 * or RST is cleared; ECN bits and SACK options that were never negotiated are removed.
 */
import {
  parseTcpOptions,
  sackBlocks,
  seqAdd,
  seqDiff,
  subflowsOf,
  timestampValues,
  TCP,
  TCP_FLAG,
  TCPOPT,
  tcpPayloadLength,
  flagNames,
  Histogram,
  type PacketView,
  type Subflow,
} from '@netsynth/protocol-rules';
import { nsToSeconds } from '@netsynth/core';
import type { FlowContext } from '../context.js';
import type { SampleWalk } from '../walk.js';
import { clearSyn, flipDirection, makeSynAck, setFlags, stripOption } from './tcp-fixes.js';

const { FIN, SYN, RST, ACK, ECE, CWR, NS } = TCP_FLAG;
type Dir = 0 | 1;

interface Side {
  seen: boolean;
  isn?: number;
  first: number;
  nxt: number;
  minAck?: number;
  lastAck?: number;
  /** Latest receive window in bytes (scaled). */
  window?: number;
  /** Right edge of the receive window this side advertised: its latest ack + window. */
  right?: number;
  /** The packet that advertised `right`, and its ack. */
  rightIndex?: number;
  rightAck?: number;
  fin?: number;
  /** Packets of this direction that carried the FIN (the first and its retransmissions). */
  finIndices: number[];
  syn?: { ts: boolean; tsval?: number; sackPerm: boolean; ws?: number; ece: boolean; cwr: boolean; ns: boolean };
}

interface Conn {
  sides: [Side, Side];
  withSyn: boolean;
  initiator: Dir;
  answered: boolean;
  negotiated: boolean;
  ecn: boolean;
  sack: boolean;
  ws: [number, number];
  rst?: { from: Dir; atNs: bigint; index: number; peerNext: number | undefined };
}

const newSide = (): Side => ({ seen: false, first: 0, nxt: 0, finIndices: [] });
const newConn = (withSyn: boolean, initiator: Dir): Conn => ({
  sides: [newSide(), newSide()],
  withSyn,
  initiator,
  answered: false,
  negotiated: false,
  ecn: false,
  sack: false,
  ws: [14, 14],
});

const closed = (c: Conn): boolean => c.rst !== undefined || (c.sides[0].fin !== undefined && c.sides[1].fin !== undefined);
/** Window shift of a direction: negotiated, none when the handshake declined it, the largest when unseen. */
const shiftOf = (c: Conn, d: Dir): number => (c.negotiated ? c.ws[d] : 14);

function dirOf(s: Subflow, v: PacketView): Dir {
  const ip = v.ipv4 ?? v.ipv6;
  return ip?.src === s.a.address && v.tcp?.srcPort === s.a.port ? 0 : 1;
}

function synFacts(v: PacketView): NonNullable<Side['syn']> {
  const t = v.tcp;
  const opts = t ? parseTcpOptions(t.rawOptions).options : [];
  const ws = opts.find((o) => o.kind === TCPOPT.WSCALE && o.length === 3);
  const ts = opts.find((o) => o.kind === TCPOPT.TIMESTAMP && o.length === 10);
  return {
    ts: ts !== undefined,
    ...(ts && { tsval: timestampValues(ts).tsval }),
    sackPerm: opts.some((o) => o.kind === TCPOPT.SACK_PERMITTED),
    ...(ws && { ws: Math.min(14, ws.data[0] ?? 0) }),
    ece: t?.flags.ece ?? false,
    cwr: t?.flags.cwr ?? false,
    ns: t?.flags.ns ?? false,
  };
}

function negotiate(c: Conn): void {
  const syn = c.sides[c.initiator].syn;
  const synAck = c.sides[c.initiator === 0 ? 1 : 0].syn;
  if (!syn || !synAck) return;
  c.negotiated = true;
  // RFC 3168 (ECE+CWR on the SYN, ECE on the SYN-ACK) or AccECN (any of its bits on the SYN-ACK).
  c.ecn = syn.ece && syn.cwr && (synAck.ece || synAck.cwr || synAck.ns);
  c.sack = syn.sackPerm && synAck.sackPerm;
  const both = syn.ws !== undefined && synAck.ws !== undefined;
  c.ws[c.initiator] = both ? (syn.ws ?? 0) : 0;
  c.ws[c.initiator === 0 ? 1 : 0] = both ? (synAck.ws ?? 0) : 0;
}

/** TTL (or hop limit) a given source address uses most in the sample. */
function ttlOf(walk: SampleWalk, address: string): number | undefined {
  const h = new Histogram<number>();
  for (const v of walk.views) {
    if (v.ipv4?.src === address) h.add(v.ipv4.ttl);
    else if (v.ipv6?.src === address) h.add(v.ipv6.hopLimit);
  }
  return h.mode();
}

export function checkTcp(walk: SampleWalk, ctx: FlowContext): void {
  for (const s of subflowsOf(walk.views)) if (s.protocol === 6) walkConnection(walk, ctx, s);
}

/**
 * The segment the walk is at, as it is now: a repair of it re-reads the view and its flags,
 * so each check sees what the checks before it left.
 */
class Segment {
  v: PacketView;
  d: Dir;
  flags: number;
  /** A finding about the acknowledgement of a SYN is not reported twice by the generic ack check. */
  ackJudged = false;

  constructor(
    readonly walk: SampleWalk,
    readonly s: Subflow,
    readonly i: number,
    private readonly k: number,
  ) {
    this.v = walk.view(i);
    this.d = dirOf(s, this.v);
    this.flags = this.v.tcp?.flags.value ?? 0;
  }

  report(rule: string, field: string, message: string): void {
    this.walk.report(rule, field, this.i, message);
  }

  /** Repairs this segment (when the walk repairs) and re-reads it. */
  fix(edit: Parameters<SampleWalk['fix']>[1]): void {
    this.walk.fix(this.i, edit);
    this.v = this.walk.view(this.i);
    this.flags = this.v.tcp?.flags.value ?? this.flags;
  }

  /** Whether a later segment of the sub-flow goes in direction `dir`. */
  later(dir: Dir): boolean {
    return this.s.indices.slice(this.k + 1).some((i) => dirOf(this.s, this.walk.view(i)) === dir);
  }
}

function walkConnection(walk: SampleWalk, ctx: FlowContext, s: Subflow): void {
  const graceNs = BigInt(Math.round(ctx.options.rstGraceSeconds * 1e9));
  const strict = ctx.options.captureLoss === 'reject';
  let conn: Conn | undefined;
  s.indices.forEach((i, k) => {
    const first = walk.view(i).tcp;
    if (!first || first.truncated) return;
    const seg = new Segment(walk, s, i, k);
    const c = connectionOf(seg, conn);
    conn = c;
    checkHandshake(seg, c, ctx);
    const t = seg.v.tcp;
    if (!t) return;
    if (seg.flags & SYN && !(seg.flags & ACK)) c.sides[seg.d].syn = synFacts(seg.v);
    const length = tcpPayloadLength(seg.v);
    checkNegotiated(seg, c);
    const seq = checkSeq(seg, c, seg.v.tcp?.seq ?? t.seq, length, strict, ctx);
    checkAck(seg, c, strict);
    checkClose(seg, c, seq, length, graceNs);
    updateSide(seg, c, seq, length);
  });
}

/** The connection a segment belongs to: the open one, or a new one its SYN opens (after FIN/RST, or mid-stream). */
function connectionOf(seg: Segment, conn: Conn | undefined): Conn {
  const { d, flags } = seg;
  const synOnly = (flags & (SYN | ACK)) === SYN;
  if (!conn) return newConn(synOnly, synOnly ? d : (flags & (SYN | ACK)) === (SYN | ACK) ? ((1 - d) as Dir) : d);
  if (!synOnly) return conn;
  const seq = seg.v.tcp?.seq;
  // A retransmitted SYN reuses the ISN, answered or not.
  const sameIsn = conn.withSyn && d === conn.initiator && conn.sides[d].isn === seq;
  // After FIN/RST, or on a flow captured mid-stream, a SYN opens a new connection on the same ports.
  if (closed(conn) || !conn.withSyn) return newConn(true, d);
  if (!sameIsn) {
    seg.report('flow.tcp.handshake', 'tcp.flags', `SYN (seq ${seq}) inside an open connection`);
    seg.fix((dr) => clearSyn(dr, 'flow.tcp.handshake', 'a SYN inside an open connection is an ordinary segment'));
  }
  return conn;
}

function checkHandshake(seg: Segment, c: Conn, ctx: FlowContext): void {
  if (c.withSyn && !c.answered && !closed(c)) checkAnswer(seg, c, ctx);
  else if ((seg.flags & (SYN | ACK)) === (SYN | ACK) && seg.v.tcp) {
    const side = c.sides[seg.d];
    const retransmit = side.isn === seg.v.tcp.seq;
    const midStreamStart = !c.withSyn && !side.seen;
    if (!retransmit && !midStreamStart) {
      seg.report('flow.tcp.handshake', 'tcp.flags', `SYN-ACK (seq ${seg.v.tcp.seq}) inside an open connection`);
      seg.fix((dr) => clearSyn(dr, 'flow.tcp.handshake', 'a SYN-ACK inside an open connection is an ordinary segment'));
    }
  }
}

/** Before the SYN is answered: the answer comes from the responder, is a SYN-ACK and acknowledges ISN+1. */
function checkAnswer(seg: Segment, c: Conn, ctx: FlowContext): void {
  const { walk, s } = seg;
  // Before the answer the initiator only repeats its SYN (or gives up with RST); anything
  // else from its side — a SYN-ACK above all — is the answer with its direction wrong.
  const synAckFromInitiator = (seg.flags & (SYN | ACK)) === (SYN | ACK);
  if (seg.d === c.initiator && !(seg.flags & RST) && (seg.flags & (SYN | ACK)) !== SYN && (synAckFromInitiator || seg.later(seg.d === 0 ? 1 : 0))) {
    seg.report('flow.tcp.handshake', 'tcp.flags', `${flagNames(seg.flags)} from the initiator before the SYN was answered`);
    const peer = seg.d === 0 ? s.b.address : s.a.address;
    seg.fix((dr) => flipDirection(dr, 'flow.tcp.handshake', 'the answer to the SYN comes from the responder', ttlOf(walk, peer)));
    seg.d = dirOf(s, seg.v);
  }
  if (seg.d === c.initiator || !seg.v.tcp) return;
  const isnI = c.sides[c.initiator].isn;
  const want = isnI === undefined ? undefined : seqAdd(isnI, 1);
  if ((seg.flags & (SYN | ACK)) !== (SYN | ACK) && !(seg.flags & RST)) {
    const flags = seg.flags;
    seg.report('flow.tcp.handshake', 'tcp.flags', `the responder answers the SYN with ${flagNames(flags)}, not SYN-ACK`);
    const synTsval = c.sides[c.initiator].syn?.tsval;
    seg.fix((dr) => makeSynAck(dr, 'flow.tcp.handshake', flags, 'the answer to a SYN is a SYN-ACK', ctx.values, synTsval));
  }
  if (seg.v.tcp && want !== undefined && seg.flags & ACK && seg.v.tcp.ack !== want) {
    seg.report('flow.tcp.handshake', 'tcp.ack', `the answer to the SYN acknowledges ${seg.v.tcp.ack}, not ISN+1 = ${want}`);
    seg.ackJudged = true;
    seg.fix((dr) => dr.set('flow.tcp.handshake', dr.view.tcp?.offset ?? 0, TCP.ack, want, 'a SYN-ACK acknowledges ISN+1'));
  }
  if (seg.flags & SYN) {
    c.answered = true;
    c.sides[seg.d].syn = synFacts(seg.v);
    negotiate(c);
  }
}

/** ECE/CWR only when the handshake negotiated ECN, SACK blocks only when it negotiated SACK. */
function checkNegotiated(seg: Segment, c: Conn): void {
  if (seg.flags & SYN || !c.negotiated) return;
  if (!c.ecn && seg.flags & (ECE | CWR)) {
    const flags = seg.flags;
    seg.report('flow.tcp.ecn', 'tcp.flags', `${flagNames(flags & (ECE | CWR))} but the handshake did not negotiate ECN`);
    seg.fix((dr) => setFlags(dr, 'flow.tcp.ecn', flags & ~(ECE | CWR | NS), 'ECN was not negotiated'));
  }
  if (!c.sack && hasSack(seg.v)) {
    seg.report('flow.tcp.sack', 'tcp.options.sack', 'SACK blocks but the handshake did not negotiate SACK');
    seg.fix((dr) => stripOption(dr, 'flow.tcp.sack', TCPOPT.SACK, 'SACK was not negotiated'));
  }
}

/** The segment's sequence number checked against the direction's byte count and the peer's window; returns it, repaired. */
function checkSeq(seg: Segment, c: Conn, seq: number, length: number, strict: boolean, ctx: FlowContext): number {
  const { walk, flags } = seg;
  const o: Dir = seg.d === 0 ? 1 : 0;
  const me = c.sides[seg.d];
  const peer = c.sides[o];
  if (me.seen) {
    // What is in flight is bounded by the peer's receive window: a segment starts at most
    // that far before the next byte (retransmissions, keep-alives), and past the SYN never
    // before ISN+1 (a SYN retransmission reuses the ISN).
    const floor = seqAdd(me.nxt, -windowCap(c, o));
    const fromIsn = me.isn !== undefined ? seqAdd(me.isn, flags & SYN ? 0 : 1) : undefined;
    const lower = fromIsn !== undefined && seqDiff(floor, fromIsn) > 0 ? fromIsn : floor;
    const right = peer.right;
    // A keep-alive repeats the last byte sent (seq = next - 1, at most one byte): at the ISN
    // on a connection that sent nothing yet (sessionhijacking.pcapng shows two).
    const keepAlive = length <= 1 && seqAdd(seq, 1) === me.nxt;
    const behind = seqDiff(lower, seq) < 0 && !keepAlive;
    // Without an advertised window yet, a jump past the largest window the peer could have.
    const beyond = right !== undefined ? seqDiff(right, seqAdd(seq, length)) > 1 : seqDiff(me.nxt, seqAdd(seq, length)) > windowCap(c, o);
    const gap = strict && seqDiff(me.nxt, seq) > 0;
    if (!behind && !beyond && !gap) return seq;
    const why = behind
      ? `sequence ${seq} lies before ${lower} (${fromIsn !== undefined && lower === fromIsn ? 'ISN+1' : 'a window before the next byte'})`
      : beyond
        ? `segment ${seq}+${length} ends past the window the peer advertised (${right ?? 'none yet'})`
        : `sequence ${seq} skips ${seqDiff(me.nxt, seq)} bytes after ${me.nxt} (no capture loss in a generated sample)`;
    seg.report('flow.tcp.seq', 'tcp.seq', why);
    if (!walk.repairing) return seq;
    const next = fitSegment(walk, c, o, peer, me.nxt, length, lower, ctx);
    seg.fix((dr) => dr.set('flow.tcp.seq', dr.view.tcp?.offset ?? 0, TCP.seq, next, "continues the direction's byte count"));
    return next;
  }
  if (peer.lastAck === undefined) return seq;
  // First segment of a direction the peer already acknowledged into (a flow captured
  // mid-stream): it lies within a window of that acknowledgement.
  const lower = seqAdd(peer.lastAck, -windowCap(c, o));
  const behind = seqDiff(lower, seq) < 0;
  const end = seqAdd(seq, length + (flags & SYN ? 1 : 0));
  const beyond = peer.right !== undefined ? seqDiff(peer.right, end) > 1 : seqDiff(peer.lastAck, end) > windowCap(c, o);
  if (!behind && !beyond) return seq;
  seg.report('flow.tcp.seq', 'tcp.seq', `first segment ${seq}+${length} of this direction lies outside the window the peer acknowledged (${peer.lastAck})`);
  if (!walk.repairing) return seq;
  const next = fitSegment(walk, c, o, peer, peer.lastAck, length + (flags & SYN ? 1 : 0), lower, ctx);
  seg.fix((dr) => dr.set('flow.tcp.seq', dr.view.tcp?.offset ?? 0, TCP.seq, next, "starts where the peer's acknowledgement points"));
  return next;
}

/** The acknowledgement checked against what the peer sent, and recorded. */
function checkAck(seg: Segment, c: Conn, strict: boolean): void {
  if (!(seg.flags & ACK) || !seg.v.tcp) return;
  const { walk, d } = seg;
  const me = c.sides[d];
  const peer = c.sides[d === 0 ? 1 : 0];
  let ack = seg.v.tcp.ack;
  if (peer.seen && !seg.ackJudged) {
    // Beyond the peer's next byte only by what this side's window let it send (capture
    // loss); behind it at most by that window (unacknowledged data), never before ISN+1.
    const allowance = Math.max(65535, me.window ?? 65535);
    const upper = seqAdd(peer.nxt, allowance);
    const floor = seqAdd(peer.nxt, -windowCap(c, d));
    const fromIsn = peer.isn !== undefined ? seqAdd(peer.isn, 1) : undefined;
    const lowerA = fromIsn !== undefined && seqDiff(floor, fromIsn) > 0 ? fromIsn : floor;
    const unseen = strict && seqDiff(peer.nxt, ack) > 0;
    if (seqDiff(upper, ack) > 0 || seqDiff(lowerA, ack) < 0 || unseen) {
      seg.report('flow.tcp.ack', 'tcp.ack', `acknowledgement ${ack} outside what the peer sent (${lowerA}..${peer.nxt})`);
      const next = peer.nxt;
      seg.fix((dr) => dr.set('flow.tcp.ack', dr.view.tcp?.offset ?? 0, TCP.ack, next, 'acknowledges everything the peer sent'));
      if (walk.repairing) ack = next;
    }
    if (hasSack(seg.v)) checkSackBlocks(walk, seg.i, seg.v, lowerA, upper);
  }
  if (me.minAck === undefined || seqDiff(me.minAck, ack) < 0) me.minAck = ack;
  me.lastAck = ack;
  seg.v = walk.view(seg.i);
}

/** No new data after this direction's FIN, none after an RST but the peer's segments in flight: the FIN or RST was premature. */
function checkClose(seg: Segment, c: Conn, seq: number, length: number, graceNs: bigint): void {
  const { walk, d, v } = seg;
  const me = c.sides[d];
  if (me.fin !== undefined && length > 0 && seqDiff(me.fin, seqAdd(seq, length)) > 0) {
    seg.report('flow.tcp.close', 'tcp.flags', `new data after this direction's FIN (seq ${me.fin})`);
    for (const finAt of me.finIndices) {
      walk.fix(finAt, (dr) => {
        const f = dr.view.tcp?.flags.value ?? 0;
        setFlags(dr, 'flow.tcp.close', (f & ~FIN) | ACK, 'the FIN came before the end of the data');
      });
    }
    me.fin = undefined;
    me.finIndices = [];
  }
  if (!c.rst || length === 0) return;
  const inFlight = d !== c.rst.from && v.packet.timestampNs - c.rst.atNs <= graceNs;
  if (inFlight) return;
  seg.report('flow.tcp.close', 'tcp.flags', `data ${nsToSeconds(v.packet.timestampNs - c.rst.atNs).toFixed(6)} s after the connection was reset`);
  const r = c.rst;
  walk.fix(r.index, (dr) => {
    const rt = dr.view.tcp;
    if (!rt) return;
    const f = rt.flags.value;
    setFlags(dr, 'flow.tcp.close', (f & ~RST) | ACK, 'the connection goes on: not reset');
    if (!(f & ACK) && r.peerNext !== undefined) dr.set('flow.tcp.close', rt.offset, TCP.ack, r.peerNext, 'acknowledges what the peer had sent');
  });
  c.rst = undefined;
}

/** The direction's state after the segment as repaired: next byte, ISN, window and its right edge, FIN, RST. */
function updateSide(seg: Segment, c: Conn, seq: number, length: number): void {
  const { walk, i, d } = seg;
  const me = c.sides[d];
  const peer = c.sides[d === 0 ? 1 : 0];
  const fl = walk.view(i).tcp?.flags.value ?? seg.flags;
  const end = seqAdd(seq, length + (fl & SYN ? 1 : 0) + (fl & FIN ? 1 : 0));
  if (!me.seen) {
    me.seen = true;
    me.first = seq;
    me.nxt = end;
  } else if (seqDiff(me.nxt, end) > 0) me.nxt = end;
  if (fl & SYN) me.isn ??= seq;
  const win = walk.view(i).tcp?.window ?? 0;
  me.window = Math.min(WINDOW_CAP, fl & SYN ? win : win * 2 ** shiftOf(c, d));
  // The latest advertisement counts (not the furthest: acks far apart would make "furthest"
  // depend on serial-arithmetic wrap; real captures never need more).
  if (fl & ACK && me.lastAck !== undefined) {
    me.right = seqAdd(me.lastAck, me.window);
    me.rightIndex = i;
    me.rightAck = me.lastAck;
  }
  if (fl & FIN) {
    me.fin ??= seqAdd(seq, length);
    me.finIndices.push(i);
  }
  if (fl & RST && !c.rst) c.rst = { from: d, atNs: seg.v.packet.timestampNs, index: i, peerNext: peer.seen ? peer.nxt : undefined };
}

/**
 * The largest receive window the rules assume (256 MiB; RFC 7323 allows 1 GiB). Every range the
 * walk compares in serial arithmetic then spans well under 2^31, so comparisons never wrap.
 */
const WINDOW_CAP = 2 ** 28;

/** The largest window direction `d` can advertise: 65535 scaled by its shift, capped. */
function windowCap(c: Conn, d: Dir): number {
  return Math.min(WINDOW_CAP, 65535 * 2 ** shiftOf(c, d));
}

/**
 * Where a segment of `length` bytes that must move goes: right after the direction's last byte
 * (`next`) when the peer's window holds it; else the window the peer advertised (on the packet
 * that set its right edge) is widened — to the learned common window when that suffices, else
 * just enough, at most 65535; if even that cannot hold it, the segment becomes a retransmission
 * of the window's last bytes, which always fits.
 */
function fitSegment(walk: SampleWalk, c: Conn, peerDir: Dir, peer: Side, next: number, length: number, lower: number, ctx: FlowContext): number {
  const fits = (start: number): boolean => peer.right === undefined || seqDiff(peer.right, seqAdd(start, length)) <= 1;
  if (fits(next)) return next;
  const at = peer.rightIndex;
  const ack = peer.rightAck;
  if (at !== undefined && ack !== undefined) {
    const pv = walk.view(at);
    const syn = (pv.tcp?.flags.value ?? 0) & SYN;
    const unit = 2 ** (syn ? 0 : shiftOf(c, peerDir));
    const needed = Math.ceil(Math.max(0, seqDiff(ack, seqAdd(next, length))) / unit);
    const learned = ctx.values.hist((p) => (syn ? p.tcpWindow.synack : p.tcpWindow.other)).mode() ?? 65535;
    const win = Math.min(65535, Math.max(needed, learned, pv.tcp?.window ?? 0));
    walk.fix(at, (dr) => dr.set('flow.tcp.seq', dr.view.tcp?.offset ?? 0, TCP.window, win, 'window widened to hold what the peer sends next'));
    peer.right = seqAdd(ack, Math.min(WINDOW_CAP, win * unit));
    if (fits(next)) return next;
  }
  const right = peer.right ?? next;
  const start = seqAdd(right, -length);
  return seqDiff(lower, start) >= 0 ? start : lower;
}

function hasSack(v: PacketView): boolean {
  const t = v.tcp;
  return t !== undefined && t.dataOffset > 5 && parseTcpOptions(t.rawOptions).options.some((o) => o.kind === TCPOPT.SACK);
}

function checkSackBlocks(walk: SampleWalk, i: number, v: PacketView, lower: number, upper: number): void {
  const t = v.tcp;
  if (!t) return;
  for (const o of parseTcpOptions(t.rawOptions).options) {
    if (o.kind !== TCPOPT.SACK) continue;
    const bad = sackBlocks(o).find((b) => seqDiff(lower, b.left) < 0 || seqDiff(upper, b.right) > 0);
    if (bad) {
      walk.report('flow.tcp.sack', 'tcp.options.sack', i, `SACK block ${bad.left}-${bad.right} outside the peer's sequence space`);
      walk.fix(i, (dr) => stripOption(dr, 'flow.tcp.sack', TCPOPT.SACK, "SACK block outside the peer's data"));
      return;
    }
  }
}
