import { PcapWriter } from '@netsynth/pcap';
import { LinkType, isNetsynthError, type Packet, type ProgressReporter } from '@netsynth/core';
import type { StoredSample } from './sample-store.js';

export interface PcapWriteReport {
  written: number;
  /** Samples moved later in time so that they do not overlap the one before (`sequential`). */
  shifted: number;
  /** Packets that could not be put in the file's link type (no IP datagram to re-frame). */
  skipped: number;
  linkType: number;
}

/**
 * The file's link type: the packets' own when they all share Ethernet or raw IP, else raw IP
 * (every packet with an IP datagram converts to it).
 */
export function chooseLinkType(samples: readonly StoredSample[]): number {
  const types = new Set<number>();
  for (const s of samples) for (const p of s.packets) types.add(p.linkType);
  if (types.size === 1) {
    const only = [...types][0] as number;
    if (only === LinkType.ETHERNET || only === LinkType.RAW) return only;
  }
  return LinkType.RAW;
}

export interface WriteSamplesOptions {
  /**
   * Lay samples out one after another: a sample that starts before the previous one ended
   * (+ gapNs) is moved later as a whole, its intervals kept. For generated samples, whose
   * start time is arbitrary (the flow ruleset starts every untimed sample at the same
   * instant): otherwise the merged capture steps back in time at each sample boundary.
   */
  sequential?: { gapNs: bigint };
}

/**
 * How far `sequential` moves each sample (ns): a sample that starts before the previous one
 * ended (+ gapNs) is moved later as a whole. The evaluation uses the same shifts, so trace
 * metrics see the timeline the written capture has.
 */
export function sequentialShifts(samples: readonly { packets: readonly Packet[] }[], gapNs: bigint): bigint[] {
  let end: bigint | null = null;
  return samples.map((s) => {
    if (s.packets.length === 0) return 0n;
    const first = s.packets.reduce((m, p) => (p.timestampNs < m ? p.timestampNs : m), (s.packets[0] as Packet).timestampNs);
    const shift = end !== null && first < end + gapNs ? end + gapNs - first : 0n;
    const last = s.packets.reduce((m, p) => (p.timestampNs > m ? p.timestampNs : m), first);
    end = last + shift;
    return shift;
  });
}

/**
 * Writes the samples' packets back to back into one pcap (nanosecond timestamps, atomic).
 * Checksums are written as the packets hold them: making packets valid is the
 * constraints' job, so a pcap of unrepaired samples shows what the generator made.
 */
export async function writeSamplesPcap(
  path: string,
  samples: readonly StoredSample[],
  progress: ProgressReporter,
  signal?: AbortSignal,
  options: WriteSamplesOptions = {},
): Promise<PcapWriteReport> {
  const linkType = chooseLinkType(samples);
  const writer = await PcapWriter.open(path, { linkType, nanosecond: true, force: true });
  let skipped = 0;
  const shifts = options.sequential ? sequentialShifts(samples, options.sequential.gapNs) : undefined;
  const shifted = shifts?.filter((x) => x !== 0n).length ?? 0;
  try {
    for (const [i, s] of samples.entries()) {
      if (signal?.aborted) break;
      const shift = shifts?.[i] ?? 0n;
      for (const p of s.packets) {
        try {
          await writer.write(shift === 0n ? p : { ...p, timestampNs: p.timestampNs + shift });
        } catch (e) {
          if (!isNetsynthError(e) || e.code !== 'INVALID_ARGUMENT') throw e;
          skipped++;
        }
      }
    }
    if (signal?.aborted) {
      await writer.abort();
      return { written: writer.packetsWritten, shifted, skipped, linkType };
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.close();
  if (skipped > 0) progress.warn(`${path}: ${skipped} packet(s) without an IP datagram could not be written as link type ${linkType} and were left out`);
  return { written: writer.packetsWritten, shifted, skipped, linkType };
}
