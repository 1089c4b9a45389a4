import { PcapWriter } from '@netsynth/pcap';
import { LinkType, isNetsynthError, type ProgressReporter } from '@netsynth/core';
import type { StoredSample } from './sample-store.js';

export interface PcapWriteReport {
  written: number;
  /** Packets that could not be put in the file's link type (no IP datagram to re-frame). */
  skipped: number;
  linkType: number;
}

/**
 * The file's link type: the packets' own when they all share Ethernet or raw IP, else raw IP
 * (every packet with an IP datagram converts to it).
 */
function chooseLinkType(samples: readonly StoredSample[]): number {
  const types = new Set<number>();
  for (const s of samples) for (const p of s.packets) types.add(p.linkType);
  if (types.size === 1) {
    const only = [...types][0] as number;
    if (only === LinkType.ETHERNET || only === LinkType.RAW) return only;
  }
  return LinkType.RAW;
}

/**
 * Writes the samples' packets back to back into one pcap (nanosecond timestamps, atomic).
 * Checksums are written as the packets hold them: making packets valid is the
 * constraints' job, so a pcap of unrepaired samples shows what the generator made.
 */
export async function writeSamplesPcap(path: string, samples: readonly StoredSample[], progress: ProgressReporter, signal?: AbortSignal): Promise<PcapWriteReport> {
  const linkType = chooseLinkType(samples);
  const writer = await PcapWriter.open(path, { linkType, nanosecond: true, force: true });
  let skipped = 0;
  try {
    for (const s of samples) {
      if (signal?.aborted) break;
      for (const p of s.packets) {
        try {
          await writer.write(p);
        } catch (e) {
          if (!isNetsynthError(e) || e.code !== 'INVALID_ARGUMENT') throw e;
          skipped++;
        }
      }
    }
    if (signal?.aborted) {
      await writer.abort();
      return { written: writer.packetsWritten, skipped, linkType };
    }
  } catch (e) {
    await writer.abort();
    throw e;
  }
  await writer.close();
  if (skipped > 0) progress.warn(`${path}: ${skipped} packet(s) without an IP datagram could not be written as link type ${linkType} and were left out`);
  return { written: writer.packetsWritten, skipped, linkType };
}
