import { isNetsynthError, nsToSeconds, type Packet, type RunConfig } from '@netsynth/core';
import { PcapWriter } from '@netsynth/pcap';
import { netshareSchema, RecordCsvWriter, recordOfFlow } from '@netsynth/records';
import { chooseLinkType } from './pcap-out.js';
import { safeName } from './paths.js';
import { flowOfPackets } from './sample-flow.js';
import type { StoredSample } from './sample-store.js';

export type LabelsMode = RunConfig['output']['labels'];

/** The files of one trace, relative to the output folder. */
export interface TraceFiles {
  pcap: string;
  /** `labels: comments`. */
  pcapng: string;
  /** `labels: per-class`: the folder of one pcap per class. */
  byClass: string;
  flowsCsv: string;
}

export interface TraceReport {
  written: number;
  skipped: number;
  linkType: number;
  files: string[];
}

interface Placed {
  t: bigint;
  sample: number;
  packet: Packet;
}

/** Every packet on the trace's clock (its sample's shift added), ordered by time across samples (ties: sample order). */
function placePackets(samples: readonly StoredSample[], shifts: readonly bigint[] | undefined): Placed[] {
  const out: Placed[] = [];
  samples.forEach((s, i) => {
    const shift = shifts?.[i] ?? 0n;
    for (const p of s.packets) {
      const packet = shift === 0n ? p : { ...p, timestampNs: p.timestampNs + shift };
      out.push({ t: packet.timestampNs, sample: i, packet });
    }
  });
  // Stable sort: a sample's packets keep their order where times tie.
  return out.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.sample - b.sample));
}

/** Writes `write` to each writer for which `pick` says so; a packet no file's link type can take is counted. */
async function writeAll(
  placed: readonly Placed[],
  targets: { writer: PcapWriter; comment?: (p: Placed) => string; keep?: (p: Placed) => boolean }[],
  signal?: AbortSignal,
): Promise<number> {
  let skipped = 0;
  for (const p of placed) {
    if (signal?.aborted) return skipped;
    for (const t of targets) {
      if (t.keep && !t.keep(p)) continue;
      try {
        await t.writer.write(p.packet, t.comment?.(p));
      } catch (e) {
        if (!isNetsynthError(e) || e.code !== 'INVALID_ARGUMENT') throw e;
        if (t === targets[0]) skipped++;
      }
    }
  }
  return skipped;
}

/** flows.csv: one row per sample (a generated sample is one flow), NetShare's record columns plus label and flow id. */
async function writeFlowsCsv(path: string, samples: readonly StoredSample[], shifts: readonly bigint[] | undefined): Promise<void> {
  const schema = netshareSchema(['label', 'flow_id', 'te']);
  const writer = await RecordCsvWriter.create(path, schema, { force: true });
  try {
    for (const [i, s] of samples.entries()) {
      const shift = shifts?.[i] ?? 0n;
      const packets = shift === 0n ? s.packets : s.packets.map((p) => ({ ...p, timestampNs: p.timestampNs + shift }));
      const record = recordOfFlow(flowOfPackets(packets));
      if (!record) continue;
      const end = packets.reduce((m, p) => (p.timestampNs > m ? p.timestampNs : m), packets[0]?.timestampNs ?? 0n);
      await writer.write(record, { label: s.label, flow_id: s.id, te: String(Math.round(nsToSeconds(end) * 1e6)) });
    }
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/**
 * The final samples as one capture (packets in time order across samples), plus as
 * `labels` asks a pcapng with `label=<class> flow=<id>` on every packet or one pcap per
 * class, and always flows.csv. Every file is written atomically (temporary file, renamed).
 */
export async function writeTrace(
  path: (rel: string) => string,
  files: TraceFiles,
  samples: readonly StoredSample[],
  options: { shifts?: readonly bigint[]; labels: LabelsMode; signal?: AbortSignal },
): Promise<TraceReport> {
  const linkType = chooseLinkType(samples);
  const placed = placePackets(samples, options.shifts);
  const open = (rel: string, format: 'pcap' | 'pcapng' = 'pcap'): Promise<PcapWriter> =>
    PcapWriter.open(path(rel), { linkType, nanosecond: true, force: true, format });
  const targets: { writer: PcapWriter; comment?: (p: Placed) => string; keep?: (p: Placed) => boolean }[] = [{ writer: await open(files.pcap) }];
  const written = [files.pcap];
  try {
    if (options.labels === 'comments') {
      targets.push({
        writer: await open(files.pcapng, 'pcapng'),
        comment: (p) => `label=${samples[p.sample]?.label ?? ''} flow=${samples[p.sample]?.id ?? ''}`,
      });
      written.push(files.pcapng);
    } else if (options.labels === 'per-class') {
      for (const label of [...new Set(samples.map((s) => s.label))].sort()) {
        const rel = `${files.byClass}/${safeName(label)}.pcap`;
        targets.push({ writer: await open(rel), keep: (p) => samples[p.sample]?.label === label });
        written.push(rel);
      }
    }
    const skipped = await writeAll(placed, targets, options.signal);
    if (options.signal?.aborted) {
      for (const t of targets) await t.writer.abort();
      return { written: 0, skipped, linkType, files: [] };
    }
    for (const t of targets) await t.writer.close();
    await writeFlowsCsv(path(files.flowsCsv), samples, options.shifts);
    written.push(files.flowsCsv);
    return { written: targets[0]?.writer.packetsWritten ?? 0, skipped, linkType, files: written };
  } catch (e) {
    for (const t of targets) await t.writer.abort();
    throw e;
  }
}
