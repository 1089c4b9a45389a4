/** Small hand-built classes (no shared data needed): a TCP service with a handshake, a DNS-over-UDP service, ICMP echo. */
import type { Direction, LabelledSample, Packet } from '@netsynth/core';
import { buildIcmpPacket, buildTcpPacket, buildUdpPacket, encodeTcpOptions, TCP_FLAG, TCPOPT } from '@netsynth/protocol-rules';
import { buildDns } from '../src/index.js';

const C = '10.1.0.2';
const S = '10.1.0.1';

function sample(label: string, i: number, protocol: number, ports: [number, number], packets: Packet[], directions: Direction[]): LabelledSample {
  return {
    id: `${label}#${i}`,
    label,
    windowStart: 0,
    flow: { key: { protocol, a: { address: C, port: ports[0] }, b: { address: S, port: ports[1] } }, id: `${label}${i}`, packets, directions },
  };
}

function tcpFlow(i: number, port: number, ttl: number): LabelledSample {
  const cp = 40000 + i * 7;
  const t = (k: number): bigint => 1_700_000_000_000_000_000n + BigInt(i) * 10_000_000_000n + BigInt(k) * 1_000_000n;
  const synOpts = encodeTcpOptions([
    { kind: TCPOPT.MSS, data: Uint8Array.of(5, 180) },
    { kind: TCPOPT.SACK_PERMITTED },
    { kind: TCPOPT.NOP },
    { kind: TCPOPT.WSCALE, data: Uint8Array.of(7) },
  ]);
  const up = { src: C, dst: S, srcPort: cp, dstPort: port, ttl };
  const down = { src: S, dst: C, srcPort: port, dstPort: cp, ttl };
  const packets = [
    buildTcpPacket({ ...up, seq: 100, flags: TCP_FLAG.SYN, options: synOpts, window: 64240, timestampNs: t(0) }),
    buildTcpPacket({ ...down, seq: 500, ack: 101, flags: TCP_FLAG.SYN | TCP_FLAG.ACK, options: synOpts, window: 65160, timestampNs: t(1) }),
    buildTcpPacket({ ...up, seq: 101, ack: 501, window: 502, timestampNs: t(2) }),
    buildTcpPacket({ ...up, seq: 101, ack: 501, flags: TCP_FLAG.ACK | TCP_FLAG.PSH, payload: new Uint8Array(100 + i), window: 502, timestampNs: t(3) }),
    buildTcpPacket({ ...down, seq: 501, ack: 201 + i, flags: TCP_FLAG.ACK | TCP_FLAG.PSH, payload: new Uint8Array(900), window: 510, timestampNs: t(4) }),
    buildTcpPacket({ ...up, seq: 201 + i, ack: 1401, flags: TCP_FLAG.ACK | TCP_FLAG.FIN, window: 500, timestampNs: t(5) }),
  ];
  return sample('svc', i, 6, [cp, port], packets, [0, 1, 0, 0, 1, 0]);
}

function dnsFlow(i: number): LabelledSample {
  const cp = 50000 + i;
  const question = { name: `host${i % 3}.example`, type: 1, klass: 1 };
  const q = buildDns({ id: i, flags: 0x0100, question, answers: [] });
  const r = buildDns({ id: i, flags: 0x8180, question, answers: [{ type: 1, klass: 1, ttl: 300, rdata: 'c0000201' }] });
  const packets = [
    buildUdpPacket({ src: C, dst: S, srcPort: cp, dstPort: 5353, payload: q, timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000_000n }),
    buildUdpPacket({ src: S, dst: C, srcPort: 5353, dstPort: cp, payload: r, timestampNs: 1_700_000_000_000_500_000n + BigInt(i) * 1_000_000_000n }),
  ];
  return sample('names', i, 17, [cp, 5353], packets, [0, 1]);
}

function icmpFlow(i: number): LabelledSample {
  const id = 700 + i;
  const packets = [0, 1, 2, 3].map((k) =>
    buildIcmpPacket({
      src: k % 2 ? S : C,
      dst: k % 2 ? C : S,
      type: k % 2 ? 0 : 8,
      rest: (id << 16) | (k >> 1),
      payload: new Uint8Array(56),
      timestampNs: 1_700_000_000_000_000_000n + BigInt(k) * 1_000_000n,
    }),
  );
  return sample('echo', i, 1, [id, id], packets, [0, 1, 0, 1]);
}

/** 12 flows of each of the three classes. */
export function syntheticClasses(): LabelledSample[] {
  return Array.from({ length: 12 }, (_, i) => [tcpFlow(i, 8080, 128), dnsFlow(i), icmpFlow(i)]).flat();
}
