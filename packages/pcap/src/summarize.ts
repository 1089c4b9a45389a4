import type { ProgressReporter } from '@netsynth/core';
import { dissect } from './dissect/dissect.js';
import { FlowAssembler } from './flows/assembler.js';
import { CaptureReader } from './reader/capture-reader.js';
import type { CaptureFormat, CaptureWarning } from './reader/types.js';

export interface ProtocolCounts {
  ipv4: number;
  ipv6: number;
  tcp: number;
  udp: number;
  icmp: number;
  icmpv6: number;
  /** Packets that are none of tcp/udp/icmp/icmpv6 (so the four plus other = packets). */
  other: number;
}

export interface CaptureSummary {
  file: string;
  format: CaptureFormat;
  /** Every packet record in the file, including those of unsupported link types. */
  packets: number;
  /** Sum of captured lengths. */
  bytes: number;
  /** Sum of original (on-the-wire) lengths. */
  originalBytes: number;
  linkTypes: number[];
  skippedByLinkType: Record<number, number>;
  protocolCounts: ProtocolCounts;
  /** Flows (see FlowAssembler) with the given idle timeout. */
  flows: number;
  /** Undefined for a capture without packets. bigint: JSON needs a replacer (e.g. to string). */
  firstTimestampNs: bigint | undefined;
  lastTimestampNs: bigint | undefined;
  warnings: CaptureWarning[];
}

export interface SummarizeOptions {
  /** Idle timeout for the flow count (default 60 s). */
  idleTimeoutSeconds?: number;
  progress?: ProgressReporter;
  signal?: AbortSignal;
  onWarning?: (warning: CaptureWarning) => void;
}

/**
 * One streaming pass over a capture for `netsynth inspect`: counts, link types, protocols
 * (transport counted by the IP protocol number, so non-first fragments count too), flows
 * and time span. Packets of unsupported link types count in `packets`, `bytes` and `other`.
 */
export async function summarizeCapture(path: string, options: SummarizeOptions = {}): Promise<CaptureSummary> {
  const reader = new CaptureReader(path, {
    includeUnsupportedLinkTypes: true,
    ...(options.progress !== undefined && { progress: options.progress }),
    ...(options.signal !== undefined && { signal: options.signal }),
    ...(options.onWarning !== undefined && { onWarning: options.onWarning }),
  });
  const assembler = new FlowAssembler({ idleTimeoutSeconds: options.idleTimeoutSeconds ?? 60 });
  const counts: ProtocolCounts = { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, icmpv6: 0, other: 0 };
  const skippedByLinkType: Record<number, number> = {};
  let packets = 0;
  let bytes = 0;
  let originalBytes = 0;
  let flows = 0;
  let first: bigint | undefined;
  let last: bigint | undefined;
  for await (const p of reader.packets()) {
    packets++;
    bytes += p.capturedLength;
    originalBytes += p.originalLength;
    if (first === undefined || p.timestampNs < first) first = p.timestampNs;
    if (last === undefined || p.timestampNs > last) last = p.timestampNs;
    const dp = dissect(p);
    if (dp.layers.length === 0 && dp.problems.some((m) => m.startsWith('link type'))) {
      skippedByLinkType[p.linkType] = (skippedByLinkType[p.linkType] ?? 0) + 1;
    }
    const ip = dp.ip;
    if (ip?.kind === 'ipv4') counts.ipv4++;
    else if (ip?.kind === 'ipv6') counts.ipv6++;
    const proto = ip?.protocol;
    if (proto === 6) counts.tcp++;
    else if (proto === 17) counts.udp++;
    else if (proto === 1 && ip?.kind === 'ipv4') counts.icmp++;
    else if (proto === 58 && ip?.kind === 'ipv6') counts.icmpv6++;
    else counts.other++;
    flows += assembler.add(p).length;
  }
  flows += assembler.flush().length;
  return {
    file: path,
    format: reader.format ?? 'pcap',
    packets,
    bytes,
    originalBytes,
    linkTypes: [...reader.linkTypes],
    skippedByLinkType,
    protocolCounts: counts,
    flows,
    firstTimestampNs: first,
    lastTimestampNs: last,
    warnings: [...reader.warnings],
  };
}
