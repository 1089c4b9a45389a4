import { CaptureReader, dissect, summarizeCapture, type CaptureSummary, type TruncationCounts } from '@netsynth/pcap';
import { InterruptedError, nsToSeconds, type DissectedPacket, type ProgressReporter } from '@netsynth/core';

/** One packet as `netsynth inspect --packets` reports it (field meanings as tshark's, see the README). */
export interface PacketRecord {
  /** 1-based, like tshark's frame.number; counts every record, also those of unsupported link types. */
  frame: number;
  /** Nanoseconds since the epoch, as a decimal string (exceeds 2^53). */
  timestampNs: string;
  capturedLength: number;
  originalLength: number;
  linkType: number;
  truncated: boolean;
  ip?: {
    version: 4 | 6;
    src: string;
    dst: string;
    /** Upper-layer protocol: IPv4's protocol field; for IPv6 the header after any extension headers. */
    protocol: number;
    /** IPv6 only: the fixed header's Next Header field (tshark's ipv6.nxt). */
    nextHeader?: number;
    /**
     * IPv4: the Total Length field (tshark's ip.len). IPv6: Payload Length + 40, the same
     * quantity (the whole datagram as declared) — tshark has no such field for IPv6.
     */
    totalLength: number;
    /** TTL (IPv4) or hop limit (IPv6). */
    ttl: number;
    /** IPv4 identification (absent for IPv6). */
    identification?: number;
    /** A non-first fragment: no transport header in this packet. */
    fragment: boolean;
  };
  tcp?: {
    srcPort: number;
    dstPort: number;
    /** The 12-bit flags field as tshark's tcp.flags: 3 reserved bits, NS, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN. */
    flags: number;
    /** Flag names set, e.g. "SYN,ACK". */
    flagNames: string;
    /** Raw (absolute) sequence and acknowledgement numbers, tshark's tcp.seq_raw / tcp.ack_raw. */
    seq: number;
    ack: number;
    window: number;
    headerLength: number;
  };
  udp?: { srcPort: number; dstPort: number; length: number };
  icmp?: { version: 4 | 6; type: number; code: number };
  /** Problems the dissector found (malformed or cut headers). */
  problems?: string[];
}

export interface InspectReport {
  file: string;
  format: CaptureSummary['format'];
  packets: number;
  bytes: number;
  originalBytes: number;
  linkTypes: number[];
  skippedByLinkType: Record<number, number>;
  protocolCounts: CaptureSummary['protocolCounts'];
  /** Packets the snap length cut, and of those with a header cut (headers-only traces). */
  truncated: TruncationCounts;
  flows: number;
  firstTimestampNs: string | null;
  lastTimestampNs: string | null;
  durationSeconds: number;
  warnings: CaptureSummary['warnings'];
  packetRecords?: PacketRecord[];
}

/** In the order people read them: "SYN,ACK", "FIN,PSH,ACK". */
const FLAG_NAMES: [number, string][] = [
  [0x02, 'SYN'],
  [0x01, 'FIN'],
  [0x04, 'RST'],
  [0x08, 'PSH'],
  [0x10, 'ACK'],
  [0x20, 'URG'],
  [0x40, 'ECE'],
  [0x80, 'CWR'],
  [0x100, 'NS'],
];

export function packetRecord(dp: DissectedPacket, frame: number): PacketRecord {
  const p = dp.packet;
  const record: PacketRecord = {
    frame,
    timestampNs: p.timestampNs.toString(),
    capturedLength: p.capturedLength,
    originalLength: p.originalLength,
    linkType: p.linkType,
    truncated: dp.truncated,
  };
  const ip = dp.ip;
  if (ip?.kind === 'ipv4') {
    record.ip = {
      version: 4,
      src: ip.src,
      dst: ip.dst,
      protocol: ip.protocol,
      totalLength: ip.totalLength,
      ttl: ip.ttl,
      identification: ip.identification,
      fragment: ip.isFragment,
    };
  } else if (ip?.kind === 'ipv6') {
    record.ip = {
      version: 6,
      src: ip.src,
      dst: ip.dst,
      protocol: ip.protocol,
      nextHeader: ip.nextHeader,
      totalLength: ip.payloadLength + 40,
      ttl: ip.hopLimit,
      fragment: ip.isFragment,
    };
  }
  const t = dp.transport;
  if (t?.kind === 'tcp') {
    record.tcp = {
      srcPort: t.srcPort,
      dstPort: t.dstPort,
      flags: (t.reserved << 9) | t.flags.value,
      flagNames: FLAG_NAMES.filter(([bit]) => (t.flags.value & bit) !== 0)
        .map(([, name]) => name)
        .join(','),
      seq: t.seq,
      ack: t.ack,
      window: t.window,
      headerLength: t.dataOffset * 4,
    };
  } else if (t?.kind === 'udp') {
    record.udp = { srcPort: t.srcPort, dstPort: t.dstPort, length: t.length };
  } else if (t?.kind === 'icmp' || t?.kind === 'icmpv6') {
    record.icmp = { version: t.kind === 'icmp' ? 4 : 6, type: t.type, code: t.code };
  }
  if (dp.problems.length > 0) record.problems = [...dp.problems];
  return record;
}

export interface InspectOptions {
  packets?: boolean;
  idleTimeoutSeconds?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
}

/** Summary of a capture (summarizeCapture), with per-packet records when asked. */
export async function inspectCapture(file: string, options: InspectOptions = {}): Promise<InspectReport> {
  const summary = await summarizeCapture(file, {
    ...(options.idleTimeoutSeconds !== undefined && { idleTimeoutSeconds: options.idleTimeoutSeconds }),
    ...(options.progress !== undefined && { progress: options.progress }),
    ...(options.signal !== undefined && { signal: options.signal }),
  });
  const first = summary.firstTimestampNs;
  const last = summary.lastTimestampNs;
  const report: InspectReport = {
    file: summary.file,
    format: summary.format,
    packets: summary.packets,
    bytes: summary.bytes,
    originalBytes: summary.originalBytes,
    linkTypes: summary.linkTypes,
    skippedByLinkType: summary.skippedByLinkType,
    protocolCounts: summary.protocolCounts,
    truncated: summary.truncated,
    flows: summary.flows,
    firstTimestampNs: first === undefined ? null : first.toString(),
    lastTimestampNs: last === undefined ? null : last.toString(),
    durationSeconds: first === undefined || last === undefined ? 0 : nsToSeconds(last - first),
    warnings: summary.warnings,
  };
  if (options.packets) {
    const reader = new CaptureReader(file, { includeUnsupportedLinkTypes: true, ...(options.signal !== undefined && { signal: options.signal }) });
    const records: PacketRecord[] = [];
    let frame = 0;
    for await (const packet of reader.packets()) {
      if (options.signal?.aborted) throw new InterruptedError();
      frame++;
      records.push(packetRecord(dissect(packet), frame));
    }
    report.packetRecords = records;
  }
  return report;
}

const LINK_NAMES: Record<number, string> = {
  0: 'null/loopback',
  1: 'Ethernet',
  12: 'raw IP',
  14: 'raw IP',
  101: 'raw IP',
  105: '802.11',
  108: 'loopback',
  113: 'Linux cooked (SLL)',
  127: '802.11 radiotap',
  228: 'IPv4',
  229: 'IPv6',
  276: 'Linux cooked (SLL2)',
};

/** The report as text for people. */
export function formatInspectReport(r: InspectReport): string {
  const lines: string[] = [];
  lines.push(`${r.file} (${r.format})`);
  lines.push(`  packets      ${r.packets}`);
  lines.push(`  bytes        ${r.bytes} captured, ${r.originalBytes} on the wire`);
  lines.push(`  link types   ${r.linkTypes.map((t) => `${t} (${LINK_NAMES[t] ?? 'unknown'})`).join(', ') || 'none'}`);
  const skipped = Object.entries(r.skippedByLinkType);
  if (skipped.length) lines.push(`  not dissected ${skipped.map(([t, n]) => `${n} of link type ${t}`).join(', ')}`);
  const c = r.protocolCounts;
  lines.push(`  protocols    IPv4 ${c.ipv4}, IPv6 ${c.ipv6}; TCP ${c.tcp}, UDP ${c.udp}, ICMP ${c.icmp}, ICMPv6 ${c.icmpv6}, other ${c.other}`);
  if (r.truncated.packets > 0) {
    lines.push(
      `  truncated    ${r.truncated.packets} cut by the snap length, ${r.truncated.headers} of them inside the headers (kept; fields past the cut are absent)`,
    );
  }
  lines.push(`  flows        ${r.flows}`);
  lines.push(`  duration     ${r.durationSeconds.toFixed(6)} s`);
  for (const w of r.warnings) lines.push(`  warning      offset ${w.offset}: ${w.message}`);
  if (r.packetRecords) {
    lines.push('');
    lines.push('  frame  time(s)            length  src → dst                                   proto  info');
    const t0 = r.firstTimestampNs === null ? 0n : BigInt(r.firstTimestampNs);
    for (const p of r.packetRecords) {
      const t = nsToSeconds(BigInt(p.timestampNs) - t0).toFixed(6);
      let proto = p.ip ? `IPv${p.ip.version}/${p.ip.protocol}` : `link ${p.linkType}`;
      let info = '';
      let ends = p.ip ? `${p.ip.src} → ${p.ip.dst}` : '';
      if (p.tcp) {
        proto = 'TCP';
        ends = `${p.ip?.src}:${p.tcp.srcPort} → ${p.ip?.dst}:${p.tcp.dstPort}`;
        info = `[${p.tcp.flagNames}] seq ${p.tcp.seq} ack ${p.tcp.ack} win ${p.tcp.window}`;
      } else if (p.udp) {
        proto = 'UDP';
        ends = `${p.ip?.src}:${p.udp.srcPort} → ${p.ip?.dst}:${p.udp.dstPort}`;
        info = `len ${p.udp.length}`;
      } else if (p.icmp) {
        proto = p.icmp.version === 4 ? 'ICMP' : 'ICMPv6';
        info = `type ${p.icmp.type} code ${p.icmp.code}`;
      }
      if (p.problems?.length) info += ` (${p.problems.join('; ')})`;
      lines.push(`  ${String(p.frame).padStart(5)}  ${t.padEnd(17)}  ${String(p.originalLength).padStart(6)}  ${ends.padEnd(42)}  ${proto.padEnd(5)}  ${info}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
