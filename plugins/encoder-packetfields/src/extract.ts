/** A sample's packets → its rows of header fields in real units. */
import type { Direction, LabelledSample } from '@netsynth/core';
import { parseTcpOptions, TCPOPT, viewOf, type PacketView } from '@netsynth/protocol-rules';
import { absentFields } from './absent.js';
import { noOptions, type OptionName, type PacketRow, type SampleRows } from './rows.js';

const OPTION_KINDS: Record<OptionName, number> = {
  mss: TCPOPT.MSS,
  sackOk: TCPOPT.SACK_PERMITTED,
  timestamps: TCPOPT.TIMESTAMP,
  wscale: TCPOPT.WSCALE,
};

/** IP total length from the header (IPv6: 40 + payload length), else the captured IP bytes. */
function ipLengthOf(v: PacketView): number {
  if (v.ipv4) return v.ipv4.totalLength;
  if (v.ipv6) return 40 + v.ipv6.payloadLength;
  return v.wireIpLength;
}

function headerBytes(v: PacketView): number {
  const ip = v.ipv4 ? v.ipv4.ihl * 4 : v.ipv6 ? 40 : 0;
  if (v.tcp) return ip + v.tcp.dataOffset * 4;
  if (v.udp || v.icmp) return ip + 8;
  return ip;
}

function optionsOf(v: PacketView): Record<OptionName, boolean> {
  const out = noOptions();
  if (!v.tcp) return out;
  const kinds = new Set(parseTcpOptions(v.tcp.rawOptions).options.map((o) => o.kind));
  for (const name of Object.keys(OPTION_KINDS) as OptionName[]) out[name] = kinds.has(OPTION_KINDS[name]);
  return out;
}

/** The rows of the first `maxPackets` packets of a sample and its flow fields. */
export function sampleRows(sample: LabelledSample, maxPackets: number): SampleRows {
  const { flow } = sample;
  const rows: PacketRow[] = [];
  const lastId: (number | undefined)[] = [undefined, undefined];
  const n = Math.min(maxPackets, flow.packets.length);
  for (let i = 0; i < n; i++) {
    const p = flow.packets[i]!;
    const v = viewOf(p, i);
    const direction = (flow.directions[i] ?? 0) as Direction;
    const ipLength = ipLengthOf(v);
    const prev = flow.packets[i - 1];
    const gap = prev && p.timestampNs > prev.timestampNs ? Number(p.timestampNs - prev.timestampNs) / 1e9 : 0;
    const id = v.ipv4?.identification;
    const last = lastId[direction];
    lastId[direction] = id;
    const absent = absentFields(v);
    rows.push({
      ...(absent.length > 0 && { absent }),
      direction,
      ipLength,
      payloadLength: Math.max(0, ipLength - headerBytes(v)),
      iat: gap,
      ttl: v.ipv4?.ttl ?? v.ipv6?.hopLimit ?? 0,
      tos: v.ipv4?.tos ?? 0,
      dontFragment: v.ipv4?.dontFragment ?? false,
      ipIdStep: id !== undefined && last !== undefined ? (id - last + 65536) % 65536 : 0,
      flags: v.tcp ? v.tcp.flags.value & 0xff : 0,
      window: v.tcp?.window ?? 0,
      tcpHeaderLength: v.tcp ? v.tcp.dataOffset * 4 : 0,
      options: optionsOf(v),
      icmpType: v.icmp?.type ?? 0,
    });
  }
  return { flow: { protocol: flow.key.protocol, clientPort: flow.key.a.port, servicePort: flow.key.b.port }, rows };
}
