import type { DissectedPacket, ProgressReporter } from '@netsynth/core';
import { dissect } from './dissect/dissect.js';
import { FlowAssembler } from './flows/assembler.js';
import { CaptureReader } from './reader/capture-reader.js';
import type { CaptureFormat, CaptureWarning } from './reader/types.js';
import { countTruncation, emptyTruncationCounts, type TruncationCounts } from './truncation.js';

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
  /** Packets the snap length cut (and of those, with a header cut): encoded with fields absent, never dropped. */
  truncated: TruncationCounts;
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
  // One pass that keeps no packet: borrowed bytes and a counting assembler keep memory
  // at one read chunk plus one entry per open flow, whatever the file size.
  const reader = new CaptureReader(path, {
    includeUnsupportedLinkTypes: true,
    transientData: true,
    ...(options.progress !== undefined && { progress: options.progress }),
    ...(options.signal !== undefined && { signal: options.signal }),
    ...(options.onWarning !== undefined && { onWarning: options.onWarning }),
  });
  const assembler = new FlowAssembler({ idleTimeoutSeconds: options.idleTimeoutSeconds ?? 60, countOnly: true });
  const tally = new Tally();
  for await (const batch of reader.batches()) {
    for (const p of batch) {
      const dp = dissect(p);
      tally.add(dp);
      assembler.addDissected(dp);
    }
  }
  assembler.flush();
  const { packets, bytes, originalBytes, counts, skippedByLinkType, first, last, truncated } = tally;
  return {
    file: path,
    format: reader.format ?? 'pcap',
    packets,
    bytes,
    originalBytes,
    linkTypes: [...reader.linkTypes],
    skippedByLinkType,
    protocolCounts: counts,
    truncated,
    flows: assembler.stats.flows,
    firstTimestampNs: first,
    lastTimestampNs: last,
    warnings: [...reader.warnings],
  };
}

/** The per-packet counts of a summary. */
class Tally {
  readonly counts: ProtocolCounts = { ipv4: 0, ipv6: 0, tcp: 0, udp: 0, icmp: 0, icmpv6: 0, other: 0 };
  readonly skippedByLinkType: Record<number, number> = {};
  readonly truncated = emptyTruncationCounts();
  packets = 0;
  bytes = 0;
  originalBytes = 0;
  first: bigint | undefined;
  last: bigint | undefined;

  add(dp: DissectedPacket): void {
    const p = dp.packet;
    const counts = this.counts;
    this.packets++;
    this.bytes += p.capturedLength;
    this.originalBytes += p.originalLength;
    countTruncation(this.truncated, dp);
    if (this.first === undefined || p.timestampNs < this.first) this.first = p.timestampNs;
    if (this.last === undefined || p.timestampNs > this.last) this.last = p.timestampNs;
    if (dp.layers.length === 0 && dp.problems.some((m) => m.startsWith('link type'))) {
      this.skippedByLinkType[p.linkType] = (this.skippedByLinkType[p.linkType] ?? 0) + 1;
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
  }
}
