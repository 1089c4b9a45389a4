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

function walkConnection(walk: SampleWalk, ctx: FlowContext, s: Subflow): void {
  const graceNs = BigInt(Math.round(ctx.options.rstGraceSeconds * 1e9));
  const strict = ctx.options.captureLoss === 'reject';
  let conn: Conn | undefined;
  const rest = (k: number, dir: Dir): boolean => s.indices.slice(k + 1).some((i) => dirOf(s, walk.view(i)) === dir);

  s.indices.forEach((i, k) => {
    let v = walk.view(i);
    if (!v.tcp || v.tcp.truncated) return;
    let d: Dir = dirOf(s, v);
    let flags = v.tcp.flags.value;
    const report = (rule: string, field: string, message: string): void => walk.report(rule, field, i, message);
    // A finding about the acknowledgement of a SYN is not reported twice by the generic ack check.
    let ackJudged = false;

    // --- connection boundaries
    const synOnly = (flags & (SYN | ACK)) === SYN;
    if (!conn) {
      conn = newConn(synOnly, synOnly ? d : (flags & (SYN | ACK)) === (SYN | ACK) ? ((1 - d) as Dir) : d);
    } else if (synOnly) {
      const c: Conn = conn;
      const retransmit = c.withSyn && d === c.initiator && c.sides[d].isn === v.tcp.seq && !c.answered;
      const sameIsn = c.withSyn && d === c.initiator && c.sides[d].isn === v.tcp.seq;
      // After FIN/RST, or on a flow captured mid-stream, a SYN opens a new connection on the same ports.
      if (closed(c) || !c.withSyn) conn = newConn(true, d);
      else if (!retransmit && !sameIsn) {
        report('flow.tcp.handshake', 'tcp.flags', `SYN (seq ${v.tcp.seq}) inside an open connection`);
        walk.fix(i, (dr) => clearSyn(dr, 'flow.tcp.handshake', 'a SYN inside an open connection is an ordinary segment'));
        v = walk.view(i);
        flags = v.tcp?.flags.value ?? flags;
      }
    }
    const c: Conn = conn;

    // --- handshake
    if (c.withSyn && !c.answered && !closed(c)) {
      // Before the answer the initiator only repeats its SYN (or gives up with RST); anything
      // else from its side — a SYN-ACK above all — is the answer with its direction wrong.
      const synAckFromInitiator = (flags & (SYN | ACK)) === (SYN | ACK);
      if (d === c.initiator && !(flags & RST) && (flags & (SYN | ACK)) !== SYN && (synAckFromInitiator || rest(k, d === 0 ? 1 : 0))) {
        report('flow.tcp.handshake', 'tcp.flags', `${flagNames(flags)} from the initiator before the SYN was answered`);
        const peer = d === 0 ? s.b.address : s.a.address;
        walk.fix(i, (dr) => flipDirection(dr, 'flow.tcp.handshake', 'the answer to the SYN comes from the responder', ttlOf(walk, peer)));
        v = walk.view(i);
        d = dirOf(s, v);
        flags = v.tcp?.flags.value ?? flags;
      }
      if (d !== c.initiator && v.tcp) {
        const isnI = c.sides[c.initiator].isn;
        const want = isnI === undefined ? undefined : seqAdd(isnI, 1);
        if ((flags & (SYN | ACK)) !== (SYN | ACK) && !(flags & RST)) {
          report('flow.tcp.handshake', 'tcp.flags', `the responder answers the SYN with ${flagNames(flags)}, not SYN-ACK`);
          const synTsval = c.sides[c.initiator].syn?.tsval;
          walk.fix(i, (dr) => makeSynAck(dr, 'flow.tcp.handshake', flags, 'the answer to a SYN is a SYN-ACK', ctx.values, synTsval));
          v = walk.view(i);
          flags = v.tcp?.flags.value ?? flags;
        }
        if (v.tcp && want !== undefined && flags & ACK && v.tcp.ack !== want) {
          report('flow.tcp.handshake', 'tcp.ack', `the answer to the SYN acknowledges ${v.tcp.ack}, not ISN+1 = ${want}`);
          ackJudged = true;
          walk.fix(i, (dr) => dr.set('flow.tcp.handshake', dr.view.tcp?.offset ?? 0, TCP.ack, want, 'a SYN-ACK acknowledges ISN+1'));
          v = walk.view(i);
        }
        if (flags & SYN) {
          c.answered = true;
          c.sides[d].syn = synFacts(v);
          negotiate(c);
        }
      }
    } else if ((flags & (SYN | ACK)) === (SYN | ACK) && v.tcp) {
      const side = c.sides[d];
      const retransmit = side.isn === v.tcp.seq;
      const midStreamStart = !c.withSyn && !side.seen;
      if (!retransmit && !midStreamStart) {
        report('flow.tcp.handshake', 'tcp.flags', `SYN-ACK (seq ${v.tcp.seq}) inside an open connection`);
        walk.fix(i, (dr) => clearSyn(dr, 'flow.tcp.handshake', 'a SYN-ACK inside an open connection is an ordinary segment'));
        v = walk.view(i);
        flags = v.tcp?.flags.value ?? flags;
      }
    }
    const t = v.tcp;
    if (!t) return;
    if (flags & SYN && !(flags & ACK)) c.sides[d].syn = synFacts(v);

    const o: Dir = d === 0 ? 1 : 0;
    const me = c.sides[d];
    const peer = c.sides[o];
    const length = tcpPayloadLength(v);

    // --- negotiated features
    if (!(flags & SYN) && c.negotiated) {
      if (!c.ecn && flags & (ECE | CWR)) {
        report('flow.tcp.ecn', 'tcp.flags', `${flagNames(flags & (ECE | CWR))} but the handshake did not negotiate ECN`);
        walk.fix(i, (dr) => setFlags(dr, 'flow.tcp.ecn', flags & ~(ECE | CWR | NS), 'ECN was not negotiated'));
        v = walk.view(i);
        flags = v.tcp?.flags.value ?? flags;
      }
      if (!c.sack && hasSack(v)) {
        report('flow.tcp.sack', 'tcp.options.sack', 'SACK blocks but the handshake did not negotiate SACK');
        walk.fix(i, (dr) => stripOption(dr, 'flow.tcp.sack', TCPOPT.SACK, 'SACK was not negotiated'));
        v = walk.view(i);
      }
    }

    // --- sequence number
    let seq = v.tcp?.seq ?? t.seq;
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
      if (behind || beyond || gap) {
        const why = behind
          ? `sequence ${seq} lies before ${lower} (${fromIsn !== undefined && lower === fromIsn ? 'ISN+1' : 'a window before the next byte'})`
          : beyond
            ? `segment ${seq}+${length} ends past the window the peer advertised (${right ?? 'none yet'})`
            : `sequence ${seq} skips ${seqDiff(me.nxt, seq)} bytes after ${me.nxt} (no capture loss in a generated sample)`;
        report('flow.tcp.seq', 'tcp.seq', why);
        if (walk.repairing) {
          seq = fitSegment(walk, c, o, peer, me.nxt, length, lower, ctx);
          const next = seq;
          walk.fix(i, (dr) => dr.set('flow.tcp.seq', dr.view.tcp?.offset ?? 0, TCP.seq, next, "continues the direction's byte count"));
          v = walk.view(i);
        }
      }
    } else if (peer.lastAck !== undefined) {
      // First segment of a direction the peer already acknowledged into (a flow captured
      // mid-stream): it lies within a window of that acknowledgement.
      const lower = seqAdd(peer.lastAck, -windowCap(c, o));
      const behind = seqDiff(lower, seq) < 0;
      const end = seqAdd(seq, length + (flags & SYN ? 1 : 0));
      const beyond = peer.right !== undefined ? seqDiff(peer.right, end) > 1 : seqDiff(peer.lastAck, end) > windowCap(c, o);
      if (behind || beyond) {
        report('flow.tcp.seq', 'tcp.seq', `first segment ${seq}+${length} of this direction lies outside the window the peer acknowledged (${peer.lastAck})`);
        if (walk.repairing) {
          seq = fitSegment(walk, c, o, peer, peer.lastAck, length + (flags & SYN ? 1 : 0), lower, ctx);
          const next = seq;
          walk.fix(i, (dr) => dr.set('flow.tcp.seq', dr.view.tcp?.offset ?? 0, TCP.seq, next, "starts where the peer's acknowledgement points"));
          v = walk.view(i);
        }
      }
    }

    // --- acknowledgement
    if (flags & ACK && v.tcp) {
      let ack = v.tcp.ack;
      if (peer.seen && !ackJudged) {
        // Beyond the peer's next byte only by what this side's window let it send (capture
        // loss); behind it at most by that window (unacknowledged data), never before ISN+1.
        const allowance = Math.max(65535, me.window ?? 65535);
        const upper = seqAdd(peer.nxt, allowance);
        const floor = seqAdd(peer.nxt, -windowCap(c, d));
        const fromIsn = peer.isn !== undefined ? seqAdd(peer.isn, 1) : undefined;
        const lowerA = fromIsn !== undefined && seqDiff(floor, fromIsn) > 0 ? fromIsn : floor;
        const unseen = strict && seqDiff(peer.nxt, ack) > 0;
        if (seqDiff(upper, ack) > 0 || seqDiff(lowerA, ack) < 0 || unseen) {
          report('flow.tcp.ack', 'tcp.ack', `acknowledgement ${ack} outside what the peer sent (${lowerA}..${peer.nxt})`);
          const next = peer.nxt;
          walk.fix(i, (dr) => dr.set('flow.tcp.ack', dr.view.tcp?.offset ?? 0, TCP.ack, next, 'acknowledges everything the peer sent'));
          v = walk.view(i);
          if (walk.repairing) ack = next;
        }
        if (hasSack(v)) checkSackBlocks(walk, i, v, lowerA, upper);
      }
      if (me.minAck === undefined || seqDiff(me.minAck, ack) < 0) me.minAck = ack;
      me.lastAck = ack;
      v = walk.view(i);
    }

    // --- close: FIN and RST
    if (me.fin !== undefined && length > 0 && seqDiff(me.fin, seqAdd(seq, length)) > 0) {
      report('flow.tcp.close', 'tcp.flags', `new data after this direction's FIN (seq ${me.fin})`);
      for (const finAt of me.finIndices) {
        walk.fix(finAt, (dr) => {
          const f = dr.view.tcp?.flags.value ?? 0;
          setFlags(dr, 'flow.tcp.close', (f & ~FIN) | ACK, 'the FIN came before the end of the data');
        });
      }
      me.fin = undefined;
      me.finIndices = [];
    }
    if (c.rst && length > 0) {
      const inFlight = d !== c.rst.from && v.packet.timestampNs - c.rst.atNs <= graceNs;
      if (!inFlight) {
        report('flow.tcp.close', 'tcp.flags', `data ${nsToSeconds(v.packet.timestampNs - c.rst.atNs).toFixed(6)} s after the connection was reset`);
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
    }

    // --- state update
    const fl = walk.view(i).tcp?.flags.value ?? flags;
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
    if (fl & RST && !c.rst) c.rst = { from: d, atNs: v.packet.timestampNs, index: i, peerNext: peer.seen ? peer.nxt : undefined };
  });
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
