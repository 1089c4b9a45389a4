import { LinkType, secondsToNs, type DecodeProblem, type Direction, type Packet } from '@netsynth/core';
import { recomputeChecksums } from '@netsynth/pcap';
import { ipv4ToNumber, type FlowRecord } from './record.js';
import { splitByWeights, stretch, type FlowShape } from './shapes.js';

/** Smallest IP packet of each kind: IPv4 header + TCP 20 / UDP 8 / ICMP echo 8. */
export const MIN_SIZE = { tcp: 40, udp: 28, icmp: 28, other: 28 } as const;

export interface RecordPackets {
  packets: Packet[];
  directions: Direction[];
  problems: DecodeProblem[];
}

/**
 * Which packets the initiator sends: the first always (it opened the flow), then as evenly as
 * possible so that `share` of all `n` are its (Bresenham).
 */
export function directionsFor(n: number, share: number): Direction[] {
  const ups = Math.min(n, Math.max(1, Math.round(share * n)));
  // Packet i is the initiator's when ceil((i+1)·ups/n) steps up: i = 0 always, then evenly.
  return Array.from({ length: n }, (_, i) => (Math.ceil(((i + 1) * ups) / n) - Math.ceil((i * ups) / n) > 0 ? 0 : 1));
}

/** `total` bytes over `n` packets, each in [min, max], as even as possible. */
export function splitBytes(total: number, n: number, min: number, max: number): number[] {
  const clamped = Math.min(n * max, Math.max(n * min, total));
  const base = Math.floor(clamped / n);
  const extra = clamped - base * n;
  return Array.from({ length: n }, (_, i) => Math.min(max, base + (i < extra ? 1 : 0)));
}

/**
 * A record → a raw-IP (link type 101) flow: `pkt` packets (at most maxPackets) carrying `byt`
 * bytes over `td` from `ts`. With a `shape` (a real flow of the class, see shapes.ts) the bytes,
 * gaps and directions follow it, scaled to the record's totals; without one, bytes in even
 * shares, evenly spaced, the initiator's share of packets as recorded. Headers: IPv4 with DF,
 * TTL 64 and a per-direction identification counter; TCP with
 * ACK (+PSH when there is payload) and sequence/acknowledgement numbers that follow the bytes
 * (no handshake is invented: that is the flow ruleset's business); UDP; ICMP echo request /
 * reply (identifier = the record's port, sequence numbers per request). Payload bytes are
 * zero and, with `payload: 'none'` (the default), not captured: a record says nothing about
 * payloads, and zero-filled payloads on well-known ports (DNS over TCP, WINS...) are malformed
 * messages to a dissector. Checksums are correct for the packet on the wire.
 */
export function recordToPackets(r: FlowRecord, options: { maxPackets: number; mtu: number; payload?: 'none' | 'zeros' }, shape?: FlowShape): RecordPackets {
  const problems: DecodeProblem[] = [];
  const n = Math.min(options.maxPackets, Math.max(1, r.pkt));
  if (r.pkt > options.maxPackets) problems.push({ message: `the record has ${r.pkt} packets; decode.maxPackets keeps ${options.maxPackets}` });
  const kind = r.proto;
  if (kind === 'other') problems.push({ message: 'protocol "other" has no header template: decoded as UDP' });
  const proto = kind === 'tcp' ? 'tcp' : kind === 'icmp' ? 'icmp' : 'udp';
  const min = MIN_SIZE[proto];
  const directionsEven = directionsFor(n, r.upShare);
  const stretched = shape ? stretch(shape, n, directionsEven.filter((d) => d === 0).length) : undefined;
  const sizes = stretched ? splitByWeights(r.byt, stretched.size, min, options.mtu) : splitBytes(r.byt, n, min, options.mtu);
  if (r.byt < n * min || r.byt > n * options.mtu) problems.push({ message: `${r.byt} bytes do not fit ${n} packets of ${min}–${options.mtu} bytes: clamped` });
  const directions = stretched ? stretched.dir : directionsEven;
  const client = ipv4ToNumber(r.srcip) ?? 0;
  const server = ipv4ToNumber(r.dstip) ?? 0;
  const start = secondsToNs(r.ts);
  const step = n > 1 ? r.td / (n - 1) : 0;
  let elapsed = 0;

  const ipId = [1, 1];
  const seq = [1_000_000, 2_000_000];
  let icmpSeq = 0;
  const packets: Packet[] = [];
  for (let i = 0; i < n; i++) {
    const dir = directions[i]!;
    const size = sizes[i]!;
    const data = new Uint8Array(size);
    const v = new DataView(data.buffer);
    data[0] = 0x45;
    v.setUint16(2, size);
    v.setUint16(4, ipId[dir]!++ & 0xffff);
    v.setUint16(6, 0x4000);
    data[8] = 64;
    data[9] = proto === 'tcp' ? 6 : proto === 'udp' ? 17 : 1;
    v.setUint32(12, dir === 0 ? client : server);
    v.setUint32(16, dir === 0 ? server : client);
    const [sport, dport] = dir === 0 ? [r.srcport, r.dstport] : [r.dstport, r.srcport];
    if (proto === 'tcp') {
      const payload = size - 40;
      v.setUint16(20, sport);
      v.setUint16(22, dport);
      v.setUint32(24, seq[dir]! >>> 0);
      v.setUint32(28, seq[1 - dir]! >>> 0);
      data[32] = 0x50;
      data[33] = payload > 0 ? 0x18 : 0x10;
      v.setUint16(34, 65535);
      seq[dir] = (seq[dir]! + payload) >>> 0;
    } else if (proto === 'udp') {
      v.setUint16(20, sport);
      v.setUint16(22, dport);
      v.setUint16(24, size - 20);
    } else {
      if (dir === 0) icmpSeq++;
      data[20] = dir === 0 ? 8 : 0;
      v.setUint16(24, r.srcport);
      v.setUint16(26, icmpSeq & 0xffff);
    }
    elapsed = stretched ? elapsed + stretched.gap[i]! * r.td : step * i;
    const t = start + secondsToNs(elapsed);
    const full = recomputeChecksums({ timestampNs: t, capturedLength: size, originalLength: size, linkType: LinkType.RAW, data });
    // Headers only: the checksums above cover the (zero) payload, which adds nothing to the
    // sum, so they stay right for the packet on the wire; readers see a snap-length cut.
    const header = 20 + (proto === 'tcp' ? 20 : 8);
    packets.push((options.payload ?? 'none') === 'none' ? { ...full, data: full.data.slice(0, header), capturedLength: header } : full);
  }
  return { packets, directions, problems };
}
