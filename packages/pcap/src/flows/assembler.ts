import { InvalidArgumentError, flowIdOf, type Direction, type DissectedPacket, type Flow, type Packet } from '@netsynth/core';
import { dissect } from '../dissect/dissect.js';
import { endpointsKeyOf, endpointsOf, fragmentOf, type PacketEndpoints } from './flow-key.js';
import { ownedCopies } from './reservoir.js';
import { countTruncation, emptyTruncationCounts, type TruncationCounts } from '../truncation.js';

export interface FlowAssemblerOptions {
  /** A flow ends when no packet of it is seen for this long; its next packet starts a new flow. */
  idleTimeoutSeconds: number;
  /** Recorded as `flow.source`. */
  source?: string;
  /**
   * Only count flows (`stats.flows`): no packet is kept and `add`/`flush` return no flows,
   * so memory is one small entry per open flow (for `inspect` on big captures).
   */
  countOnly?: boolean;
  /**
   * Bounds memory on long flows: whenever the open flows hold more than `heldPackets`
   * packets, each open flow with at least `piecePackets` packets gives out its leading
   * whole multiples of `piecePackets` as a piece (returned by `add` like an ended flow, same
   * `indexOf`, `startOf` its offset in the flow) and stays open with the rest.
   */
  pieces?: { heldPackets: number; piecePackets: number };
  /**
   * Bounds what open flows pin of the reader's shared 64 KiB slabs (ByteArena): once this
   * many bytes of packet data came in, the packets each open flow gained since the last time
   * are copied into one buffer of that flow's own. Without it a slow flow with one packet in
   * each of a thousand slabs keeps 64 MB alive for its 300 KB. Each packet is copied at most
   * once; unset, packets are held as given.
   */
  ownBytesEvery?: number;
}

export interface FlowAssemblerStats {
  packets: number;
  /** Packets without an IP datagram (ARP, STP, unsupported link types): not part of any flow. */
  nonIp: number;
  /** Non-first fragments whose first fragment was not seen: put in a port-0 flow. */
  orphanFragments: number;
  /** Flows ended so far (returned by add/flush, or only counted with countOnly). */
  flows: number;
  /** Packets the snap length cut (kept in their flows, fields past the cut absent). */
  truncated: TruncationCounts;
}

interface ActiveFlow {
  flow: Flow;
  seq: number;
  lastNs: bigint;
  /** Packets of this flow already given out as pieces. */
  start: number;
  /** Leading packets of `flow.packets` whose bytes are the flow's own (see `ownBytesEvery`). */
  owned: number;
}

interface PendingDatagram {
  endpoints: PacketEndpoints;
  key: string;
  lastNs: bigint;
}

/** Idle flows are swept every max(this, open flows) packets: amortised O(1) per packet. */
const SWEEP_EVERY = 1024;

/**
 * Groups packets into bidirectional flows, streaming: `add` returns flows that ended
 * (idle timeout), `flush` the rest. Flows come out ordered by their first packet.
 *
 * Keys: protocol + addresses + ports (TCP/UDP), echo identifier (ICMP/ICMPv6 echo),
 * port 0 otherwise. Fragments: the first fragment's ports are remembered per datagram
 * (IPv4: src, dst, protocol, identification; IPv6: src, dst, fragment identification), so
 * later fragments join the flow of their datagram; fragments whose first one was not seen
 * go to the flow with port 0 on both sides. Packets without IP are counted and left out.
 */
export class FlowAssembler {
  readonly stats: FlowAssemblerStats = { packets: 0, nonIp: 0, orphanFragments: 0, flows: 0, truncated: emptyTruncationCounts() };
  private readonly active = new Map<string, ActiveFlow>();
  private readonly datagrams = new Map<string, PendingDatagram>();
  private readonly timeoutNs: bigint;
  private seq = 0;
  private untilSweep = SWEEP_EVERY;
  private readonly order = new WeakMap<Flow, number>();
  private readonly offsets = new WeakMap<Flow, number>();
  /** Packets held by open flows. */
  private held = 0;
  /** `held` that triggers the next cut (see `cutPieces`). */
  private cutAt: number;
  /** Packet bytes added since the held packets were last copied (see `ownBytesEvery`). */
  private unowned = 0;

  constructor(private readonly options: FlowAssemblerOptions) {
    if (!(options.idleTimeoutSeconds > 0)) throw new InvalidArgumentError(`idleTimeoutSeconds must be > 0, got ${options.idleTimeoutSeconds}`);
    this.timeoutNs = BigInt(Math.round(options.idleTimeoutSeconds * 1e9));
    const pieces = options.pieces;
    if (pieces && !(Number.isInteger(pieces.piecePackets) && pieces.piecePackets > 0 && pieces.heldPackets >= 0))
      throw new InvalidArgumentError(`pieces needs a positive integer piecePackets and heldPackets >= 0`);
    this.cutAt = pieces?.heldPackets ?? Infinity;
  }

  /** Adds one packet; returns the flows that ended because of it (possibly none). */
  add(packet: Packet): Flow[] {
    return this.addDissected(dissect(packet));
  }

  /** `add` for a packet the caller has dissected already (one dissection per packet). */
  addDissected(dp: DissectedPacket): Flow[] {
    const packet = dp.packet;
    this.stats.packets++;
    countTruncation(this.stats.truncated, dp);
    const ended: ActiveFlow[] = [];
    let endpoints = endpointsOf(dp);
    if (!endpoints) {
      this.stats.nonIp++;
      return this.sweepMaybe(packet.timestampNs, ended);
    }
    let key = endpointsKeyOf(dp, endpoints);
    const fragment = fragmentOf(dp);
    if (fragment) {
      if (fragment.first && dp.transport) {
        if (!fragment.last) this.datagrams.set(fragment.datagram, { endpoints, key, lastNs: packet.timestampNs });
      } else if (!fragment.first) {
        const pending = this.datagrams.get(fragment.datagram);
        if (pending) {
          endpoints = pending.endpoints;
          key = pending.key;
          pending.lastNs = packet.timestampNs;
        } else {
          this.stats.orphanFragments++;
        }
        if (fragment.last) this.datagrams.delete(fragment.datagram);
      }
    }
    let current = this.active.get(key);
    if (current && packet.timestampNs - current.lastNs > this.timeoutNs) {
      ended.push(current);
      current = undefined;
    }
    if (!current) {
      current = {
        flow: {
          key: { protocol: endpoints.protocol, a: endpoints.src, b: endpoints.dst },
          id: flowIdOf(endpoints.protocol, endpoints.src, endpoints.dst),
          packets: [],
          directions: [],
          ...(this.options.source !== undefined && { source: this.options.source }),
        },
        seq: this.seq++,
        lastNs: packet.timestampNs,
        start: 0,
        owned: 0,
      };
      this.order.set(current.flow, current.seq);
      this.active.set(key, current);
    }
    if (!this.options.countOnly) {
      const a = current.flow.key.a;
      const direction: Direction = endpoints.src.address === a.address && endpoints.src.port === a.port ? 0 : 1;
      current.flow.packets.push(packet);
      current.flow.directions.push(direction);
      this.held++;
      this.unowned += packet.data.length;
      if (this.unowned > (this.options.ownBytesEvery ?? Infinity)) this.ownHeldBytes();
    }
    if (packet.timestampNs > current.lastNs) current.lastNs = packet.timestampNs;
    return this.sweepMaybe(packet.timestampNs, ended);
  }

  /**
   * Over the held budget: the leading whole pieces of every long open flow leave now. The
   * next cut waits for half a budget more packets, so many short open flows (nothing to
   * cut) cost one pass per half budget, not one per packet.
   */
  private cutPieces(): { seq: number; flow: Flow }[] {
    const pieces = this.options.pieces;
    if (!pieces || this.held <= this.cutAt) return [];
    const out: { seq: number; flow: Flow }[] = [];
    for (const f of this.active.values()) {
      const cut = f.flow.packets.length - (f.flow.packets.length % pieces.piecePackets);
      if (cut === 0) continue;
      const piece: Flow = { ...f.flow, packets: f.flow.packets.splice(0, cut), directions: f.flow.directions.splice(0, cut) };
      this.order.set(piece, f.seq);
      this.offsets.set(piece, f.start);
      f.start += cut;
      f.owned = Math.max(0, f.owned - cut);
      this.held -= cut;
      out.push({ seq: f.seq, flow: piece });
    }
    this.cutAt = Math.max(pieces.heldPackets, this.held + pieces.heldPackets / 2);
    return out;
  }

  /** Copies each open flow's packets since the last call into one buffer of its own. */
  private ownHeldBytes(): void {
    for (const f of this.active.values()) {
      const packets = f.flow.packets;
      if (f.owned >= packets.length) continue;
      const copies = ownedCopies(packets, f.owned);
      for (let i = 0; i < copies.length; i++) packets[f.owned + i] = copies[i]!;
      f.owned = packets.length;
    }
    this.unowned = 0;
  }

  private sweepMaybe(nowNs: bigint, ended: ActiveFlow[]): Flow[] {
    if (--this.untilSweep <= 0) {
      this.untilSweep = Math.max(SWEEP_EVERY, this.active.size);
      for (const [id, f] of this.active) {
        if (nowNs - f.lastNs > this.timeoutNs) {
          ended.push(f);
          this.active.delete(id);
        }
      }
      for (const [k, d] of this.datagrams) if (nowNs - d.lastNs > this.timeoutNs) this.datagrams.delete(k);
    }
    return this.emit(ended);
  }

  private emit(ended: ActiveFlow[]): Flow[] {
    this.stats.flows += ended.length;
    if (this.options.countOnly) return [];
    for (const f of ended) {
      this.held -= f.flow.packets.length;
      if (f.start > 0) this.offsets.set(f.flow, f.start);
    }
    const pieces = this.cutPieces();
    if (ended.length === 0 && pieces.length === 0) return [];
    // A flow given out whole in pieces ends with nothing left: no empty last piece.
    const out = [...ended.filter((f) => f.start === 0 || f.flow.packets.length > 0), ...pieces];
    return out.sort((x, y) => x.seq - y.seq).map((f) => f.flow);
  }

  /**
   * The flow's number in the order flows started (0 for the first packet's flow), whatever
   * order they end in: a stable index for streaming consumers. -1 for a foreign flow.
   */
  indexOf(flow: Flow): number {
    return this.order.get(flow) ?? -1;
  }

  /** Where a piece (see `pieces`) starts in its flow, in packets; 0 for a flow given out whole. */
  startOf(flow: Flow): number {
    return this.offsets.get(flow) ?? 0;
  }

  /** Ends every open flow and returns them, ordered by first packet. */
  flush(): Flow[] {
    const rest = [...this.active.values()];
    this.active.clear();
    this.datagrams.clear();
    return this.emit(rest);
  }
}

/**
 * All flows of `packets` (see FlowAssembler for keys, fragments and non-IP packets),
 * ordered by compareFlows (first packet time, then id).
 */
export function assembleFlows(packets: Iterable<Packet>, options: FlowAssemblerOptions): Flow[] {
  const assembler = new FlowAssembler(options);
  const out: Flow[] = [];
  for (const p of packets) for (const f of assembler.add(p)) out.push(f);
  for (const f of assembler.flush()) out.push(f);
  return out.sort(compareFlows);
}

/** Orders flows by first packet time, then by key, then by size: deterministic. */
export function compareFlows(x: Flow, y: Flow): number {
  const tx = x.packets[0]?.timestampNs ?? 0n;
  const ty = y.packets[0]?.timestampNs ?? 0n;
  if (tx !== ty) return tx < ty ? -1 : 1;
  if (x.id !== y.id) return x.id < y.id ? -1 : 1;
  return x.packets.length - y.packets.length;
}

/** Splits a flow into windows of `windowPackets` consecutive packets (the last may be shorter). */
export function windowFlow(flow: Flow, windowPackets: number): Flow[] {
  if (!Number.isInteger(windowPackets) || windowPackets <= 0) throw new InvalidArgumentError(`windowPackets must be a positive integer, got ${windowPackets}`);
  if (flow.packets.length <= windowPackets) return [flow];
  const out: Flow[] = [];
  for (let i = 0; i < flow.packets.length; i += windowPackets) {
    out.push({ ...flow, packets: flow.packets.slice(i, i + windowPackets), directions: flow.directions.slice(i, i + windowPackets) });
  }
  return out;
}
