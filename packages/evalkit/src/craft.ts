import type { Direction, Flow, LabelledSample, Packet } from '@netsynth/core';
import { InvalidArgumentError, LinkType, flowIdOf, secondsToNs } from '@netsynth/core';

/**
 * Hand-made packets for tests and for deliberately poor "synthetic" baselines: raw-IP
 * (link type 101) IPv4 with a TCP, UDP or ICMP header, the payload zero-filled up to
 * `length`, and correct IPv4 and transport checksums.
 */
export interface CraftedPacketSpec {
  timeSeconds: number;
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  /** IP total length in bytes (at least the headers: 40 TCP, 28 UDP/ICMP). */
  length: number;
  srcPort?: number;
  dstPort?: number;
  ttl?: number;
  /** TCP flag bits (FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16). */
  tcpFlags?: number;
  tcpWindow?: number;
  /** ICMP type / code. */
  icmpType?: number;
  icmpCode?: number;
}

function ipv4Bytes(address: string): number[] {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new InvalidArgumentError(`not an IPv4 address: ${address}`);
  }
  return parts;
}

function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += ((bytes[i] as number) << 8) | (i + 1 < end ? (bytes[i + 1] as number) : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

const PROTO = { tcp: 6, udp: 17, icmp: 1 } as const;
const HEADER = { tcp: 20, udp: 8, icmp: 8 } as const;

export function craftPacket(spec: CraftedPacketSpec): Packet {
  const minimum = 20 + HEADER[spec.protocol];
  if (!Number.isInteger(spec.length) || spec.length < minimum || spec.length > 65535) {
    throw new InvalidArgumentError(`packet length ${spec.length} must be an integer in [${minimum}, 65535] for ${spec.protocol}`);
  }
  const b = new Uint8Array(spec.length);
  const v = new DataView(b.buffer);
  b[0] = 0x45;
  v.setUint16(2, spec.length);
  v.setUint16(6, 0x4000); // don't fragment
  b[8] = spec.ttl ?? 64;
  b[9] = PROTO[spec.protocol];
  b.set(ipv4Bytes(spec.src), 12);
  b.set(ipv4Bytes(spec.dst), 16);
  v.setUint16(10, ~onesComplementSum(b, 0, 20) & 0xffff);
  const t = 20;
  if (spec.protocol === 'tcp') {
    v.setUint16(t, spec.srcPort ?? 0);
    v.setUint16(t + 2, spec.dstPort ?? 0);
    b[t + 12] = 5 << 4;
    b[t + 13] = (spec.tcpFlags ?? 0x10) & 0xff;
    v.setUint16(t + 14, spec.tcpWindow ?? 64240);
  } else if (spec.protocol === 'udp') {
    v.setUint16(t, spec.srcPort ?? 0);
    v.setUint16(t + 2, spec.dstPort ?? 0);
    v.setUint16(t + 4, spec.length - 20);
  } else {
    b[t] = spec.icmpType ?? 8;
    b[t + 1] = spec.icmpCode ?? 0;
  }
  const segment = spec.length - 20;
  const checksumAt = spec.protocol === 'tcp' ? t + 16 : spec.protocol === 'udp' ? t + 6 : t + 2;
  let sum: number;
  if (spec.protocol === 'icmp') sum = onesComplementSum(b, t, spec.length);
  else {
    const pseudo = onesComplementSum(b, 12, 20) + PROTO[spec.protocol] + segment;
    sum = onesComplementSum(b, t, spec.length, pseudo);
  }
  let checksum = ~sum & 0xffff;
  if (checksum === 0 && spec.protocol === 'udp') checksum = 0xffff;
  v.setUint16(checksumAt, checksum);
  return { timestampNs: secondsToNs(spec.timeSeconds), capturedLength: b.length, originalLength: b.length, linkType: LinkType.RAW, data: b };
}

/**
 * A labelled sample from crafted packets. The first packet's sender is the initiator;
 * each packet's direction follows from its source address and port.
 */
export function craftSample(id: string, label: string, specs: readonly CraftedPacketSpec[]): LabelledSample {
  const first = specs[0];
  if (!first) throw new InvalidArgumentError('a crafted sample needs at least one packet');
  const a = { address: first.src, port: first.srcPort ?? 0 };
  const b = { address: first.dst, port: first.dstPort ?? 0 };
  const directions: Direction[] = specs.map((s) => (s.src === a.address && (s.srcPort ?? 0) === a.port ? 0 : 1));
  const protocol = PROTO[first.protocol];
  const flow: Flow = { key: { protocol, a, b }, id: flowIdOf(protocol, a, b), packets: specs.map(craftPacket), directions };
  return { id, label, flow, windowStart: 0 };
}

/**
 * A small labelled toy data set with three traffic classes that differ the way real ones do
 * (transport, service port, packet sizes, flow length, pacing), for tests and examples:
 * "web" (TCP/80, a few small requests and large responses), "dns" (UDP/53, one query and one
 * answer), "bulk" (TCP/5201, long runs of full-size segments). Same seed ⇒ same samples.
 */
export function toyTraffic(seed: number, perClass: number, idPrefix = 'toy'): LabelledSample[] {
  let state = seed >>> 0 || 1;
  // A tiny LCG keeps this file free of the Rng plumbing; quality is irrelevant here.
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x100000000;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const out: LabelledSample[] = [];
  for (let i = 0; i < perClass; i++) {
    const client = `10.${int(1, 3)}.${int(0, 255)}.${int(1, 254)}`;
    const cport = int(32768, 60999);
    const t0 = 1000 + i * 10 + rand();
    // web
    {
      const specs: CraftedPacketSpec[] = [];
      let t = t0;
      const rounds = int(1, 3);
      for (let r = 0; r < rounds; r++) {
        specs.push({ timeSeconds: t, src: client, dst: '10.77.0.1', protocol: 'tcp', length: int(300, 600), srcPort: cport, dstPort: 80, tcpFlags: 0x18 });
        t += 0.002 + rand() * 0.004;
        const segments = int(3, 12);
        for (let s = 0; s < segments; s++) {
          specs.push({
            timeSeconds: t,
            src: '10.77.0.1',
            dst: client,
            protocol: 'tcp',
            length: s === segments - 1 ? int(100, 1500) : 1500,
            srcPort: 80,
            dstPort: cport,
            tcpFlags: 0x10,
          });
          t += 0.0002 + rand() * 0.0005;
        }
      }
      out.push(craftSample(`${idPrefix}-web-${i}`, 'web', specs));
    }
    // dns
    {
      const q = int(60, 90);
      out.push(
        craftSample(`${idPrefix}-dns-${i}`, 'dns', [
          { timeSeconds: t0, src: client, dst: '10.77.0.53', protocol: 'udp', length: q, srcPort: cport, dstPort: 53, ttl: 64 },
          {
            timeSeconds: t0 + 0.0005 + rand() * 0.02,
            src: '10.77.0.53',
            dst: client,
            protocol: 'udp',
            length: q + int(16, 200),
            srcPort: 53,
            dstPort: cport,
            ttl: 64,
          },
        ]),
      );
    }
    // bulk
    {
      const specs: CraftedPacketSpec[] = [];
      let t = t0;
      const n = int(20, 40);
      for (let s = 0; s < n; s++) {
        const ack = s % 4 === 3;
        specs.push(
          ack
            ? { timeSeconds: t, src: '10.77.0.9', dst: client, protocol: 'tcp', length: 52, srcPort: 5201, dstPort: cport, tcpFlags: 0x10, tcpWindow: 501 }
            : { timeSeconds: t, src: client, dst: '10.77.0.9', protocol: 'tcp', length: 1500, srcPort: cport, dstPort: 5201, tcpFlags: 0x10, tcpWindow: 502 },
        );
        t += 0.00005 + rand() * 0.0002;
      }
      out.push(craftSample(`${idPrefix}-bulk-${i}`, 'bulk', specs));
    }
  }
  return out;
}
